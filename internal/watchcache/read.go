package watchcache

import (
	"context"
	"fmt"
	"time"

	"k8s.io/apimachinery/pkg/runtime"
)

// List returns the objects whose keys start with prefix (the cache's own
// prefix or one under it, such as one namespace), sorted by key, once the
// cache has reached minRevision, and the revision it reflects.
func (c *Cache) List(ctx context.Context, prefix string, minRevision int64) ([]runtime.Object, int64, error) {
	var objs []runtime.Object
	var rev int64
	err := c.waitFor(ctx, minRevision, func() {
		objs, rev = c.items.under(prefix), c.rev
	})
	if err != nil {
		return nil, 0, err
	}
	return objs, rev, nil
}

// Get returns key's object once the cache has reached minRevision, and the
// revision it reflects; ErrNotFound if the key is absent then.
func (c *Cache) Get(ctx context.Context, key string, minRevision int64) (runtime.Object, int64, error) {
	obj, _, rev, err := c.GetRaw(ctx, key, minRevision)
	return obj, rev, err
}

// progressRetry is how often WaitFresh asks again for progress: a request
// sent while the watch was being restarted is lost.
const progressRetry = 250 * time.Millisecond

// WaitFresh waits until the cache holds every write the store acknowledged
// before the call, so a read from it is as consistent as a read from etcd,
// and returns the cache's revision. On a store that cannot answer progress
// requests it returns ErrProgressUnsupported, and the caller should read
// from the store.
func (c *Cache) WaitFresh(ctx context.Context) (int64, error) {
	if err := c.Ready(ctx); err != nil {
		return 0, err
	}
	target, err := c.cfg.Backend.CurrentRevision(ctx)
	if err != nil {
		return 0, fmt.Errorf("watch cache freshness: %w", err)
	}
	tick := time.NewTicker(progressRetry)
	defer tick.Stop()
	for {
		if c.noProgress.Load() {
			return 0, ErrProgressUnsupported
		}
		c.mu.RLock()
		rev, ch := c.rev, c.revCh
		c.mu.RUnlock()
		if rev >= target {
			return rev, nil
		}
		c.askProgress()
		select {
		case <-ch:
		case <-tick.C:
		case <-ctx.Done():
			return 0, fmt.Errorf("waiting for %s to reach revision %d: %w", c.cfg.Prefix, target, ctx.Err())
		}
	}
}

// GetRaw is Get that also returns the stored bytes the object was decoded
// from (without its resourceVersion), to be read, never changed.
func (c *Cache) GetRaw(ctx context.Context, key string, minRevision int64) (runtime.Object, []byte, int64, error) {
	var it item
	var rev int64
	err := c.waitFor(ctx, minRevision, func() {
		it, rev = c.items.getItem(key), c.rev
	})
	if err != nil {
		return nil, nil, 0, err
	}
	if it.obj == nil {
		return nil, nil, rev, fmt.Errorf("get %s at revision %d: %w", key, rev, ErrNotFound)
	}
	return it.obj, it.raw, rev, nil
}

// Page is one page of a list served by the cache.
type Page struct {
	Items []runtime.Object
	// Revision is the revision the page reflects.
	Revision int64
	// LastKey is the key of the last item; More says keys follow it under
	// the prefix, After how many.
	LastKey string
	More    bool
	After   int64
}

// Page returns up to limit objects under prefix that match (nil matches
// all), in key order, once the cache has reached minRevision: the first
// page of a paginated list, whose later pages the store reads at the
// page's revision.
func (c *Cache) Page(ctx context.Context, prefix string, minRevision int64, limit int, match func(runtime.Object) bool) (Page, error) {
	var p Page
	err := c.waitFor(ctx, minRevision, func() {
		p.Items, p.LastKey, p.More, p.After = c.items.page(prefix, limit, match)
		p.Revision = c.rev
	})
	return p, err
}
