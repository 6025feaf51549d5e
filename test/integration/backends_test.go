package integration

import (
	"context"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/skiff/skiff/internal/storage"
	"github.com/skiff/skiff/internal/storage/etcdtest"
)

// backend is where a cluster keeps its data. open is called at every
// (re)start of the server and must reach the same data each time.
type backend struct {
	name string
	open func(ctx context.Context) (storage.Backend, error)
	// progress is false for stores that cannot answer watch progress
	// requests (etcd 3.4): bookmarks and fresh cache reads are slower
	// there, but must still work.
	progress bool
}

// backendKind makes fresh storage for one cluster.
type backendKind struct {
	name  string
	fresh func(t testing.TB) backend
}

// embedded is etcd inside the test process, as `skiff server` runs by
// default.
func embedded() backendKind {
	return backendKind{name: "embedded", fresh: func(t testing.TB) backend {
		dir := filepath.Join(t.TempDir(), "etcd")
		return backend{name: "embedded", progress: true, open: func(ctx context.Context) (storage.Backend, error) {
			return storage.OpenEmbedded(ctx, dir)
		}}
	}}
}

// external is an etcd server process reached over the network, as with
// --etcd-servers. binary builds or finds the server once per kind.
func external(name string, progress bool, binary func(t testing.TB) string) backendKind {
	return backendKind{name: name, fresh: func(t testing.TB) backend {
		srv := etcdtest.Start(t, binary(t))
		return backend{name: name, progress: progress, open: func(ctx context.Context) (storage.Backend, error) {
			return storage.OpenRemote(ctx, []string{srv.Endpoint}, nil)
		}}
	}}
}

// allBackends is every storage the server supports: embedded etcd, an
// external etcd 3.5 built from this module, and Debian's etcd 3.4 (skipped
// when not installed unless SKIFF_REQUIRE_ETCD34=1). top is the test that
// runs them all: the etcd 3.5 binary is built once, into its temp dir, when
// a subtest first needs it.
func allBackends(top testing.TB) []backendKind {
	outDir := top.TempDir()
	var once sync.Once
	var bin35 string
	var buildErr error
	build35 := func(t testing.TB) string {
		once.Do(func() {
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
			defer cancel()
			bin35, buildErr = etcdtest.BuildServer(ctx, outDir)
		})
		if buildErr != nil {
			t.Fatal(buildErr)
		}
		return bin35
	}
	return []backendKind{
		embedded(),
		external("etcd35", true, build35),
		external("etcd34", false, etcdtest.Etcd34),
	}
}
