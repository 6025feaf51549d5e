package workloop

import (
	"context"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"k8s.io/client-go/tools/cache"
	"k8s.io/client-go/util/workqueue"
	"k8s.io/utils/clock"
)

// SyncFunc converges the object named by key (namespace/name). An error
// means "try again later with back-off"; nil means converged for now.
type SyncFunc func(ctx context.Context, key string) error

// SyncAfterFunc is a SyncFunc that may also ask to look at key again after
// a while (a schedule, a deadline, a grace period running out); 0 means
// no need. The duration is ignored when the error is not nil.
type SyncAfterFunc func(ctx context.Context, key string) (time.Duration, error)

// Loop is a keyed work queue with its workers.
type Loop struct {
	name   string
	queue  workqueue.TypedRateLimitingInterface[string]
	sync   SyncAfterFunc
	logger *slog.Logger

	clock       clock.PassiveClock
	minInterval time.Duration
	mu          sync.Mutex
	lastSync    map[string]time.Time // with minInterval: when each key last synced
}

// New returns a loop named name (used in logs and queue metrics) calling sync.
func New(name string, sync SyncFunc, logger *slog.Logger, opts ...Option) *Loop {
	return NewAfter(name, func(ctx context.Context, key string) (time.Duration, error) {
		return 0, sync(ctx, key)
	}, logger, opts...)
}

// NewAfter is New for a sync that may ask to be requeued after a duration.
func NewAfter(name string, sync SyncAfterFunc, logger *slog.Logger, opts ...Option) *Loop {
	if logger == nil {
		logger = slog.Default()
	}
	o := buildOptions(opts)
	q := workqueue.NewTypedRateLimitingQueueWithConfig(o.limiter,
		workqueue.TypedRateLimitingQueueConfig[string]{Name: name, Clock: o.clock})
	return &Loop{name: name, queue: q, sync: sync, logger: logger.With("controller", name),
		clock: o.clock, minInterval: o.minInterval, lastSync: map[string]time.Time{}}
}

// Add queues key now.
func (l *Loop) Add(key string) { l.queue.Add(key) }

// AddAfter queues key after d (minReadySeconds, progress deadlines).
func (l *Loop) AddAfter(key string, d time.Duration) { l.queue.AddAfter(key, d) }

// Enqueue queues the key of obj, which may be a cache tombstone.
func (l *Loop) Enqueue(obj any) {
	key, err := cache.DeletionHandlingMetaNamespaceKeyFunc(obj)
	if err != nil {
		l.logger.Error("cannot key object", "err", err)
		return
	}
	l.queue.Add(key)
}

// Len is the number of queued keys (tests).
func (l *Loop) Len() int { return l.queue.Len() }

// Run waits for synced, then runs workers until ctx ends, and returns once
// every worker has stopped.
func (l *Loop) Run(ctx context.Context, workers int, synced ...cache.InformerSynced) error {
	defer l.queue.ShutDown()
	if !cache.WaitForCacheSync(ctx.Done(), synced...) {
		return fmt.Errorf("%s: caches did not sync: %w", l.name, ctx.Err())
	}
	if workers < 1 {
		workers = 1
	}
	var wg sync.WaitGroup
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for l.next(ctx) {
			}
		}()
	}
	<-ctx.Done()
	l.queue.ShutDown()
	wg.Wait()
	return nil
}

// next processes one key; false once the queue is shut down.
func (l *Loop) next(ctx context.Context) bool {
	key, quit := l.queue.Get()
	if quit {
		return false
	}
	defer l.queue.Done(key)
	if wait := l.tooSoon(key); wait > 0 {
		l.queue.AddAfter(key, wait)
		return true
	}
	after, err := l.sync(ctx, key)
	if err != nil {
		if ctx.Err() == nil {
			l.logger.Info("sync failed, will retry", "key", key, "err", err)
		}
		l.queue.AddRateLimited(key)
		return true
	}
	l.queue.Forget(key)
	if after > 0 {
		l.queue.AddAfter(key, after)
	}
	return true
}

// tooSoon says how long key must still wait under WithMinInterval, or
// records that it syncs now and returns 0.
func (l *Loop) tooSoon(key string) time.Duration {
	if l.minInterval <= 0 {
		return 0
	}
	now := l.clock.Now()
	l.mu.Lock()
	defer l.mu.Unlock()
	if last, ok := l.lastSync[key]; ok {
		if since := now.Sub(last); since >= 0 && since < l.minInterval {
			return l.minInterval - since
		}
	}
	l.lastSync[key] = now
	// Forget keys that have been quiet for a while, so that the map holds
	// only the recently busy ones rather than every key ever seen.
	if len(l.lastSync) > 1024 && len(l.lastSync)%1024 == 0 {
		for k, t := range l.lastSync {
			if now.Sub(t) >= l.minInterval {
				delete(l.lastSync, k)
			}
		}
	}
	return 0
}

// ProcessOne runs one queued key synchronously; tests use it to step a
// controller without workers. It reports whether a key was processed.
func (l *Loop) ProcessOne(ctx context.Context) bool {
	if l.queue.Len() == 0 {
		return false
	}
	return l.next(ctx)
}
