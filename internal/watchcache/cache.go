// Package watchcache keeps one key prefix of the store in memory, decoded,
// and serves lists, gets and watches from it, as Kubernetes' watch cache
// does: one etcd watch feeds any number of API watchers.
//
// Objects handed out (by List, Get and in events) are shared by every
// reader and never changed by the cache after Decode returns them; callers
// must not mutate them either (copy first).
package watchcache

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/watch"

	"github.com/skiff/skiff/internal/storage"
)

var (
	// ErrTooOld: a watch asked for history the cache no longer has, or the
	// cache had to re-list and could not carry the watch across. The
	// apiserver answers 410 Gone ("too old resource version").
	ErrTooOld = errors.New("watchcache: too old resource version")
	// ErrStopped: the cache has stopped (the server is shutting down).
	ErrStopped = errors.New("watchcache: stopped")
	// ErrTooSlow: the watcher fell a whole buffer behind and was dropped so
	// it would not hold up the others. Its client should watch again.
	ErrTooSlow = errors.New("watchcache: watcher too slow, dropped")
	// ErrProgressUnsupported: the store cannot confirm the cache is fresh
	// (etcd 3.4); read from the store instead.
	ErrProgressUnsupported = fmt.Errorf("watchcache: %w", storage.ErrProgressUnsupported)
	// ErrNotFound is storage.ErrNotFound, returned by Get.
	ErrNotFound = storage.ErrNotFound
)

// Event is one change as a watcher sees it.
type Event struct {
	// Type is watch.Added, Modified, Deleted or Bookmark.
	Type watch.EventType
	Key  string
	// Object is the object after the change; for Deleted, the last state
	// with its resourceVersion at the delete; nil for Bookmark.
	Object runtime.Object
	// Prev is the object before the change (nil for Added and Bookmark).
	Prev runtime.Object
	// Revision is the revision of the change, or for a Bookmark the
	// revision up to which the watcher has been sent every change.
	Revision int64
}

// Config configures a Cache. Backend, Prefix and Decode are required.
type Config struct {
	Backend storage.Backend
	// Prefix is the key prefix cached, such as "/registry/pods/".
	Prefix string
	// Decode turns a stored value into an object whose resourceVersion is
	// kv.ModRevision. For a delete it is given the last value with the
	// delete's revision. The cache never mutates what it returns.
	Decode func(kv storage.KV) (runtime.Object, error)
	// History is how many events are kept for watches that start in the
	// past (default 10000).
	History int
	// BookmarkInterval is the longest a watcher that asked for bookmarks
	// goes without an event (default 5s).
	BookmarkInterval time.Duration
	// WatchBuffer is how many events may wait for a slow watcher before it
	// is dropped with ErrTooSlow (default 65536; the queue grows only
	// while the watcher is behind).
	WatchBuffer int
	// ListPageSize is the page size of the list that (re)fills the cache
	// (default 1000).
	ListPageSize int64
	Logger       *slog.Logger
}

// Cache is the in-memory copy of one prefix. Create it with New and start
// it with Run.
type Cache struct {
	cfg Config
	log *slog.Logger

	// mu guards the fields below. Run is their only writer; it holds mu
	// while it applies an event and hands it to the watchers, so a reader
	// or a new watcher sees a revision and exactly the events up to it.
	mu       sync.RWMutex
	items    sortedItems
	rev      int64
	history  ring
	watchers map[*Watcher]struct{}
	// revCh is closed and replaced whenever rev moves or readiness or
	// freshness support changes, waking everyone waiting for it.
	revCh chan struct{}
	ready bool
	// stopped is set when Run returns: no new watcher would ever be fed.
	stopped bool

	// noProgress is set once the store refused a progress request.
	noProgress atomic.Bool
	// progressReq asks Run to send the store a progress request; its
	// buffer of one coalesces concurrent asks.
	progressReq chan struct{}
}

// New checks cfg and returns a cache that serves nothing until Run lists.
func New(cfg Config) (*Cache, error) {
	if cfg.Backend == nil || cfg.Decode == nil || cfg.Prefix == "" {
		return nil, errors.New("watchcache: Backend, Prefix and Decode are required")
	}
	if cfg.History <= 0 {
		cfg.History = 10000
	}
	if cfg.BookmarkInterval <= 0 {
		cfg.BookmarkInterval = 5 * time.Second
	}
	if cfg.WatchBuffer <= 0 {
		cfg.WatchBuffer = 1 << 16
	}
	if cfg.ListPageSize <= 0 {
		cfg.ListPageSize = 1000
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	return &Cache{
		cfg:         cfg,
		log:         cfg.Logger.With("prefix", cfg.Prefix),
		items:       newSortedItems(),
		history:     newRing(cfg.History),
		watchers:    map[*Watcher]struct{}{},
		revCh:       make(chan struct{}),
		progressReq: make(chan struct{}, 1),
	}, nil
}

// Revision is the revision the cache has reached (0 before the first list).
func (c *Cache) Revision() int64 {
	c.mu.RLock()
	defer c.mu.RUnlock()
	return c.rev
}

// broadcastLocked wakes every waiter; mu must be held for writing.
func (c *Cache) broadcastLocked() {
	close(c.revCh)
	c.revCh = make(chan struct{})
}

// waitFor blocks until the cache is ready and has reached minRevision, then
// calls read with mu read-locked. Waiting asks the store for progress, since
// an idle prefix would otherwise never bring the cache forward.
func (c *Cache) waitFor(ctx context.Context, minRevision int64, read func()) error {
	asked := false
	for {
		c.mu.RLock()
		if c.ready && c.rev >= minRevision {
			read()
			c.mu.RUnlock()
			return nil
		}
		ch, ready := c.revCh, c.ready
		c.mu.RUnlock()
		if ready && !asked {
			c.askProgress()
			asked = true
		}
		select {
		case <-ch:
		case <-ctx.Done():
			return fmt.Errorf("waiting for %s to reach revision %d: %w", c.cfg.Prefix, minRevision, ctx.Err())
		}
	}
}

// askProgress asks Run for a progress request without blocking.
func (c *Cache) askProgress() {
	select {
	case c.progressReq <- struct{}{}:
	default:
	}
}

// Ready waits until the first list has filled the cache.
func (c *Cache) Ready(ctx context.Context) error {
	return c.waitFor(ctx, 0, func() {})
}
