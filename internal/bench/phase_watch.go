package bench

import (
	"context"
	"fmt"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// drainTimeout is how long the watch phase waits, after its last write,
// for the watchers to receive every event.
const drainTimeout = 30 * time.Second

// watch measures watch throughput and delivery latency: Watchers watches
// are open on the namespace while Concurrency writers update objects for
// WatchDuration. Latency runs from a write's acknowledgement to the
// arrival of its event at a watcher; an event that beats the
// acknowledgement counts as 0.
func (r *run) watch(ctx context.Context) Result {
	p, err := r.objs.list(ctx, metav1.ListOptions{Limit: 1})
	if err != nil {
		return newResult("watch", nil, 1, fmt.Errorf("list for a resourceVersion: %w", err), 0)
	}
	wctx, stop := context.WithCancel(ctx)
	defer stop()
	watchers := make([]*watcher, r.cfg.Watchers)
	for i := range watchers {
		if watchers[i], err = startWatcher(wctx, r.objs, p.resourceVersion); err != nil {
			return newResult("watch", nil, 1, err, 0)
		}
	}
	start := time.Now()
	acks, wr := r.writeFor(ctx, r.cfg.WatchDuration)
	writeSecs := time.Since(start)
	waitForEvents(ctx, watchers, int64(len(acks)))
	stop()
	return watchResult(start, acks, watchers, wr, writeSecs)
}

// writeResult is what the writers of the watch phase report.
type writeResult struct {
	errs  int
	first error
}

// writeFor updates objects from min(Concurrency, Objects) writers until d
// has passed. Writer w owns the objects w, w+writers, w+2*writers... so no
// two writers race on one object's resourceVersion. It returns the
// acknowledgement time of every successful write by sequence number.
func (r *run) writeFor(ctx context.Context, d time.Duration) (map[int64]time.Time, writeResult) {
	var (
		seq     atomic.Int64
		mu      sync.Mutex
		acks    = map[int64]time.Time{}
		res     writeResult
		wg      sync.WaitGroup
		writers = min(r.cfg.Concurrency, r.cfg.Objects)
	)
	deadline := time.Now().Add(d)
	for w := range writers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			mine := map[int64]time.Time{}
			var errs int
			var first error
			for i := w; time.Now().Before(deadline) && ctx.Err() == nil; i = nextOwned(i, w, writers, r.cfg.Objects) {
				s := seq.Add(1)
				if err := r.write(ctx, i, strconv.FormatInt(s, 10)); err != nil {
					errs, first = errs+1, cmpErr(first, err)
					continue
				}
				mine[s] = time.Now()
			}
			mu.Lock()
			defer mu.Unlock()
			for s, t := range mine {
				acks[s] = t
			}
			res.errs, res.first = res.errs+errs, cmpErr(res.first, first)
		}()
	}
	wg.Wait()
	return acks, res
}

// waitForEvents polls until every watcher has seen want events, a watcher
// has stopped, or drainTimeout passes.
func waitForEvents(ctx context.Context, watchers []*watcher, want int64) {
	deadline := time.NewTimer(drainTimeout)
	defer deadline.Stop()
	tick := time.NewTicker(10 * time.Millisecond)
	defer tick.Stop()
	for !allSeen(watchers, want) {
		select {
		case <-ctx.Done():
			return
		case <-deadline.C:
			return
		case <-tick.C:
		}
	}
}

func allSeen(watchers []*watcher, want int64) bool {
	for _, w := range watchers {
		select {
		case <-w.done:
			return true // stopped early; its error is reported
		default:
		}
		if w.seen.Load() < want {
			return false
		}
	}
	return true
}

// watchResult waits for the watchers to stop and turns their arrivals into
// the phase's result: ops are events received, the rate is over the time
// from the first write to the last event.
func watchResult(start time.Time, acks map[int64]time.Time, watchers []*watcher, wr writeResult, writeSecs time.Duration) Result {
	var lat []time.Duration
	var events, missing int
	last := start
	first := wr.first
	for _, w := range watchers {
		<-w.done
		events += w.events
		if w.last.After(last) {
			last = w.last
		}
		first = cmpErr(first, w.err)
		for s, ack := range acks {
			at, ok := w.arrivals[s]
			if !ok {
				missing++
				continue
			}
			lat = append(lat, max(0, at.Sub(ack)))
		}
	}
	res := newResult("watch", lat, wr.errs+missing, first, last.Sub(start))
	res.Ops = events
	res.OpsPerSec = rate(events, last.Sub(start))
	res.Note = fmt.Sprintf("%d updates (%.0f/s) seen by %d watcher(s), %d events missing",
		len(acks), rate(len(acks), writeSecs), len(watchers), missing)
	return res
}

// nextOwned is the object writer w updates after object i: the next one
// it owns, wrapping around to its first.
func nextOwned(i, w, writers, n int) int {
	if i+writers < n {
		return i + writers
	}
	return w
}
