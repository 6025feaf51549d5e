package watchcache

import (
	"context"
	"errors"
	"sort"
	"strings"
	"sync"

	"github.com/skiff/skiff/internal/storage"
)

// fakeStore is an in-memory storage.Backend with etcd's revision rules,
// enough for the cache: writes, lists at the latest revision, watches with
// history, compaction, progress (switchable) and injected watch failures.
type fakeStore struct {
	mu         sync.Mutex
	rev        int64
	compacted  int64
	data       map[string]storage.KV
	log        []storage.Event
	watches    map[*fakeWatch]struct{}
	noProgress bool
	lists      int
}

// newFakeStore starts at revision 1, as etcd does: a cache that listed an
// empty store then re-watches from revision 1 and is replayed what came
// after, where from revision 0 ("from now") it would miss the writes made
// while its first watch broke.
func newFakeStore() *fakeStore {
	return &fakeStore{data: map[string]storage.KV{}, watches: map[*fakeWatch]struct{}{}, rev: 1}
}

// put writes key (creating or updating it) and returns the revision.
func (s *fakeStore) put(key, value string) int64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.rev++
	kv := storage.KV{Key: key, Value: []byte(value), CreateRevision: s.rev, ModRevision: s.rev}
	ev := storage.Event{Type: storage.EventPut, KV: kv, Revision: s.rev}
	if old, ok := s.data[key]; ok {
		kv.CreateRevision = old.CreateRevision
		ev.KV.CreateRevision = old.CreateRevision
	}
	s.data[key] = kv
	s.emitLocked(ev)
	return s.rev
}

func (s *fakeStore) del(key string) int64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.data, key)
	s.rev++
	s.emitLocked(storage.Event{Type: storage.EventDelete, KV: storage.KV{Key: key, ModRevision: s.rev}, Revision: s.rev})
	return s.rev
}

// bump moves the revision without touching any watched key.
func (s *fakeStore) bump() int64 { return s.put("/elsewhere", "x") }

func (s *fakeStore) emitLocked(ev storage.Event) {
	s.log = append(s.log, ev)
	for w := range s.watches {
		if strings.HasPrefix(ev.KV.Key, w.prefix) {
			w.push(ev)
		}
	}
}

// compact discards history up to the current revision and fails every
// watch with ErrCompacted, as etcd does to watches that lag behind.
func (s *fakeStore) compactAndBreakWatches() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.compacted = s.rev
	for w := range s.watches {
		w.fail(storage.ErrCompacted)
		delete(s.watches, w)
	}
}

// breakWatches fails every watch with a transient error.
func (s *fakeStore) breakWatches() {
	s.mu.Lock()
	defer s.mu.Unlock()
	for w := range s.watches {
		w.fail(errors.New("connection reset"))
		delete(s.watches, w)
	}
}

func (s *fakeStore) listCount() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.lists
}

func (s *fakeStore) Get(_ context.Context, key string) (storage.KV, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	kv, ok := s.data[key]
	if !ok {
		return storage.KV{}, storage.ErrNotFound
	}
	return kv, nil
}

// List serves the latest revision only (the cache asks for the latest,
// then pages at the revision the first page returned).
func (s *fakeStore) List(_ context.Context, prefix, startKey string, limit, revision int64) (storage.ListResult, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if revision != 0 && revision != s.rev {
		return storage.ListResult{}, errors.New("fake store lists only at the latest revision")
	}
	s.lists++
	var keys []string
	for k := range s.data {
		if strings.HasPrefix(k, prefix) && k >= startKey {
			keys = append(keys, k)
		}
	}
	sort.Strings(keys)
	res := storage.ListResult{Revision: s.rev, Count: int64(len(keys))}
	if limit > 0 && int64(len(keys)) > limit {
		keys, res.More = keys[:limit], true
	}
	for _, k := range keys {
		res.KVs = append(res.KVs, s.data[k])
	}
	return res, nil
}

func (s *fakeStore) Create(context.Context, string, []byte) (int64, error) {
	return 0, errors.New("unused")
}

func (s *fakeStore) Update(context.Context, string, []byte, int64) (int64, storage.KV, error) {
	return 0, storage.KV{}, errors.New("unused")
}

func (s *fakeStore) Delete(context.Context, string, int64) (storage.KV, int64, error) {
	return storage.KV{}, 0, errors.New("unused")
}

func (s *fakeStore) CurrentRevision(context.Context) (int64, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.rev, nil
}

func (s *fakeStore) Compact(context.Context, int64) error { return errors.New("unused") }
func (s *fakeStore) Close() error                         { return nil }

func (s *fakeStore) Watch(ctx context.Context, prefix string, after int64) (storage.Watch, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if after > 0 && after < s.compacted {
		return nil, storage.ErrCompacted
	}
	w := &fakeWatch{s: s, prefix: prefix, out: make(chan storage.Event), wake: make(chan struct{}, 1)}
	for _, ev := range s.log {
		if ev.Revision > after && after > 0 && strings.HasPrefix(ev.KV.Key, prefix) {
			w.queue = append(w.queue, ev)
		}
	}
	s.watches[w] = struct{}{}
	go w.run(ctx)
	return w, nil
}

// fakeWatch queues without bound and pumps to its channel in a goroutine.
type fakeWatch struct {
	s      *fakeStore
	prefix string
	out    chan storage.Event
	wake   chan struct{}

	mu    sync.Mutex
	queue []storage.Event
	err   error
	done  bool
}

func (w *fakeWatch) push(ev storage.Event) {
	w.mu.Lock()
	w.queue = append(w.queue, ev)
	w.mu.Unlock()
	select {
	case w.wake <- struct{}{}:
	default:
	}
}

func (w *fakeWatch) fail(err error) {
	w.mu.Lock()
	w.err, w.done = err, true
	w.mu.Unlock()
	select {
	case w.wake <- struct{}{}:
	default:
	}
}

func (w *fakeWatch) run(ctx context.Context) {
	defer close(w.out)
	for {
		w.mu.Lock()
		if w.done && len(w.queue) == 0 {
			w.mu.Unlock()
			return
		}
		var next *storage.Event
		if len(w.queue) > 0 {
			next = &w.queue[0]
		}
		w.mu.Unlock()
		if next == nil {
			select {
			case <-w.wake:
				continue
			case <-ctx.Done():
				w.fail(nil)
				return
			}
		}
		select {
		case w.out <- *next:
			w.mu.Lock()
			w.queue = w.queue[1:]
			w.mu.Unlock()
		case <-ctx.Done():
			w.fail(nil)
			return
		}
	}
}

func (w *fakeWatch) Events() <-chan storage.Event { return w.out }

func (w *fakeWatch) Err() error {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.err
}

func (w *fakeWatch) RequestProgress(context.Context) error {
	w.s.mu.Lock()
	defer w.s.mu.Unlock()
	if w.s.noProgress {
		return storage.ErrProgressUnsupported
	}
	w.push(storage.Event{Type: storage.EventProgress, Revision: w.s.rev})
	return nil
}
