package storagetest

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/skiff/skiff/internal/storage"
)

// next returns the watch's next event, failing the test if none comes in
// time or the channel closes.
func next(t *testing.T, w storage.Watch) storage.Event {
	t.Helper()
	timer := time.NewTimer(10 * time.Second)
	defer timer.Stop()
	select {
	case ev, ok := <-w.Events():
		if !ok {
			t.Fatalf("watch closed: %v", w.Err())
		}
		return ev
	case <-timer.C:
		t.Fatal("no watch event within 10s")
	}
	return storage.Event{}
}

// describe renders an event for comparison: type, key, value.
func describe(ev storage.Event, p string) string {
	kind := map[storage.EventType]string{storage.EventPut: "put", storage.EventDelete: "delete", storage.EventProgress: "progress"}[ev.Type]
	return fmt.Sprintf("%s %s=%s", kind, strings.TrimPrefix(ev.KV.Key, p), ev.KV.Value)
}

// writeSequence makes a create, an update and a delete under p/w/ and a
// write outside it, returning the three revisions inside.
func writeSequence(t *testing.T, b storage.Backend, p string) [3]int64 {
	ctx := ctxFor(t)
	r1 := mustCreate(t, b, p+"w/a", "v1")
	mustCreate(t, b, p+"outside", "x")
	r2, _, err := b.Update(ctx, p+"w/a", []byte("v2"), r1)
	if err != nil {
		t.Fatalf("Update: %v", err)
	}
	_, r3, err := b.Delete(ctx, p+"w/a", r2)
	if err != nil {
		t.Fatalf("Delete: %v", err)
	}
	return [3]int64{r1, r2, r3}
}

var wantSequence = []string{"put a=v1", "put a=v2", "delete a="}

// checkSequence reads the three events of writeSequence from w.
func checkSequence(t *testing.T, w storage.Watch, p string, revs [3]int64) {
	t.Helper()
	for i, want := range wantSequence {
		ev := next(t, w)
		if got := describe(ev, p+"w/"); got != want {
			t.Fatalf("event %d = %s, want %s", i, got, want)
		}
		if ev.Revision != revs[i] || ev.KV.ModRevision != revs[i] {
			t.Fatalf("event %d at revision %d (KV %d), want %d", i, ev.Revision, ev.KV.ModRevision, revs[i])
		}
	}
}

func testWatchOrder(t *testing.T, b storage.Backend, p string) {
	w, err := b.Watch(ctxFor(t), p+"w/", 0)
	if err != nil {
		t.Fatalf("Watch: %v", err)
	}
	// Watch from now is established asynchronously; a progress-free way to
	// know it is is to see an event, so the first write is a marker.
	mustCreate(t, b, p+"w/marker", "m")
	if ev := next(t, w); ev.KV.Key != p+"w/marker" {
		t.Fatalf("first event = %+v", ev)
	}
	checkSequence(t, w, p, writeSequence(t, b, p))
}

func testWatchFromPast(t *testing.T, b storage.Backend, p string) {
	ctx := ctxFor(t)
	before, err := b.CurrentRevision(ctx)
	if err != nil {
		t.Fatalf("CurrentRevision: %v", err)
	}
	revs := writeSequence(t, b, p)
	w, err := b.Watch(ctx, p+"w/", before)
	if err != nil {
		t.Fatalf("Watch: %v", err)
	}
	checkSequence(t, w, p, revs)

	// Starting right after the create replays only the later two.
	w2, err := b.Watch(ctx, p+"w/", revs[0])
	if err != nil {
		t.Fatalf("Watch: %v", err)
	}
	if got := describe(next(t, w2), p+"w/"); got != wantSequence[1] {
		t.Fatalf("first event after revision %d = %s, want %s", revs[0], got, wantSequence[1])
	}
}

