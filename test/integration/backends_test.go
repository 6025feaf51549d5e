package integration

import (
	"context"
	"path/filepath"
	"sync"
	"testing"

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
// when not installed unless SKIFF_REQUIRE_ETCD34=1).
func allBackends() []backendKind {
	var once sync.Once
	var bin35 string
	build35 := func(t testing.TB) string {
		once.Do(func() { bin35 = etcdtest.Build(t) })
		if bin35 == "" {
			t.Fatal("building the etcd 3.5 test server failed earlier")
		}
		return bin35
	}
	return []backendKind{
		embedded(),
		external("etcd35", true, build35),
		external("etcd34", false, etcdtest.Etcd34),
	}
}
