package bench

import (
	"context"
	"fmt"
	"time"
)

// pollUntil checks cond now and then every interval until it holds (nil),
// timeout passes or ctx ends (an error). cond only reads local state or
// sends one small request, so polling it is cheap.
func pollUntil(ctx context.Context, interval, timeout time.Duration, cond func() bool) error {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	tick := time.NewTicker(interval)
	defer tick.Stop()
	for !cond() {
		select {
		case <-ctx.Done():
			return fmt.Errorf("waited %s: %w", timeout, ctx.Err())
		case <-tick.C:
		}
	}
	return nil
}