func testWatchCancel(t *testing.T, b storage.Backend, p string) {
	ctx, cancel := context.WithCancel(ctxFor(t))
	w, err := b.Watch(ctx, p, 0)
	if err != nil {
		t.Fatalf("Watch: %v", err)
	}
	cancel()
	timer := time.NewTimer(10 * time.Second)
	defer timer.Stop()
	for {
		select {
		case _, ok := <-w.Events():
			if ok {
				continue
			}
			if err := w.Err(); err != nil {
				t.Fatalf("Err after cancel = %v, want nil", err)
			}
			return
		case <-timer.C:
			t.Fatal("watch channel not closed 10s after cancel")
		}
	}
}

// testProgress: a progress request on a watch of an idle prefix yields an
// EventProgress at the store's current revision (etcd 3.5+ only); older
// stores refuse with ErrProgressUnsupported.
func testProgress(t *testing.T, b storage.Backend, p string, supported bool) {
	ctx := ctxFor(t)
	w, err := b.Watch(ctx, p+"idle/", 0)
	if err != nil {
		t.Fatalf("Watch: %v", err)
	}
	// Writes elsewhere move the store's revision but not this prefix.
	mustCreate(t, b, p+"busy", "x")
	cur, err := b.CurrentRevision(ctx)
	if err != nil {
		t.Fatalf("CurrentRevision: %v", err)
	}
	err = w.RequestProgress(ctx)
	if !supported {
		wantErr(t, "RequestProgress on an old store", err, storage.ErrProgressUnsupported)
		return
	}
	if err != nil {
		t.Fatalf("RequestProgress: %v", err)
	}
	// The request may be answered before the watch has caught up to cur on
	// a loaded server; ask again until the answer covers cur.
	for {
		ev := next(t, w)
		if ev.Type != storage.EventProgress {
			t.Fatalf("got %s, want a progress event", describe(ev, p))
		}
		if ev.Revision >= cur {
			return
		}
		if err := w.RequestProgress(ctx); err != nil {
			t.Fatalf("RequestProgress: %v", err)
		}
	}
}

func testCompaction(t *testing.T, b storage.Backend, p string) {
	ctx := ctxFor(t)
	r1 := mustCreate(t, b, p+"a", "v1")
	if _, _, err := b.Update(ctx, p+"a", []byte("v2"), r1); err != nil {
		t.Fatalf("Update: %v", err)
	}
	cur, err := b.CurrentRevision(ctx)
	if err != nil {
		t.Fatalf("CurrentRevision: %v", err)
	}
	if err := b.Compact(ctx, cur); err != nil {
		t.Fatalf("Compact(%d): %v", cur, err)
	}
	_, err = b.List(ctx, p, "", 0, r1)
	wantErr(t, "List at a compacted revision", err, storage.ErrCompacted)
	if res, err := b.List(ctx, p, "", 0, cur); err != nil || listed(res, p) != "a=v2" {
		t.Fatalf("List at the compaction revision = %s, %v", listed(res, p), err)
	}
	err = b.Compact(ctx, r1)
	wantErr(t, "Compact behind the last compaction", err, storage.ErrCompacted)
	wantErr(t, "Watch from a compacted revision", watchErr(t, b, p, r1-1), storage.ErrCompacted)
	if w, err := b.Watch(ctx, p, cur); err != nil {
		t.Fatalf("Watch from the compaction revision: %v", err)
	} else if ev := next(t, watchAfterWrite(t, b, p, w)); ev.KV.Key != p+"after" {
		t.Fatalf("event after compaction = %+v", ev)
	}
}

// watchErr starts a watch and returns its failure, whether Watch itself
// fails or the channel closes with Err.
func watchErr(t *testing.T, b storage.Backend, p string, after int64) error {
	w, err := b.Watch(ctxFor(t), p, after)
	if err != nil {
		return err
	}
	timer := time.NewTimer(10 * time.Second)
	defer timer.Stop()
	for {
		select {
		case _, ok := <-w.Events():
			if !ok {
				return w.Err()
			}
		case <-timer.C:
			return errors.New("watch from a compacted revision neither failed nor closed")
		}
	}
}

// watchAfterWrite writes p+"after" and hands back w for reading.
func watchAfterWrite(t *testing.T, b storage.Backend, p string, w storage.Watch) storage.Watch {
	mustCreate(t, b, p+"after", "x")
	return w
}
