package probe

import (
	"context"
	"time"

	corev1 "k8s.io/api/core/v1"
)

// Event reasons of probes, as the kubelet's.
const (
	reasonUnhealthy    = "Unhealthy"
	reasonProbeWarning = "ProbeWarning"
)

// worker probes one container instance with one probe. Its fields after
// trigger belong to its goroutine.
type worker struct {
	m       *Manager
	kind    Kind
	t       *target
	spec    *corev1.Probe
	timing  timing
	trigger chan struct{} // buffered: probe now (the startup probe passed)
	cancel  context.CancelFunc

	last   result // last countable result
	streak int    // how many times in a row it came
}

// run waits out the initial delay, then probes every period until ctx
// ends or a result ends the worker's job. Liveness and readiness probes
// wait for the container to have started.
func (w *worker) run(ctx context.Context) {
	notBefore := w.t.startedAt.Add(w.timing.initialDelay)
	timer := time.NewTimer(max(time.Until(notBefore), 0))
	defer timer.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-timer.C:
		case <-w.trigger:
		}
		if wait := time.Until(notBefore); wait > 0 {
			timer.Reset(wait)
			continue
		}
		if w.kind != Startup && !w.m.started(w) {
			timer.Reset(w.timing.period)
			continue
		}
		if !w.probe(ctx) {
			return
		}
		timer.Reset(w.timing.period)
	}
}

// probe runs the probe once, records events as the kubelet does (every
// failure, warning and error), counts the result against the thresholds
// and publishes it once it crosses one. It says whether to go on.
func (w *worker) probe(ctx context.Context) bool {
	res, out, err := w.m.prober.probe(ctx, w.spec, w.t, w.timing.timeout)
	if ctx.Err() != nil {
		return false // stopped mid-probe: the result may be the stop's doing
	}
	title := w.kind.title()
	switch {
	case err != nil:
		// A probe that could not be run says nothing about the
		// container: it does not count towards either threshold.
		w.m.event(w.t, reasonUnhealthy, "%s probe errored: %v", title, err)
		return true
	case res == warning:
		w.m.event(w.t, reasonProbeWarning, "%s probe warning: %s", title, out)
		res = success
	case res == failure:
		w.m.event(w.t, reasonUnhealthy, "%s probe failed: %s", title, out)
	}
	if res == w.last {
		w.streak++
	} else {
		w.last, w.streak = res, 1
	}
	if (res == failure && w.streak < w.timing.failureThreshold) || (res == success && w.streak < w.timing.successThreshold) {
		return true
	}
	return w.m.publish(w, res == success, out)
}
