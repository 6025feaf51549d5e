package watchcache

import (
	"context"
	"errors"
	"strconv"
	"testing"
	"time"

	"github.com/skiff/skiff/internal/storage"
)

func TestListAndGet(t *testing.T) {
	s := newFakeStore()
	for _, k := range []string{"ns2/b", "ns1/c", "ns1/a", "ns10/z"} {
		s.put(prefix+k, "web")
	}
	s.put("/registry/other/ns1/x", "web")
	c := startCache(t, s, func(c *Config) { c.ListPageSize = 2 })
	ctx := ctxFor(t)
	rev := s.put(prefix+"ns1/b", "db")

	cases := []struct {
		prefix string
		want   string
	}{
		{prefix, "ns1/a,ns1/b,ns1/c,ns10/z,ns2/b"},
		{prefix + "ns1/", "ns1/a,ns1/b,ns1/c"},
		{prefix + "ns3/", ""},
	}
	for _, tc := range cases {
		objs, got, err := c.List(ctx, tc.prefix, rev)
		if err != nil || got < rev {
			t.Fatalf("List(%s) at %d: revision %d, %v", tc.prefix, rev, got, err)
		}
		if n := names(objs); n != tc.want {
			t.Errorf("List(%s) = %s, want %s", tc.prefix, n, tc.want)
		}
	}
	obj, _, err := c.Get(ctx, prefix+"ns1/b", rev)
	if err != nil || show(Event{Type: "GET", Object: obj}) != "GET ns1/b app=db rv="+strconv.FormatInt(rev, 10) {
		t.Fatalf("Get = %v, %v", obj, err)
	}
	delRev := s.del(prefix + "ns1/b")
	_, _, err = c.Get(ctx, prefix+"ns1/b", delRev)
	if !errors.Is(err, ErrNotFound) {
		t.Fatalf("Get after delete: %v, want ErrNotFound", err)
	}
}

// An idle prefix reaches a newer revision through a progress request.
func TestListWaitsThroughProgress(t *testing.T) {
	s := newFakeStore()
	s.put(prefix+"ns/a", "web")
	c := startCache(t, s, nil)
	rev := s.bump()
	_, got, err := c.List(ctxFor(t), prefix, rev)
	if err != nil || got < rev {
		t.Fatalf("List at %d: revision %d, %v", rev, got, err)
	}
}

func TestListTimesOutWithoutProgress(t *testing.T) {
	s := newFakeStore()
	s.noProgress = true
	c := startCache(t, s, nil)
	rev := s.bump()
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	if _, _, err := c.List(ctx, prefix, rev); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("List at an unreachable revision: %v, want a deadline error", err)
	}
}

func TestWaitFresh(t *testing.T) {
	for _, noProgress := range []bool{false, true} {
		s := newFakeStore()
		s.noProgress = noProgress
		c := startCache(t, s, nil)
		rev := s.bump()
		got, err := c.WaitFresh(ctxFor(t))
		switch {
		case noProgress && !(errors.Is(err, ErrProgressUnsupported) && errors.Is(err, storage.ErrProgressUnsupported)):
			t.Errorf("WaitFresh on a store without progress: %v", err)
		case !noProgress && (err != nil || got < rev):
			t.Errorf("WaitFresh = %d, %v; want >= %d", got, err, rev)
		}
	}
}
