// Package storagetest is the conformance suite of storage.Backend: every
// promise of the contract in storage.go, run against each implementation
// (embedded etcd, an external etcd 3.5 server, Debian's etcd 3.4).
package storagetest

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/skiff/skiff/internal/storage"
)

// Features says which optional behaviours the store under test has.
type Features struct {
	// Progress: watch progress requests work (etcd 3.5 and later). When
	// false the suite checks they fail with storage.ErrProgressUnsupported.
	Progress bool
}

// Run checks a backend that has every feature (etcd 3.5 or later).
func Run(t *testing.T, newBackend func(t *testing.T) storage.Backend) {
	RunWith(t, newBackend, Features{Progress: true})
}

// RunWith checks a backend with the given features. newBackend is called
// once; each test works under its own key prefix, so the store may hold
// other data, but no one else may compact it while the suite runs.
func RunWith(t *testing.T, newBackend func(t *testing.T) storage.Backend, f Features) {
	b := newBackend(t)
	tests := []struct {
		name string
		run  func(t *testing.T, b storage.Backend, prefix string)
	}{
		{"CreateGet", testCreateGet},
		{"Update", testUpdate},
		{"Delete", testDelete},
		{"ListPaging", testListPaging},
		{"ListAtRevision", testListAtRevision},
		{"ListFutureRevision", testListFutureRevision},
		{"CurrentRevision", testCurrentRevision},
		{"ConcurrentUpdates", testConcurrentUpdates},
		{"WatchOrder", testWatchOrder},
		{"WatchFromPast", testWatchFromPast},
		{"WatchCancel", testWatchCancel},
		{"Progress", func(t *testing.T, b storage.Backend, p string) { testProgress(t, b, p, f.Progress) }},
		// Compaction last: it discards the history of every earlier test.
		{"Compaction", testCompaction},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			tc.run(t, b, "/storagetest/"+strings.ToLower(tc.name)+"/")
		})
	}
}

// ctxFor is a context that ends with the test or after a bound, so a hung
// store fails the test instead of the whole run.
func ctxFor(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	t.Cleanup(cancel)
	return ctx
}

// mustCreate creates key and returns its revision, failing the test on error.
func mustCreate(t *testing.T, b storage.Backend, key, value string) int64 {
	t.Helper()
	rev, err := b.Create(ctxFor(t), key, []byte(value))
	if err != nil {
		t.Fatalf("Create(%s): %v", key, err)
	}
	return rev
}

// wantErr fails unless err matches target.
func wantErr(t *testing.T, what string, err, target error) {
	t.Helper()
	if !errors.Is(err, target) {
		t.Fatalf("%s: got error %v, want %v", what, err, target)
	}
}
