package watchcache

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"time"

	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/watch"
)

// Watcher is one client's watch. Its events arrive on Events, which closes
// when the watch's context ends or the cache drops it; Err says why.
type Watcher struct {
	c      *Cache
	prefix string
	filter func(runtime.Object) bool
	// after: only events above this revision are sent; it is also the
	// revision the last sent event or bookmark stood at.
	after     int64
	bookmarks bool

	// backlog is history replayed before live events.
	backlog []*Event
	// in receives live events from the cache; the cache never blocks on it.
	in  eventQueue
	out chan Event
	// stop is closed by the cache (under its lock) when it drops the watcher.
	stop chan struct{}

	mu  sync.Mutex
	err error
}

// Watch starts a watch of the keys under prefix: every change with a
// revision above afterRevision (0: from the cache's current revision),
// seen through filter (nil: everything) with Kubernetes' selector rules: a
// change that makes an object match is Added, one that makes it stop
// matching is Deleted (carrying the new object). With bookmarks, a Bookmark
// event comes whenever BookmarkInterval passes without an event. ErrTooOld
// if the history no longer reaches back to afterRevision.
func (c *Cache) Watch(ctx context.Context, prefix string, afterRevision int64, filter func(runtime.Object) bool, bookmarks bool) (*Watcher, error) {
	if err := c.Ready(ctx); err != nil {
		return nil, err
	}
	w := &Watcher{
		c: c, prefix: prefix, filter: filter, bookmarks: bookmarks,
		in:   eventQueue{limit: c.cfg.WatchBuffer, ready: make(chan struct{}, 1)},
		out:  make(chan Event, 16),
		stop: make(chan struct{}),
	}
	c.mu.Lock()
	if c.stopped {
		c.mu.Unlock()
		return nil, ErrStopped
	}
	if afterRevision == 0 {
		afterRevision = c.rev
	}
	if afterRevision < c.history.from {
		from := c.history.from
		c.mu.Unlock()
		return nil, fmt.Errorf("watch %s from revision %d, history starts after %d: %w", prefix, afterRevision, from, ErrTooOld)
	}
	w.after = afterRevision
	w.backlog = c.history.after(afterRevision, func(ev *Event) bool { return strings.HasPrefix(ev.Key, prefix) })
	c.watchers[w] = struct{}{}
	c.mu.Unlock()
	go w.run(ctx)
	return w, nil
}

// Events delivers the watch's events in revision order.
func (w *Watcher) Events() <-chan Event { return w.out }

// Err is why Events closed: nil when the context ended, ErrTooSlow,
// ErrTooOld (the cache re-listed), or nil when the cache stopped.
func (w *Watcher) Err() error {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.err
}

// dropLocked ends w with err; the cache's mu must be held for writing.
func (c *Cache) dropLocked(w *Watcher, err error) {
	if _, ok := c.watchers[w]; !ok {
		return
	}
	delete(c.watchers, w)
	w.mu.Lock()
	w.err = err
	w.mu.Unlock()
	close(w.stop)
}

func (c *Cache) closeAllLocked(err error) {
	for w := range c.watchers {
		c.dropLocked(w, err)
	}
}

func (c *Cache) closeAll(err error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.closeAllLocked(err)
}

// run sends the backlog, then live events, converting each through the
// filter, until the context ends or the cache drops the watcher.
func (w *Watcher) run(ctx context.Context) {
	defer close(w.out)
	defer func() {
		w.c.mu.Lock()
		w.c.dropLocked(w, nil)
		w.c.mu.Unlock()
	}()
	var bookmark <-chan time.Time
	var timer *time.Timer
	if w.bookmarks {
		timer = time.NewTimer(w.c.cfg.BookmarkInterval)
		defer timer.Stop()
		bookmark = timer.C
	}
	for _, ev := range w.backlog {
		if !w.send(ctx, ev, timer) {
			return
		}
	}
	w.backlog = nil
	var batch []*Event
	for {
		select {
		case <-w.in.ready:
			batch = w.in.take(batch)
			for i, ev := range batch {
				batch[i] = nil // the queue's next swap must not pin old events
				if !w.send(ctx, ev, timer) {
					return
				}
			}
		case <-bookmark:
			if !w.sendBookmark(ctx) {
				return
			}
			timer.Reset(w.c.cfg.BookmarkInterval)
		case <-w.stop:
			return
		case <-ctx.Done():
			return
		}
	}
}

// send delivers ev as the filter shows it, if at all; false means stop.
func (w *Watcher) send(ctx context.Context, ev *Event, timer *time.Timer) bool {
	if ev.Revision <= w.after {
		return true
	}
	out, ok := convert(ev, w.filter)
	if !ok {
		return true
	}
	if !w.deliver(ctx, out) {
		return false
	}
	w.after = ev.Revision
	if timer != nil {
		timer.Reset(w.c.cfg.BookmarkInterval)
	}
	return true
}

// sendBookmark sends the cache's revision, but only when no event for this
// watcher is waiting: the bookmark promises every change up to it was sent.
// Reading the revision and the queue under the cache's lock makes that
// true, since the cache queues events under the same lock.
func (w *Watcher) sendBookmark(ctx context.Context) bool {
	w.c.mu.RLock()
	rev, pending := w.c.rev, w.in.len()
	w.c.mu.RUnlock()
	if pending > 0 || rev < w.after {
		return true
	}
	w.after = rev
	return w.deliver(ctx, Event{Type: watch.Bookmark, Revision: rev})
}

// eventQueue holds a watcher's live events until its goroutine takes
// them. It grows only while the watcher is behind, so a burst of writes
// can queue tens of thousands of events for a busy client (an informer
// re-listing 30,000 pods after a drop costs far more) without every watch
// reserving that room up front.
type eventQueue struct {
	limit int
	ready chan struct{} // capacity 1: "something is queued"
	mu    sync.Mutex
	evs   []*Event
}

// push queues ev; false if limit events already wait.
func (q *eventQueue) push(ev *Event) bool {
	q.mu.Lock()
	if len(q.evs) >= q.limit {
		q.mu.Unlock()
		return false
	}
	q.evs = append(q.evs, ev)
	q.mu.Unlock()
	select {
	case q.ready <- struct{}{}:
	default:
	}
	return true
}

// take returns the queued events, handing the queue spare (emptied) as
// its next buffer.
func (q *eventQueue) take(spare []*Event) []*Event {
	q.mu.Lock()
	defer q.mu.Unlock()
	evs := q.evs
	q.evs = spare[:0]
	return evs
}

func (q *eventQueue) len() int {
	q.mu.Lock()
	defer q.mu.Unlock()
	return len(q.evs)
}

func (w *Watcher) deliver(ctx context.Context, ev Event) bool {
	select {
	case w.out <- ev:
		return true
	case <-w.stop:
		return false
	case <-ctx.Done():
		return false
	}
}

// convert applies Kubernetes' selector rules to one change: what the
// watcher sees depends on whether the object matched before and after.
func convert(ev *Event, filter func(runtime.Object) bool) (Event, bool) {
	if filter == nil {
		return *ev, true
	}
	if ev.Type == watch.Deleted {
		return *ev, filter(ev.Object)
	}
	now := filter(ev.Object)
	before := ev.Prev != nil && filter(ev.Prev)
	out := *ev
	switch {
	case now && before:
		out.Type = watch.Modified
	case now:
		out.Type = watch.Added
	case before:
		out.Type = watch.Deleted
	default:
		return Event{}, false
	}
	return out, true
}
