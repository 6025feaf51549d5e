package podcontrol

import (
	"context"
	"sync"
)

// SlowStartInitialBatch is the first batch size: one call probes whether
// creating works at all before many are attempted (quota, admission).
const SlowStartInitialBatch = 1

// SlowStart calls fn count times in batches of 1, 2, 4, ... running each
// batch concurrently, and stops after the first batch with an error. It
// returns how many calls succeeded and the first error; the calls never
// made are count minus the calls attempted, which the caller subtracts
// from its expectations.
func SlowStart(ctx context.Context, count int, fn func(ctx context.Context, i int) error) (succeeded, attempted int, err error) {
	batch := SlowStartInitialBatch
	for attempted < count {
		n := min(batch, count-attempted)
		errs := make([]error, n)
		var wg sync.WaitGroup
		for j := range n {
			wg.Add(1)
			go func() {
				defer wg.Done()
				errs[j] = fn(ctx, attempted+j)
			}()
		}
		wg.Wait()
		attempted += n
		for _, e := range errs {
			if e == nil {
				succeeded++
			} else if err == nil {
				err = e
			}
		}
		if err != nil {
			return succeeded, attempted, err
		}
		batch *= 2
	}
	return succeeded, attempted, nil
}
