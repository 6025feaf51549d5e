package scheduler

import "sync"

// parallelize runs work(w) for w in 0..workers-1, the last on the calling
// goroutine, and returns when all have.
func parallelize(workers int, work func(w int)) {
	if workers <= 1 {
		work(0)
		return
	}
	var wg sync.WaitGroup
	wg.Add(workers - 1)
	for w := 1; w < workers; w++ {
		go func() {
			defer wg.Done()
			work(w)
		}()
	}
	work(0)
	wg.Wait()
}
