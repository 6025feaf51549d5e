package kubelet

import (
	"context"
	"errors"
	"fmt"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/types"
)

// syncPod brings a live pod one step closer to its spec: volumes, sandbox,
// init containers, containers, restarts; then reports its status at once
// (a pod is Running in the API the moment its containers started) and
// hands its running containers to the prober. It returns when the pod
// wants its next sync (a back-off ending), or 0 for the resync.
func (a *Agent) syncPod(ctx context.Context, w *podWorker, pod *corev1.Pod) (time.Duration, error) {
	rt, err := a.observe(ctx, w, pod)
	if err != nil {
		return 0, err
	}
	if w.exitPending(rt, a.clock.Now()) {
		// The event stream was quicker than the runtime's own state.
		return exitRecheck, nil
	}
	deadline, hasDeadline := a.activeDeadline(pod)
	if hasDeadline && deadline <= 0 {
		return 0, a.failPod(ctx, w, pod, rt, "DeadlineExceeded", "Pod was active on the node longer than the specified deadline")
	}
	if pod.Status.StartTime == nil && w.written == nil {
		// First sight: report the pod accepted (Pending, ContainerCreating)
		// before the slow part, as the kubelet does.
		if err := a.report(ctx, w, pod, rt, false); err != nil {
			a.log.Warn("pod status", "pod", podName(pod, w), "err", err)
		}
	}
	mounts, err := a.cfg.Volumes.Setup(ctx, pod)
	if err != nil {
		if ctx.Err() != nil {
			return 0, ctx.Err()
		}
		if msg := err.Error(); msg != w.mountErr {
			w.mountErr = msg
			// One event per volume when Setup joined several failures.
			for _, e := range unjoin(err) {
				a.event(pod, "", corev1.EventTypeWarning, "FailedMount", e.Error())
			}
		}
		return 0, errors.Join(fmt.Errorf("volumes: %w", err), a.report(ctx, w, pod, rt, false))
	}
	w.mountErr = ""
	p := a.decide(w, pod, rt)
	for name := range p.waiting {
		delete(w.startErrs, name) // the back-off is the newest reason
		a.event(pod, name, corev1.EventTypeWarning, "BackOff",
			fmt.Sprintf("Back-off restarting failed container %s in pod %s", name, podDesc(pod)))
	}
	var acted bool
	if p.acts() {
		start := a.clock.Now()
		actErr := a.act(ctx, w, pod, rt, p, mounts)
		acted = actErr == nil
		a.log.Debug("pod changed", "pod", podName(pod, w), "plan", p.String(), "took", a.clock.Since(start))
		if ctx.Err() != nil {
			return 0, ctx.Err()
		}
		if rt, err = a.observe(ctx, w, pod); err != nil {
			return 0, err
		}
		if actErr != nil {
			a.log.Info("pod sync incomplete", "pod", podName(pod, w), "err", actErr)
		}
	}
	finished := a.decide(w, pod, rt).finished
	if err := a.report(ctx, w, pod, rt, finished); err != nil {
		return 0, err
	}
	a.collectGarbage(ctx, pod, rt)
	p = a.decide(w, pod, rt)
	if acted && !p.finished && p.startsFresh(w) {
		// More to start right away: the next init container after a
		// sidecar that started without a startup probe.
		return time.Millisecond, nil
	}
	if hasDeadline && (p.wake == 0 || deadline < p.wake) {
		return deadline, nil
	}
	return p.wake, nil
}

// startsFresh says whether the plan starts a container whose last start
// did not fail (a failed one waits for the resync, as in the kubelet).
func (p plan) startsFresh(w *podWorker) bool {
	for _, s := range p.start {
		if _, failed := w.startErrs[s.spec.Name]; !failed {
			return true
		}
	}
	return false
}

// observe reads the pod's runtime state, adds the termination messages,
// and tells the prober which containers run (so that readiness and
// startup are known for the status computed next).
func (a *Agent) observe(ctx context.Context, w *podWorker, pod *corev1.Pod) (*podRuntime, error) {
	rt, err := a.obs.observe(ctx, pod.UID)
	if err != nil {
		return nil, err
	}
	a.readMessages(pod, rt)
	w.forgetStopped(rt)
	a.probes.Sync(pod.UID, a.probeTargets(pod, rt))
	return rt, nil
}

