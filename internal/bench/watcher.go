package bench

import (
	"context"
	"fmt"
	"strconv"
	"sync/atomic"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/watch"
)

// maxReopens bounds how often a watcher reopens a watch the server closed,
// so a server that closes every watch at once cannot spin the benchmark.
const maxReopens = 10

// watcher counts the events of one watch and notes when each write's event
// arrived. Its fields other than seen belong to its goroutine until done
// is closed.
type watcher struct {
	objs     objects
	arrivals map[int64]time.Time
	seen     atomic.Int64
	events   int
	last     time.Time
	err      error
	done     chan struct{}
}

// startWatcher opens a watch from resourceVersion rv before returning, so
// no write made after it returns can be missed, then consumes it in a
// goroutine until ctx ends.
func startWatcher(ctx context.Context, objs objects, rv string) (*watcher, error) {
	wi, err := objs.watch(ctx, watchOptions(rv))
	if err != nil {
		return nil, fmt.Errorf("open watch: %w", err)
	}
	w := &watcher{objs: objs, arrivals: map[int64]time.Time{}, done: make(chan struct{})}
	go w.run(ctx, wi, rv)
	return w, nil
}

func watchOptions(rv string) metav1.ListOptions {
	return metav1.ListOptions{ResourceVersion: rv, AllowWatchBookmarks: true}
}

func (w *watcher) run(ctx context.Context, wi watch.Interface, rv string) {
	defer close(w.done)
	for reopens := 0; ; reopens++ {
		var err error
		if rv, err = w.consume(ctx, wi, rv); err != nil || ctx.Err() != nil {
			w.err = err
			return
		}
		if reopens == maxReopens {
			w.err = fmt.Errorf("server closed the watch %d times", maxReopens+1)
			return
		}
		if wi, err = w.objs.watch(ctx, watchOptions(rv)); err != nil {
			w.err = fmt.Errorf("reopen watch at %s: %w", rv, err)
			return
		}
	}
}

// consume reads events until the stream ends or ctx does, and returns the
// last resourceVersion seen to resume from.
func (w *watcher) consume(ctx context.Context, wi watch.Interface, rv string) (string, error) {
	defer wi.Stop()
	for {
		select {
		case <-ctx.Done():
			return rv, nil
		case ev, ok := <-wi.ResultChan():
			if !ok {
				return rv, nil
			}
			now := time.Now()
			if ev.Type == watch.Error {
				return rv, fmt.Errorf("watch error: %w", apierrors.FromObject(ev.Object))
			}
			o, ok := ev.Object.(object)
			if !ok {
				continue
			}
			rv = o.GetResourceVersion()
			if ev.Type != watch.Bookmark {
				w.record(o, now)
			}
		}
	}
}

// record counts an event and, for a watch-phase write, notes its arrival.
func (w *watcher) record(o object, at time.Time) {
	w.events++
	w.last = at
	seq, err := strconv.ParseInt(o.GetAnnotations()[annotationSeq], 10, 64)
	if err != nil {
		return // not a watch-phase write
	}
	if _, dup := w.arrivals[seq]; !dup {
		w.arrivals[seq] = at
		w.seen.Add(1)
	}
}
