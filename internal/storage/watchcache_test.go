package storage_test

import (
	"context"
	"errors"
	"testing"

	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/watch"

	"github.com/skiff/skiff/internal/storage"
	"github.com/skiff/skiff/internal/storage/etcdtest"
	"github.com/skiff/skiff/internal/watchcache"
)

// startCache runs a watch cache of /cache/ over b until the test ends.
func startCache(t *testing.T, b storage.Backend) *watchcache.Cache {
	t.Helper()
	c, err := watchcache.New(watchcache.Config{
		Backend: b,
		Prefix:  "/cache/",
		Decode: func(kv storage.KV) (runtime.Object, error) {
			return &metav1.PartialObjectMetadata{ObjectMeta: metav1.ObjectMeta{Name: kv.Key, Labels: map[string]string{"v": string(kv.Value)}}}, nil
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error)
	go func() { done <- c.Run(ctx) }()
	t.Cleanup(func() { cancel(); <-done })
	if err := c.Ready(ctxFor(t)); err != nil {
		t.Fatal(err)
	}
	return c
}

// The cache over real etcd: writes reach a watcher and a list, and an idle
// prefix becomes fresh through a real progress request.
func TestWatchCacheOverEmbedded(t *testing.T) {
	b := openEmbedded(t, t.TempDir())
	c := startCache(t, b)
	ctx := ctxFor(t)
	w, err := c.Watch(ctx, "/cache/", 0, nil, false)
	if err != nil {
		t.Fatal(err)
	}
	rev, err := b.Create(ctx, "/cache/a", []byte("1"))
	if err != nil {
		t.Fatal(err)
	}
	timer := time.NewTimer(10 * time.Second)
	defer timer.Stop()
	select {
	case ev := <-w.Events():
		if ev.Type != watch.Added || ev.Revision != rev {
			t.Fatalf("event = %+v, want Added at %d", ev, rev)
		}
	case <-timer.C:
		t.Fatal("no event within 10s")
	}
	other, err := b.Create(ctx, "/elsewhere", []byte("x"))
	if err != nil {
		t.Fatal(err)
	}
	fresh, err := c.WaitFresh(ctx)
	if err != nil || fresh < other {
		t.Fatalf("WaitFresh = %d, %v; want >= %d", fresh, err, other)
	}
	objs, _, err := c.List(ctx, "/cache/", rev)
	if err != nil || len(objs) != 1 {
		t.Fatalf("List = %d objects, %v", len(objs), err)
	}
}

// On etcd 3.4 the cache cannot prove freshness and says so.
func TestWatchCacheOverEtcd34(t *testing.T) {
	b := openRemote(t, etcdtest.Start(t, etcdtest.Etcd34(t)))
	c := startCache(t, b)
	if _, err := b.Create(ctxFor(t), "/elsewhere", []byte("x")); err != nil {
		t.Fatal(err)
	}
	_, err := c.WaitFresh(ctxFor(t))
	if !errors.Is(err, watchcache.ErrProgressUnsupported) {
		t.Fatalf("WaitFresh on etcd 3.4: %v, want ErrProgressUnsupported", err)
	}
}