// decide runs the pure decision with the worker's back-off and the probes.
func (a *Agent) decide(w *podWorker, pod *corev1.Pod, rt *podRuntime) plan {
	return decide(decideInput{
		pod: pod, rt: rt, now: a.clock.Now(), backoff: w.backoff,
		started:  func(name string) bool { return a.probes.Started(pod.UID, name) },
		liveness: func(name string) (string, string, bool) { return a.livenessFailed(w, pod.UID, name) },
	})
}

// livenessFailed is the prober's liveness verdict, kept by the worker
// until that instance stopped running: the prober tells each failure
// once, and the decision that reads it may not be the one that acts.
func (a *Agent) livenessFailed(w *podWorker, uid types.UID, name string) (string, string, bool) {
	if f, ok := w.liveness[name]; ok {
		return f.containerID, f.msg, true
	}
	id, msg, failed := a.probes.LivenessFailed(uid, name)
	if failed {
		w.liveness[name] = livenessFailure{containerID: id, msg: msg}
	}
	return id, msg, failed
}

// forgetStopped drops liveness verdicts of instances that no longer run.
func (w *podWorker) forgetStopped(rt *podRuntime) {
	for name, f := range w.liveness {
		if c := rt.byID(f.containerID); c == nil || !c.running() {
			delete(w.liveness, name)
		}
	}
}

// acts says whether the plan changes anything in the runtime.
func (p plan) acts() bool {
	return p.createSandbox || len(p.stopSandboxes) > 0 || len(p.kill) > 0 || len(p.remove) > 0 || len(p.start) > 0
}

// act carries out a plan: kills, removals, the sandbox, then the starts
// (an init container's failure stops the others; containers start one
// after another, each failure recorded for the status).
func (a *Agent) act(ctx context.Context, w *podWorker, pod *corev1.Pod, rt *podRuntime, p plan, mounts map[string]Mount) error {
	podIP := firstIP(currentSandbox(pod, rt))
	a.killAll(ctx, pod, podIP, dedupeKills(p.kill), podGrace(pod))
	var errs []error
	for _, id := range p.remove {
		if err := a.rt.RemoveContainer(ctx, id); err != nil && !isNotFound(err) {
			errs = append(errs, err)
		}
		a.obs.forget(id)
	}
	for _, id := range p.stopSandboxes {
		if err := a.rt.StopPodSandbox(ctx, id); err != nil && !isNotFound(err) {
			errs = append(errs, err)
		}
	}
	sb, err := a.podSandbox(ctx, pod, rt, p)
	if err != nil {
		return errors.Join(append(errs, err)...)
	}
	for _, s := range p.start {
		if err := a.startContainer(ctx, w, pod, sb, s, mounts); err != nil {
			errs = append(errs, err)
			if s.init || ctx.Err() != nil {
				break
			}
		}
	}
	return errors.Join(errs...)
}

// podSandbox is the sandbox the plan's containers start in: the current
// one, or a new one.
func (a *Agent) podSandbox(ctx context.Context, pod *corev1.Pod, rt *podRuntime, p plan) (*runningSandbox, error) {
	if !p.createSandbox {
		sb := currentSandbox(pod, rt)
		if sb == nil || len(p.start) == 0 {
			return nil, nil
		}
		cfg, err := a.sandboxConfig(pod, sb.attempt)
		if err != nil {
			return nil, err
		}
		return &runningSandbox{id: sb.id, cfg: cfg, ips: sb.ips}, nil
	}
	if p.sandboxAttempt > 0 {
		a.event(pod, "", corev1.EventTypeNormal, "SandboxChanged", "Pod sandbox changed, it will be killed and re-created.")
	}
	sb, err := a.createSandbox(ctx, pod, p.sandboxAttempt)
	if err != nil {
		a.event(pod, "", corev1.EventTypeWarning, "FailedCreatePodSandBox", "Failed to create pod sandbox: "+err.Error())
		return nil, err
	}
	return sb, nil
}

