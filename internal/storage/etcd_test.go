package storage_test

import (
	"context"
	"testing"
	"time"

	"github.com/skiff/skiff/internal/storage"
	"github.com/skiff/skiff/internal/storage/etcdtest"
	"github.com/skiff/skiff/internal/storage/storagetest"
)

// openEmbedded starts an embedded etcd in a temp dir, closed with the test.
func openEmbedded(t *testing.T, dir string) storage.Backend {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	b, err := storage.OpenEmbedded(ctx, dir)
	if err != nil {
		t.Fatalf("OpenEmbedded: %v", err)
	}
	t.Cleanup(func() {
		if err := b.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
	})
	return b
}

func TestEmbedded(t *testing.T) {
	storagetest.Run(t, func(t *testing.T) storage.Backend {
		return openEmbedded(t, t.TempDir())
	})
}

// openRemote connects to an etcd server process, closed with the test.
func openRemote(t *testing.T, s *etcdtest.Server) storage.Backend {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	b, err := storage.OpenRemote(ctx, []string{s.Endpoint}, nil)
	if err != nil {
		t.Fatalf("OpenRemote(%s): %v", s.Endpoint, err)
	}
	t.Cleanup(func() { b.Close() })
	return b
}

// TestExternal35 runs the suite against etcd 3.5 in its own process.
func TestExternal35(t *testing.T) {
	bin := etcdtest.Build(t)
	storagetest.Run(t, func(t *testing.T) storage.Backend {
		return openRemote(t, etcdtest.Start(t, bin))
	})
}

// TestExternal34 runs the suite against Debian's etcd 3.4, which cannot
// answer progress requests reliably, so the backend refuses them.
func TestExternal34(t *testing.T) {
	bin := etcdtest.Etcd34(t)
	storagetest.RunWith(t, func(t *testing.T) storage.Backend {
		return openRemote(t, etcdtest.Start(t, bin))
	}, storagetest.Features{Progress: false})
}
