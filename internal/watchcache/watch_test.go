package watchcache

import (
	"errors"
	"fmt"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/watch"
)

// expect reads len(want) events from w and compares their renderings.
func expect(t *testing.T, w *Watcher, want ...string) {
	t.Helper()
	for i, wnt := range want {
		if got := show(nextEvent(t, w)); got != wnt {
			t.Fatalf("event %d = %q, want %q", i, got, wnt)
		}
	}
}

func TestWatchSequence(t *testing.T) {
	s := newFakeStore()
	c := startCache(t, s, nil)
	w, err := c.Watch(ctxFor(t), prefix, 0, nil, false)
	if err != nil {
		t.Fatal(err)
	}
	r1 := s.put(prefix+"ns/a", "v1")
	s.put("/registry/other/ns/a", "x")
	r2 := s.put(prefix+"ns/a", "v2")
	r3 := s.del(prefix + "ns/a")
	expect(t, w,
		fmt.Sprintf("ADDED ns/a app=v1 rv=%d", r1),
		fmt.Sprintf("MODIFIED ns/a app=v2 rv=%d", r2),
		// A deleted object carries the delete's revision.
		fmt.Sprintf("DELETED ns/a app=v2 rv=%d", r3))
}

func TestWatchPrevAndRevision(t *testing.T) {
	s := newFakeStore()
	c := startCache(t, s, nil)
	w, err := c.Watch(ctxFor(t), prefix, 0, nil, false)
	if err != nil {
		t.Fatal(err)
	}
	s.put(prefix+"ns/a", "v1")
	r2 := s.put(prefix+"ns/a", "v2")
	if ev := nextEvent(t, w); ev.Prev != nil {
		t.Fatalf("Added has Prev %v", ev.Prev)
	}
	ev := nextEvent(t, w)
	if ev.Revision != r2 || ev.Key != prefix+"ns/a" || ev.Prev.(*metav1.PartialObjectMetadata).Labels["app"] != "v1" {
		t.Fatalf("Modified = %+v", ev)
	}
}

func TestWatchFromHistory(t *testing.T) {
	s := newFakeStore()
	s.put(prefix+"ns/old", "x")
	c := startCache(t, s, func(c *Config) { c.History = 3 })
	start := c.Revision()
	r1 := s.put(prefix+"ns/a", "v1")
	s.put(prefix+"ns2/b", "v1")
	r3 := s.put(prefix+"ns/a", "v2")
	if _, _, err := c.List(ctxFor(t), prefix, r3); err != nil {
		t.Fatal(err)
	}
	w, err := c.Watch(ctxFor(t), prefix+"ns/", start, nil, false)
	if err != nil {
		t.Fatal(err)
	}
	r4 := s.put(prefix+"ns/c", "v1")
	expect(t, w,
		fmt.Sprintf("ADDED ns/a app=v1 rv=%d", r1),
		fmt.Sprintf("MODIFIED ns/a app=v2 rv=%d", r3),
		fmt.Sprintf("ADDED ns/c app=v1 rv=%d", r4))

	// History holds 3 events; the fourth write pushed r1 out.
	if _, err := c.Watch(ctxFor(t), prefix, start, nil, false); !errors.Is(err, ErrTooOld) {
		t.Fatalf("Watch before the history: %v, want ErrTooOld", err)
	}
	if _, err := c.Watch(ctxFor(t), prefix, r1, nil, false); err != nil {
		t.Fatalf("Watch from the oldest kept point: %v", err)
	}
}

func TestWatchFilter(t *testing.T) {
	s := newFakeStore()
	c := startCache(t, s, nil)
	w, err := c.Watch(ctxFor(t), prefix, 0, appIs("web"), false)
	if err != nil {
		t.Fatal(err)
	}
	r := []int64{
		s.put(prefix+"ns/a", "web"),
		s.put(prefix+"ns/b", "db"), // never matches: nothing
		s.put(prefix+"ns/a", "db"),
		s.put(prefix+"ns/a", "web"),
		s.put(prefix+"ns/a", "web"),
		s.del(prefix + "ns/a"),
		s.del(prefix + "ns/b"), // never matched: nothing
	}
	expect(t, w,
		fmt.Sprintf("ADDED ns/a app=web rv=%d", r[0]),
		fmt.Sprintf("DELETED ns/a app=db rv=%d", r[2]),
		fmt.Sprintf("ADDED ns/a app=web rv=%d", r[3]),
		fmt.Sprintf("MODIFIED ns/a app=web rv=%d", r[4]),
		fmt.Sprintf("DELETED ns/a app=web rv=%d", r[5]))
}

