package bench

import (
	"context"
	"sync"
	"sync/atomic"
	"time"
)

// opFunc performs operation i of a phase.
type opFunc func(ctx context.Context, i int) error

// runOps performs n operations with the given concurrency and measures
// each. Workers take the next index from a shared counter so a slow
// request never leaves others idle.
func runOps(ctx context.Context, phase string, n, concurrency int, op opFunc) Result {
	var (
		next    atomic.Int64
		mu      sync.Mutex
		all     = make([]time.Duration, 0, n)
		errs    int
		firstEr error
		wg      sync.WaitGroup
	)
	start := time.Now()
	for range min(concurrency, n) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var mine []time.Duration
			var myErrs int
			var myFirst error
			for ctx.Err() == nil {
				i := int(next.Add(1) - 1)
				if i >= n {
					break
				}
				t := time.Now()
				if err := op(ctx, i); err != nil {
					myErrs++
					myFirst = cmpErr(myFirst, err)
					continue
				}
				mine = append(mine, time.Since(t))
			}
			mu.Lock()
			all, errs, firstEr = append(all, mine...), errs+myErrs, cmpErr(firstEr, myFirst)
			mu.Unlock()
		}()
	}
	wg.Wait()
	return newResult(phase, all, errs, firstEr, time.Since(start))
}

// cmpErr keeps the first error seen.
func cmpErr(first, err error) error {
	if first != nil {
		return first
	}
	return err
}
