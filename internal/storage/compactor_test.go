package storage

import (
	"context"
	"errors"
	"testing"
)

// revStore is a Backend stub that knows its revision and records
// compactions; the other methods are never called.
type revStore struct {
	Backend
	rev       int64
	compacted int64
}

func (s *revStore) CurrentRevision(context.Context) (int64, error) { return s.rev, nil }

func (s *revStore) Compact(_ context.Context, rev int64) error {
	if rev <= s.compacted {
		return ErrCompacted
	}
	s.compacted = rev
	return nil
}

func TestCompactOnce(t *testing.T) {
	cases := []struct {
		name           string
		rev, done      int64
		keep           int64
		want, wantDone int64
	}{
		{"young store", 50, 0, 100, 0, 0},
		{"exactly keep", 100, 0, 100, 0, 0},
		{"compacts behind keep", 1000, 0, 100, 900, 900},
		{"already compacted further", 1000, 950, 100, 0, 950},
	}
	for _, c := range cases {
		s := &revStore{rev: c.rev, compacted: c.done}
		got, err := compactOnce(context.Background(), s, c.keep)
		if err != nil || got != c.want || s.compacted != c.wantDone {
			t.Errorf("%s: compactOnce = %d, %v (store compacted to %d); want %d (%d)", c.name, got, err, s.compacted, c.want, c.wantDone)
		}
	}
}

func TestAtLeast35(t *testing.T) {
	cases := map[string]bool{"3.5.16": true, "3.4.23": false, "3.6.0": true, "4.0.0": true, "2.3.8": false, "": false, "x.y": false}
	for v, want := range cases {
		if got := atLeast35(v); got != want {
			t.Errorf("atLeast35(%q) = %v, want %v", v, got, want)
		}
	}
}

func TestMapErr(t *testing.T) {
	plain := errors.New("other")
	if mapErr(plain) != plain || mapErr(nil) != nil {
		t.Fatal("mapErr changed an error it does not know")
	}
}
