package workloop

import (
	"time"

	"k8s.io/client-go/util/workqueue"
	"k8s.io/utils/clock"
)

// Option adjusts a Loop when it is built.
type Option func(*options)

type options struct {
	clock   clock.WithTicker
	limiter workqueue.TypedRateLimiter[string]
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

func buildOptions(opts []Option) options {
	o := options{limiter: workqueue.DefaultTypedControllerRateLimiter[string]()}
	for _, opt := range opts {
		opt(&o)
	}
	return o
}
