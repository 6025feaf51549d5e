// Package storage is skiff's key-value store: etcd, embedded in the process or
// reached over the network, seen through a small revision-based interface.
//
// It stores opaque bytes under string keys. It knows nothing of API objects,
// codecs or selectors; the registry encodes objects and the watch cache
// decodes events. A revision is etcd's global revision: every write bumps it,
// and the API's resourceVersion is exactly this number.
//
// Only the apiserver (through the registry) may import this package.
package storage

import (
	"context"
	"errors"
)

// Errors returned by Backend. Callers test them with errors.Is.
var (
	// ErrNotFound: the key does not exist (or, for Update and Delete, no
	// longer exists).
	ErrNotFound = errors.New("storage: key not found")
	// ErrExists: Create found the key already present.
	ErrExists = errors.New("storage: key exists")
	// ErrConflict: the key's current ModRevision is not the expected one.
	ErrConflict = errors.New("storage: revision conflict")
	// ErrCompacted: the requested revision has been compacted away.
	ErrCompacted = errors.New("storage: revision compacted")
	// ErrFutureRevision: the requested revision is newer than the store's.
	ErrFutureRevision = errors.New("storage: revision in the future")
)

// KV is one stored value and the revisions that describe it.
type KV struct {
	Key            string
	Value          []byte
	CreateRevision int64
	ModRevision    int64
}

// EventType says what happened to a key.
type EventType int

const (
	EventPut EventType = iota
	EventDelete
	// EventProgress carries no key: it says the store has reached Revision
	// and every change up to it under the watched prefix has been sent.
	EventProgress
)

// Event is one change seen by a watch.
type Event struct {
	Type EventType
	// KV is the value after the change. For a delete, Value is empty and
	// ModRevision is the revision of the delete.
	// There is no previous value: asking etcd for it costs a read per
	// event, and the one reader of watches, the watch cache, holds it.
	KV KV
	// Revision is the revision of the change (or, for EventProgress, the
	// revision the store has reached).
	Revision int64
}

// ListResult is one page of a List.
type ListResult struct {
	KVs []KV
	// Revision is the revision the page was read at.
	Revision int64
	// More is true when keys after the last returned one exist.
	More bool
	// Count is the number of keys under the prefix, from startKey on, at
	// Revision (the returned ones included): what is left to read.
	Count int64
}

// Backend is the store. Every method is safe for concurrent use.
type Backend interface {
	// Get returns the current value of key, or ErrNotFound.
	Get(ctx context.Context, key string) (KV, error)

	// List returns up to limit keys (0: all) under prefix, in key order,
	// starting at startKey (inclusive; empty: from the prefix) as they were
	// at revision (0: the latest). ErrCompacted if revision is too old.
	List(ctx context.Context, prefix, startKey string, limit, revision int64) (ListResult, error)

	// Create writes key only if it does not exist and returns the new
	// revision; ErrExists otherwise.
	Create(ctx context.Context, key string, value []byte) (int64, error)

	// Update writes key only if its ModRevision is expectedRevision and
	// returns the new revision. On ErrConflict it also returns the current
	// KV so the caller can retry without another read; ErrNotFound if the
	// key is gone.
	Update(ctx context.Context, key string, value []byte, expectedRevision int64) (int64, KV, error)

	// Delete removes key if its ModRevision is expectedRevision (0: any)
	// and returns the deleted value and the revision of the delete. On
	// ErrConflict it returns the current KV; ErrNotFound if absent.
	Delete(ctx context.Context, key string, expectedRevision int64) (KV, int64, error)

	// Watch streams every change under prefix with a revision greater than
	// afterRevision (0: changes from now on). The channel is closed when ctx
	// ends or the watch fails; a failure is reported by Err on the returned
	// Watch. A too-old afterRevision fails with ErrCompacted.
	Watch(ctx context.Context, prefix string, afterRevision int64) (Watch, error)

	// CurrentRevision returns the store's latest revision (a linearizable
	// read: it reflects every write acknowledged before the call).
	CurrentRevision(ctx context.Context) (int64, error)

	// Compact discards history before revision.
	Compact(ctx context.Context, revision int64) error

	// Close releases the backend (and stops an embedded etcd).
	Close() error
}

// Watch is a running watch.
type Watch interface {
	// Events delivers changes in revision order.
	Events() <-chan Event
	// RequestProgress asks the store to send an EventProgress with its
	// current revision. It returns ErrProgressUnsupported on stores too old
	// to do so (etcd 3.4).
	RequestProgress(ctx context.Context) error
	// Err is why the channel closed, once it has (nil when ctx ended).
	Err() error
}

// ErrProgressUnsupported: the store cannot answer a progress request.
var ErrProgressUnsupported = errors.New("storage: watch progress requests unsupported")
