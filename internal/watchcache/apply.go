package watchcache

import (
	"strconv"
	"strings"

	"k8s.io/apimachinery/pkg/api/meta"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/watch"

	"github.com/skiff/skiff/internal/storage"
)

// apply brings one store event into the cache and hands it to watchers.
// Decoding happens before the lock so readers wait only for the update.
func (c *Cache) apply(sev storage.Event) {
	if sev.Revision <= c.rev {
		// Replayed after a restarted watch, or a stale progress answer.
		return
	}
	if sev.Type == storage.EventProgress {
		c.mu.Lock()
		c.rev = sev.Revision
		c.broadcastLocked()
		c.mu.Unlock()
		return
	}
	ev := c.toEvent(sev)
	c.mu.Lock()
	defer c.mu.Unlock()
	c.rev = sev.Revision
	if ev != nil {
		if ev.Type == watch.Deleted {
			c.items.remove(ev.Key)
		} else {
			c.items.put(ev.Key, ev.Object, sev.KV.Value)
		}
		c.history.add(ev)
		c.dispatchLocked(ev)
	}
	c.broadcastLocked()
}

// toEvent decodes a store event. Run is the only writer of items, so it
// reads them here without the lock. It returns nil for an event that
// cannot be decoded (logged) or that deletes a key the cache never had.
func (c *Cache) toEvent(sev storage.Event) *Event {
	key := sev.KV.Key
	prev := c.items.get(key)
	ev := &Event{Key: key, Prev: prev, Revision: sev.Revision}
	var err error
	switch {
	case sev.Type == storage.EventDelete:
		ev.Type = watch.Deleted
		ev.Object, err = deletedObject(prev, sev.Revision)
	case prev == nil:
		ev.Type = watch.Added
		ev.Object, err = c.cfg.Decode(sev.KV)
	default:
		ev.Type = watch.Modified
		ev.Object, err = c.cfg.Decode(sev.KV)
	}
	if err != nil {
		c.log.Error("cannot decode watched object; skipping the event", "key", key, "revision", sev.Revision, "err", err)
		return nil
	}
	if ev.Object == nil {
		return nil
	}
	return ev
}

// deletedObject is the last state of a deleted key, the cached object,
// with the delete's revision as its resourceVersion, as Kubernetes
// clients expect. Cached objects are shared, so it changes a copy.
func deletedObject(cached runtime.Object, revision int64) (runtime.Object, error) {
	if cached == nil {
		return nil, nil
	}
	obj := cached.DeepCopyObject()
	m, err := meta.Accessor(obj)
	if err != nil {
		return nil, err
	}
	m.SetResourceVersion(strconv.FormatInt(revision, 10))
	return obj, nil
}

// dispatchLocked offers ev to every watcher under its prefix without ever
// blocking: a watcher whose buffer is full is dropped with ErrTooSlow.
func (c *Cache) dispatchLocked(ev *Event) {
	for w := range c.watchers {
		if !strings.HasPrefix(ev.Key, w.prefix) {
			continue
		}
		if !w.in.push(ev) {
			// Kubernetes logs this too ("Forcing watcher close due to
			// unresponsiveness"): its client must resume, maybe relist.
			c.log.Warn("dropping a watcher that fell a whole buffer behind", "watchPrefix", w.prefix, "buffer", w.in.limit, "revision", ev.Revision)
			c.dropLocked(w, ErrTooSlow)
		}
	}
}
