package watchcache

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/skiff/skiff/internal/storage"
)

// Back-off between failed attempts to list or watch the store.
const (
	minBackoff = 50 * time.Millisecond
	maxBackoff = 5 * time.Second
)

// Run lists the prefix, then follows it with a watch until ctx ends. A
// watch that fails is restarted from the cache's revision; if that history
// is compacted away, the cache lists again and closes its watchers with
// ErrTooOld. Run returns nil when ctx ends.
func (c *Cache) Run(ctx context.Context) error {
	backoff := minBackoff
	needList := true
	for ctx.Err() == nil {
		var err error
		if needList {
			err = c.relist(ctx)
		}
		if err == nil {
			needList = false
			err = c.follow(ctx)
			if errors.Is(err, storage.ErrCompacted) {
				needList = true
				backoff = minBackoff
				continue
			}
		}
		if ctx.Err() != nil {
			break
		}
		c.log.Warn("watch cache lost the store; retrying", "err", err, "backoff", backoff)
		if !waitBackoff(ctx, backoff) {
			break
		}
		backoff = min(2*backoff, maxBackoff)
	}
	c.mu.Lock()
	c.stopped = true
	c.closeAllLocked(nil)
	c.mu.Unlock()
	return nil
}

// waitBackoff waits d or until ctx ends, reporting whether to go on.
func waitBackoff(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-ctx.Done():
		return false
	}
}

// relist reads the whole prefix, page by page at one revision, and swaps it
// in. Watchers cannot be carried across the gap, so they are closed with
// ErrTooOld and their clients list again.
func (c *Cache) relist(ctx context.Context) error {
	items := newSortedItems()
	var rev int64
	start := ""
	for {
		page, err := c.cfg.Backend.List(ctx, c.cfg.Prefix, start, c.cfg.ListPageSize, rev)
		if err != nil {
			return fmt.Errorf("list %s: %w", c.cfg.Prefix, err)
		}
		rev = page.Revision
		for _, kv := range page.KVs {
			obj, err := c.cfg.Decode(kv)
			if err != nil {
				c.log.Error("cannot decode stored object; leaving it out", "key", kv.Key, "err", err)
				continue
			}
			items.put(kv.Key, obj, kv.Value)
		}
		if !page.More || len(page.KVs) == 0 {
			break
		}
		start = page.KVs[len(page.KVs)-1].Key + "\x00"
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.items = items
	c.rev = rev
	c.history.reset(rev)
	c.closeAllLocked(ErrTooOld)
	c.ready = true
	c.broadcastLocked()
	return nil
}

// follow watches the store from the cache's revision and applies what
// comes, until the watch fails (its error is returned) or ctx ends (nil).
func (c *Cache) follow(ctx context.Context) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	w, err := c.cfg.Backend.Watch(ctx, c.cfg.Prefix, c.Revision())
	if err != nil {
		return fmt.Errorf("watch %s: %w", c.cfg.Prefix, err)
	}
	// Probe once per watch: it learns whether the store answers progress
	// requests (WaitFresh needs to know) and moves an idle cache forward.
	c.requestProgress(ctx, w)
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-c.progressReq:
			c.requestProgress(ctx, w)
		case ev, ok := <-w.Events():
			if !ok {
				if err := w.Err(); err != nil {
					return err
				}
				return fmt.Errorf("watch %s ended", c.cfg.Prefix)
			}
			c.apply(ev)
		}
	}
}

// requestProgress asks the store for a progress event, recording for
// WaitFresh when it cannot.
func (c *Cache) requestProgress(ctx context.Context, w storage.Watch) {
	err := w.RequestProgress(ctx)
	switch {
	case errors.Is(err, storage.ErrProgressUnsupported):
		if !c.noProgress.Swap(true) {
			c.mu.Lock()
			c.broadcastLocked()
			c.mu.Unlock()
		}
	case err != nil && ctx.Err() == nil:
		c.log.Warn("watch progress request failed", "err", err)
	}
}
