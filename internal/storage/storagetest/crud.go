package storagetest

import (
	"errors"
	"fmt"
	"strconv"
	"sync"
	"testing"

	"github.com/skiff/skiff/internal/storage"
)

func testCreateGet(t *testing.T, b storage.Backend, p string) {
	ctx := ctxFor(t)
	rev := mustCreate(t, b, p+"a", "one")
	if rev <= 0 {
		t.Fatalf("Create returned revision %d", rev)
	}
	kv, err := b.Get(ctx, p+"a")
	if err != nil {
		t.Fatalf("Get: %v", err)
	}
	want := storage.KV{Key: p + "a", Value: []byte("one"), CreateRevision: rev, ModRevision: rev}
	if fmt.Sprint(kv) != fmt.Sprint(want) {
		t.Fatalf("Get = %+v, want %+v", kv, want)
	}
	_, err = b.Create(ctx, p+"a", []byte("two"))
	wantErr(t, "second Create", err, storage.ErrExists)
	if kv, _ := b.Get(ctx, p+"a"); string(kv.Value) != "one" {
		t.Fatalf("failed Create overwrote the value: %q", kv.Value)
	}
	_, err = b.Get(ctx, p+"missing")
	wantErr(t, "Get of a missing key", err, storage.ErrNotFound)
}

func testUpdate(t *testing.T, b storage.Backend, p string) {
	ctx := ctxFor(t)
	rev1 := mustCreate(t, b, p+"a", "v1")
	rev2, _, err := b.Update(ctx, p+"a", []byte("v2"), rev1)
	if err != nil || rev2 <= rev1 {
		t.Fatalf("Update = %d, %v; want a revision after %d", rev2, err, rev1)
	}
	kv, _ := b.Get(ctx, p+"a")
	if string(kv.Value) != "v2" || kv.ModRevision != rev2 || kv.CreateRevision != rev1 {
		t.Fatalf("after Update, Get = %+v", kv)
	}
	cases := []struct {
		name     string
		key      string
		expected int64
		want     error
		wantCur  bool
	}{
		{"stale revision", p + "a", rev1, storage.ErrConflict, true},
		{"zero revision on a present key", p + "a", 0, storage.ErrConflict, true},
		{"missing key", p + "missing", rev2, storage.ErrNotFound, false},
		{"zero revision on a missing key", p + "missing", 0, storage.ErrNotFound, false},
	}
	for _, c := range cases {
		_, cur, err := b.Update(ctx, c.key, []byte("x"), c.expected)
		wantErr(t, c.name, err, c.want)
		if c.wantCur && (cur.ModRevision != rev2 || string(cur.Value) != "v2") {
			t.Errorf("%s: current KV = %+v, want value v2 at %d", c.name, cur, rev2)
		}
	}
	_, err = b.Get(ctx, p+"missing")
	wantErr(t, "Get after Update of a missing key", err, storage.ErrNotFound)
}

func testDelete(t *testing.T, b storage.Backend, p string) {
	ctx := ctxFor(t)
	rev1 := mustCreate(t, b, p+"a", "v1")
	rev2, _, err := b.Update(ctx, p+"a", []byte("v2"), rev1)
	if err != nil {
		t.Fatalf("Update: %v", err)
	}
	_, _, err = b.Delete(ctx, p+"a", rev1)
	wantErr(t, "Delete at a stale revision", err, storage.ErrConflict)
	cur, _, _ := b.Delete(ctx, p+"a", rev1)
	if cur.ModRevision != rev2 || string(cur.Value) != "v2" {
		t.Fatalf("conflicting Delete returned %+v, want v2 at %d", cur, rev2)
	}
	prev, drev, err := b.Delete(ctx, p+"a", rev2)
	if err != nil || drev <= rev2 || string(prev.Value) != "v2" || prev.ModRevision != rev2 {
		t.Fatalf("Delete = %+v, %d, %v", prev, drev, err)
	}
	_, err = b.Get(ctx, p+"a")
	wantErr(t, "Get after Delete", err, storage.ErrNotFound)
	_, _, err = b.Delete(ctx, p+"a", 0)
	wantErr(t, "second Delete", err, storage.ErrNotFound)

	mustCreate(t, b, p+"b", "any")
	if prev, _, err := b.Delete(ctx, p+"b", 0); err != nil || string(prev.Value) != "any" {
		t.Fatalf("Delete with no precondition = %+v, %v", prev, err)
	}
}

func testCurrentRevision(t *testing.T, b storage.Backend, p string) {
	ctx := ctxFor(t)
	rev := mustCreate(t, b, p+"a", "x")
	cur, err := b.CurrentRevision(ctx)
	if err != nil || cur < rev {
		t.Fatalf("CurrentRevision = %d, %v; want >= %d", cur, err, rev)
	}
	rev2 := mustCreate(t, b, p+"b", "x")
	cur2, err := b.CurrentRevision(ctx)
	if err != nil || cur2 < rev2 || cur2 <= cur {
		t.Fatalf("CurrentRevision after a write = %d, %v; want >= %d and > %d", cur2, err, rev2, cur)
	}
}

// testConcurrentUpdates runs read-modify-write loops that retry with the
// KV a conflict returns; no increment may be lost.
func testConcurrentUpdates(t *testing.T, b storage.Backend, p string) {
	const workers, perWorker = 4, 10
	key := p + "counter"
	mustCreate(t, b, key, "0")
	ctx := ctxFor(t)
	var wg sync.WaitGroup
	errs := make(chan error, workers)
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			kv, err := b.Get(ctx, key)
			for i := 0; i < perWorker && err == nil; {
				n, _ := strconv.Atoi(string(kv.Value))
				var rev int64
				var cur storage.KV
				rev, cur, err = b.Update(ctx, key, []byte(strconv.Itoa(n+1)), kv.ModRevision)
				switch {
				case errors.Is(err, storage.ErrConflict):
					kv, err = cur, nil
				case err == nil:
					kv = storage.KV{Value: []byte(strconv.Itoa(n + 1)), ModRevision: rev}
					i++
				}
			}
			errs <- err
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatalf("worker: %v", err)
		}
	}
	kv, _ := b.Get(ctx, key)
	if got := string(kv.Value); got != strconv.Itoa(workers*perWorker) {
		t.Fatalf("counter = %s, want %d", got, workers*perWorker)
	}
}
