package workloop

import (
	"time"

	"k8s.io/client-go/util/workqueue"
	"k8s.io/utils/clock"
)

// Option adjusts a Loop when it is built.
type Option func(*options)

type options struct {
	clock       clock.WithTicker
	limiter     workqueue.TypedRateLimiter[string]
	minInterval time.Duration
}

// WithClock drives the queue's delays (AddAfter and retry back-off) by c,
// so a controller tested on a fake clock is requeued on that clock.
func WithClock(c clock.WithTicker) Option {
	return func(o *options) { o.clock = c }
}

// WithBackoff retries a failed key after base, doubling up to max, with no
// overall rate limit. Without it the loop uses client-go's default
// controller limiter (5ms doubling to 1000s, and 10 retries/s overall).
func WithBackoff(base, max time.Duration) Option {
	return func(o *options) {
		o.limiter = workqueue.NewTypedItemExponentialFailureRateLimiter[string](base, max)
	}
}

// WithMinInterval syncs a key at most once every d: a key added again
// sooner waits out the rest of d, and every add in between becomes that
// one sync. For an owner of hundreds of pods, each of whose events would
// otherwise mean a sync over all of them, this turns a burst of events
// into a few syncs at the cost of up to d of latency while the burst lasts.
func WithMinInterval(d time.Duration) Option {
	return func(o *options) { o.minInterval = d }
}

func buildOptions(opts []Option) options {
	o := options{limiter: workqueue.DefaultTypedControllerRateLimiter[string](), clock: clock.RealClock{}}
	for _, opt := range opts {
		opt(&o)
	}
	return o
}
