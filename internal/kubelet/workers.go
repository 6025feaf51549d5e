package kubelet

import (
	"context"
	"errors"
	"sync"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/types"
)

// podWorker serialises the syncs of one pod: a goroutine that syncs when
// kicked (informer, exit events, probes), when a back-off ends, and every
// resync period. It ends when the pod is gone from the API and from the
// runtime.
type podWorker struct {
	uid    types.UID
	kickCh chan struct{} // capacity 1: kicks during a sync coalesce into one more

	mu sync.Mutex
	// cancel interrupts the running sync of a live pod (nil: none runs).
	cancel context.CancelFunc
	// exited are IDs the event stream reported exited; while the runtime
	// still lists one as running, the worker looks again soon.
	exited map[string]time.Time

	// The rest belongs to the worker's goroutine.
	backoff *backoff // container restarts, by container name
	pulls   *backoff // image pulls, by image
	pullErr map[string]time.Time
	// startErrs are the reasons the last starts failed, by container.
	startErrs map[string]startError
	// liveness holds failed liveness verdicts until acted on, by container.
	liveness map[string]livenessFailure
	// lastPod is the last pod seen in the cache: a pod deleted from the
	// API is still stopped with its grace period and hooks.
	lastPod *corev1.Pod
	// written is the last status written and base the object the API
	// returned for it (its resourceVersion is the next write's).
	written *corev1.PodStatus
	base    *corev1.Pod
	// mountErr is the last volume error reported, to not repeat the event.
	mountErr string
	// finished: a terminal pod's containers and sandbox were stopped and
	// its volumes torn down.
	finished bool
	errDelay time.Duration
}

type livenessFailure struct{ containerID, msg string }

func newPodWorker(uid types.UID) *podWorker {
	return &podWorker{uid: uid, kickCh: make(chan struct{}, 1), exited: map[string]time.Time{},
		backoff: newBackoff(), pulls: newBackoff(), pullErr: map[string]time.Time{}, startErrs: map[string]startError{},
		liveness: map[string]livenessFailure{}}
}

// kick asks for a sync.
func (w *podWorker) kick() {
	select {
	case w.kickCh <- struct{}{}:
	default:
	}
}

// interrupt cancels the sync of the live pod in progress, if any.
func (w *podWorker) interrupt() {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.cancel != nil {
		w.cancel()
	}
}

func (w *podWorker) begin(ctx context.Context) context.Context {
	ctx, cancel := context.WithCancel(ctx)
	w.mu.Lock()
	w.cancel = cancel
	w.mu.Unlock()
	return ctx
}

func (w *podWorker) end() {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.cancel != nil {
		w.cancel()
		w.cancel = nil
	}
}

// noteExit records an exit reported by the event stream.
func (w *podWorker) noteExit(id string, at time.Time) {
	w.mu.Lock()
	w.exited[id] = at
	w.mu.Unlock()
}

// exitPending says whether the runtime still shows running a container
// the event stream reported exited (the runtime's own view lags the event
// by a moment); reports older than a few seconds are dropped.
func (w *podWorker) exitPending(rt *podRuntime, now time.Time) bool {
	w.mu.Lock()
	defer w.mu.Unlock()
	pending := false
	for id, at := range w.exited {
		c := rt.byID(id)
		sb := rt.sandboxByID(id)
		switch {
		case sb != nil && sb.ready && now.Sub(at) <= exitLag:
			pending = true // the sandbox's own process ended
		case c == nil || !c.running() || now.Sub(at) > exitLag:
			delete(w.exited, id)
		default:
			pending = true
		}
	}
	return pending
}

// exitLag bounds how long the runtime may show a container running after
// its exit event, and exitRecheck is how soon a worker looks again.
const (
	exitLag     = 5 * time.Second
	exitRecheck = 20 * time.Millisecond
)

// worker returns the pod's worker, starting it if needed; nil once Run
// has ended (or before it started).
func (a *Agent) worker(uid types.UID) *podWorker {
	a.mu.Lock()
	defer a.mu.Unlock()
	if w := a.workers[uid]; w != nil {
		return w
	}
	if a.runCtx == nil || a.runCtx.Err() != nil {
		return nil
	}
	w := newPodWorker(uid)
	a.workers[uid] = w
	a.wg.Add(1)
	go func() {
		defer a.wg.Done()
		a.runWorker(a.runCtx, w)
	}()
	return w
}

// retire removes a worker whose pod is gone, unless it was kicked
// meanwhile (then it syncs once more).
func (a *Agent) retire(w *podWorker) bool {
	a.mu.Lock()
	defer a.mu.Unlock()
	if len(w.kickCh) > 0 {
		return false
	}
	delete(a.workers, w.uid)
	return true
}

// runWorker syncs the pod whenever kicked or due. Whoever starts a worker
// kicks it, so the first sync is at once.
func (a *Agent) runWorker(ctx context.Context, w *podWorker) {
	timer := a.clock.NewTimer(a.cfg.ResyncPeriod)
	defer timer.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-w.kickCh:
		case <-timer.C():
		}
		next, done := a.syncOnce(ctx, w)
		if done && a.retire(w) {
			return
		}
		timer.Stop()
		timer.Reset(next)
	}
}

// syncOnce runs one sync of the pod and says when the next is due, or
// that the pod is gone for good.
func (a *Agent) syncOnce(ctx context.Context, w *podWorker) (time.Duration, bool) {
	pod := a.podByUID(w.uid)
	start := a.clock.Now()
	defer func() { a.log.Debug("pod synced", "pod", podName(pod, w), "took", a.clock.Since(start)) }()
	var next time.Duration
	var done bool
	var err error
	switch {
	case pod == nil:
		done, err = a.cleanupPod(ctx, w)
	case pod.DeletionTimestamp != nil:
		w.lastPod = pod
		err = a.terminatePod(ctx, w, pod)
	case terminalPhase(pod.Status.Phase):
		w.lastPod = pod
		err = a.finishPod(ctx, w, pod)
	default:
		w.lastPod = pod
		sctx := w.begin(ctx)
		if p := a.podByUID(w.uid); p == nil || p.DeletionTimestamp != nil {
			w.interrupt() // deleted between the read and begin
		}
		next, err = a.syncPod(sctx, w, pod)
		w.end()
	}
	if err != nil {
		if ctx.Err() != nil {
			return 0, false
		}
		if p := a.podByUID(w.uid); errors.Is(err, context.Canceled) && p != nil && p.DeletionTimestamp != nil {
			return 0, false // interrupted by the deletion: stop the pod now
		}
		w.errDelay = min(max(2*w.errDelay, time.Second), a.cfg.ResyncPeriod)
		a.log.Warn("pod sync failed", "pod", podName(pod, w), "uid", w.uid, "retry", w.errDelay, "err", err)
		return w.errDelay, false
	}
	w.errDelay = 0
	if next <= 0 || next > a.cfg.ResyncPeriod {
		next = a.cfg.ResyncPeriod
	}
	return next, done
}

// podName is namespace/name for logs, from the pod or the last one seen.
func podName(pod *corev1.Pod, w *podWorker) string {
	if pod == nil {
		pod = w.lastPod
	}
	if pod == nil {
		return ""
	}
	return pod.Namespace + "/" + pod.Name
}
