package sim

import (
	"context"
	"log/slog"
	"sync"

	"k8s.io/client-go/util/workqueue"
)

// drain runs n workers on q until ctx ends: each takes a key, calls fn,
// and requeues it with back-off if fn failed. When ctx ends the queue is
// shut down and in-flight calls, which carry ctx, are cut short.
func drain[T comparable](ctx context.Context, q workqueue.TypedRateLimitingInterface[T], n int, log *slog.Logger, fn func(context.Context, T) error) {
	var wg sync.WaitGroup
	for range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for work(ctx, q, log, fn) {
			}
		}()
	}
	<-ctx.Done()
	q.ShutDown()
	wg.Wait()
}

func work[T comparable](ctx context.Context, q workqueue.TypedRateLimitingInterface[T], log *slog.Logger, fn func(context.Context, T) error) bool {
	key, shutdown := q.Get()
	if shutdown {
		return false
	}
	defer q.Done(key)
	if ctx.Err() != nil {
		return false
	}
	err := fn(ctx, key)
	switch {
	case err == nil:
		q.Forget(key)
	case ctx.Err() != nil:
		return false
	default:
		level := slog.LevelDebug
		if q.NumRequeues(key) >= 5 {
			level = slog.LevelWarn
		}
		log.Log(ctx, level, "will retry", "key", key, "err", err)
		q.AddRateLimited(key)
	}
	return true
}