// probeTargets are the running containers of the current sandbox that
// probes watch: regular containers and sidecars.
func (a *Agent) probeTargets(pod *corev1.Pod, rt *podRuntime) []ProbeTarget {
	sb := currentSandbox(pod, rt)
	if sb == nil {
		return nil
	}
	ip := firstIP(sb)
	if pod.Spec.HostNetwork {
		ip = a.cfg.NodeIP
	}
	var out []ProbeTarget
	add := func(c *corev1.Container) {
		if inst := rt.latest(c.Name, sb.id); inst != nil && inst.running() {
			out = append(out, ProbeTarget{Pod: pod, PodIP: ip, Container: c, ContainerID: inst.id, StartedAt: inst.startedAt})
		}
	}
	for i := range pod.Spec.InitContainers {
		if isSidecar(&pod.Spec.InitContainers[i]) {
			add(&pod.Spec.InitContainers[i])
		}
	}
	for i := range pod.Spec.Containers {
		add(&pod.Spec.Containers[i])
	}
	return out
}

// report computes the pod's status from rt and writes it if it changed.
// terminal says the containers will not run again (the phase is final).
func (a *Agent) report(ctx context.Context, w *podWorker, pod *corev1.Pod, rt *podRuntime, terminal bool) error {
	old, st := a.status(w, pod, rt, terminal)
	return a.writeStatus(ctx, w, pod, old, st)
}

// status is the pod's status as the agent knows it and as it is now.
func (a *Agent) status(w *podWorker, pod *corev1.Pod, rt *podRuntime, terminal bool) (old, now corev1.PodStatus) {
	old = a.knownStatus(w, pod)
	return old, podStatus(statusInput{
		pod: pod, old: old, rt: rt, plan: a.decide(w, pod, rt), startErrs: w.startErrs,
		ready:   func(name string) bool { return !terminal && a.probes.Ready(pod.UID, name) },
		started: func(name string) bool { return a.probes.Started(pod.UID, name) },
		nodeIP:  a.cfg.NodeIP, qos: a.cfg.Configs.QOSClass(pod), now: a.clock.Now(), terminal: terminal,
	})
}

// activeDeadline is how long the pod may still run under
// spec.activeDeadlineSeconds (counted from status.startTime); ok is false
// when it has no deadline.
func (a *Agent) activeDeadline(pod *corev1.Pod) (left time.Duration, ok bool) {
	if pod.Spec.ActiveDeadlineSeconds == nil || pod.Status.StartTime == nil {
		return 0, false
	}
	end := pod.Status.StartTime.Add(time.Duration(*pod.Spec.ActiveDeadlineSeconds) * time.Second)
	return end.Sub(a.clock.Now()), true
}

// failPod stops a pod for good with a reason (DeadlineExceeded): its
// containers are stopped and its phase is Failed.
func (a *Agent) failPod(ctx context.Context, w *podWorker, pod *corev1.Pod, rt *podRuntime, reason, msg string) error {
	a.event(pod, "", corev1.EventTypeNormal, reason, msg)
	a.killAll(ctx, pod, firstIP(currentSandbox(pod, rt)), runningKills(pod, rt), podGrace(pod))
	rt, err := a.obs.observe(ctx, pod.UID)
	if err != nil {
		return err
	}
	a.readMessages(pod, rt)
	old, st := a.status(w, pod, rt, true)
	st.Phase, st.Reason, st.Message = corev1.PodFailed, reason, msg
	return a.writeStatus(ctx, w, pod, old, st)
}

func firstIP(sb *sandboxState) string {
	if sb == nil || len(sb.ips) == 0 {
		return ""
	}
	return sb.ips[0]
}

// podGrace is how long a pod's containers get to stop: the deletion's
// grace period, else terminationGracePeriodSeconds, else 30s.
func podGrace(pod *corev1.Pod) time.Duration {
	switch {
	case pod == nil:
		return minGrace
	case pod.DeletionGracePeriodSeconds != nil:
		return time.Duration(*pod.DeletionGracePeriodSeconds) * time.Second
	case pod.Spec.TerminationGracePeriodSeconds != nil:
		return time.Duration(*pod.Spec.TerminationGracePeriodSeconds) * time.Second
	}
	return 30 * time.Second
}

// unjoin splits an errors.Join into its errors.
func unjoin(err error) []error {
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		return j.Unwrap()
	}
	return []error{err}
}