func TestConvert(t *testing.T) {
	obj := func(app string) runtime.Object {
		return &metav1.PartialObjectMetadata{ObjectMeta: metav1.ObjectMeta{Labels: map[string]string{"app": app}}}
	}
	cases := []struct {
		typ       watch.EventType
		now, prev string // "" prev: none
		filter    func(runtime.Object) bool
		want      watch.EventType // "": not sent
	}{
		{watch.Added, "web", "", appIs("web"), watch.Added},
		{watch.Added, "db", "", appIs("web"), ""},
		{watch.Modified, "web", "web", appIs("web"), watch.Modified},
		{watch.Modified, "web", "db", appIs("web"), watch.Added},
		{watch.Modified, "db", "web", appIs("web"), watch.Deleted},
		{watch.Modified, "db", "db", appIs("web"), ""},
		{watch.Deleted, "web", "web", appIs("web"), watch.Deleted},
		{watch.Deleted, "db", "db", appIs("web"), ""},
		{watch.Modified, "db", "web", nil, watch.Modified},
	}
	for _, tc := range cases {
		ev := &Event{Type: tc.typ, Object: obj(tc.now)}
		if tc.prev != "" {
			ev.Prev = obj(tc.prev)
		}
		got, ok := convert(ev, tc.filter)
		if !ok {
			got.Type = ""
		}
		if got.Type != tc.want {
			t.Errorf("%s %s (was %q): got %q, want %q", tc.typ, tc.now, tc.prev, got.Type, tc.want)
		}
	}
}

func TestSlowWatcherDropped(t *testing.T) {
	s := newFakeStore()
	c := startCache(t, s, func(c *Config) { c.WatchBuffer = 2 })
	slow, err := c.Watch(ctxFor(t), prefix, 0, nil, false)
	if err != nil {
		t.Fatal(err)
	}
	fast, err := c.Watch(ctxFor(t), prefix, 0, nil, false)
	if err != nil {
		t.Fatal(err)
	}
	const n = 60
	for i := range n {
		s.put(fmt.Sprintf("%sns/k%02d", prefix, i), "x")
		// The fast reader keeps up, one event per write.
		if ev := nextEvent(t, fast); ev.Key != fmt.Sprintf("%sns/k%02d", prefix, i) {
			t.Fatalf("fast watcher got %s at %d", ev.Key, i)
		}
	}
	if err := waitClosed(t, slow); !errors.Is(err, ErrTooSlow) {
		t.Fatalf("slow watcher ended with %v, want ErrTooSlow", err)
	}
}

func TestRelistAfterCompaction(t *testing.T) {
	s := newFakeStore()
	s.put(prefix+"ns/a", "v1")
	c := startCache(t, s, nil)
	w, err := c.Watch(ctxFor(t), prefix, 0, nil, false)
	if err != nil {
		t.Fatal(err)
	}
	s.compactAndBreakWatches()
	rev := s.put(prefix+"ns/b", "v1")
	if err := waitClosed(t, w); !errors.Is(err, ErrTooOld) {
		t.Fatalf("watcher across a re-list ended with %v, want ErrTooOld", err)
	}
	objs, _, err := c.List(ctxFor(t), prefix, rev)
	if err != nil || names(objs) != "ns/a,ns/b" {
		t.Fatalf("List after re-list = %s, %v", names(objs), err)
	}
	if s.listCount() < 2 {
		t.Fatalf("store listed %d times, want a re-list", s.listCount())
	}
}

func TestRewatchAfterTransientFailure(t *testing.T) {
	s := newFakeStore()
	c := startCache(t, s, nil)
	w, err := c.Watch(ctxFor(t), prefix, 0, nil, false)
	if err != nil {
		t.Fatal(err)
	}
	r1 := s.put(prefix+"ns/a", "v1")
	s.breakWatches()
	r2 := s.put(prefix+"ns/b", "v1")
	expect(t, w,
		fmt.Sprintf("ADDED ns/a app=v1 rv=%d", r1),
		fmt.Sprintf("ADDED ns/b app=v1 rv=%d", r2))
	if n := s.listCount(); n != 1 {
		t.Fatalf("store listed %d times, want no re-list", n)
	}
}

func TestBookmarks(t *testing.T) {
	s := newFakeStore()
	s.put(prefix+"ns/a", "v1")
	c := startCache(t, s, func(c *Config) { c.BookmarkInterval = 10 * time.Millisecond })
	w, err := c.Watch(ctxFor(t), prefix, 0, nil, true)
	if err != nil {
		t.Fatal(err)
	}
	rev := s.bump()
	if _, err := c.WaitFresh(ctxFor(t)); err != nil {
		t.Fatal(err)
	}
	// Bookmarks come while idle and follow the cache's revision.
	for {
		ev := nextEvent(t, w)
		if ev.Type != watch.Bookmark || ev.Object != nil {
			t.Fatalf("idle watcher got %s", show(ev))
		}
		if ev.Revision >= rev {
			break
		}
	}
	quiet, err := c.Watch(ctxFor(t), prefix, 0, nil, false)
	if err != nil {
		t.Fatal(err)
	}
	r2 := s.put(prefix+"ns/b", "v1")
	expect(t, quiet, fmt.Sprintf("ADDED ns/b app=v1 rv=%d", r2))
}
