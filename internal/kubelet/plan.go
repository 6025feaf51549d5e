package kubelet

import (
	"fmt"
	"strings"
	"time"

	corev1 "k8s.io/api/core/v1"

	"github.com/skiff/skiff/internal/kubelet/criconfig"
)

// plan is what one sync of a live pod does, decided from a snapshot of the
// runtime before anything is done (decide is pure; sync.go acts on it).
type plan struct {
	// createSandbox asks for a new sandbox with sandboxAttempt; the old
	// ones (dead, or holding containers that must go) are stopped first.
	createSandbox  bool
	sandboxAttempt uint32
	// sandboxID is the sandbox the containers run in ("" with createSandbox).
	sandboxID string
	// stopSandboxes are sandboxes to stop: stale ready ones, and every
	// other one when a new sandbox is made.
	stopSandboxes []string
	kill          []killAction
	// remove are containers that were created but never ran; they are
	// removed before their replacement starts.
	remove []string
	start  []startAction
	// waiting holds the containers kept from starting by a back-off:
	// the status shows them as CrashLoopBackOff.
	waiting map[string]string
	// wake is how long until a back-off ends (0: none pending).
	wake time.Duration
	// initDone: every init container completed (sidecars: started).
	initDone bool
	// initFailed: an init container failed and restartPolicy is Never.
	initFailed bool
	// finished: no regular container runs or will run again; the pod is
	// done (its sidecars are stopped and the sandbox too).
	finished bool
}

type killAction struct {
	c    *containerState
	spec *corev1.Container
	// msg is the Killing event's message.
	msg string
	// grace, when set, replaces the pod's grace period for this kill: a
	// probe's terminationGracePeriodSeconds.
	grace *time.Duration
}

type startAction struct {
	spec    *corev1.Container
	init    bool
	attempt int
	// after is the exited instance this one replaces (nil: none), whose
	// finish time feeds the back-off.
	after *containerState
}

// String names the plan's actions, for logs.
func (p plan) String() string {
	var parts []string
	if p.createSandbox {
		parts = append(parts, fmt.Sprintf("new sandbox (attempt %d)", p.sandboxAttempt))
	}
	for _, k := range p.kill {
		parts = append(parts, "kill "+k.c.name)
	}
	for _, s := range p.start {
		parts = append(parts, fmt.Sprintf("start %s (restart %d)", s.spec.Name, s.attempt))
	}
	if len(p.stopSandboxes) > 0 {
		parts = append(parts, fmt.Sprintf("stop %d sandboxes", len(p.stopSandboxes)))
	}
	if len(p.remove) > 0 {
		parts = append(parts, fmt.Sprintf("remove %d containers", len(p.remove)))
	}
	return strings.Join(parts, ", ")
}

// decideInput is everything decide reads.
type decideInput struct {
	pod     *corev1.Pod
	rt      *podRuntime
	now     time.Time
	backoff *backoff
	// started is the startup-probe state of a running container.
	started func(name string) bool
	// liveness reports a container instance whose liveness probe failed.
	liveness func(name string) (containerID, msg string, failed bool)
}

// decide computes the next actions for a pod that should run: the
// kubelet's rules for sandboxes, init containers in order, containers and
// restarts under the pod's restartPolicy with back-off.
func decide(in decideInput) plan {
	p := plan{waiting: map[string]string{}}
	sb := currentSandbox(in.pod, in.rt)
	if sb == nil {
		if !sandboxWanted(in.pod, in.rt) {
			// Nothing will run again: the pod is finished, and whatever
			// still runs in a dead sandbox is stopped.
			p.finished = true
			p.initDone = true
			p.killRunning(in.rt, in.pod, "")
			for _, s := range in.rt.sandboxes {
				if s.ready {
					p.stopSandboxes = append(p.stopSandboxes, s.id)
				}
			}
			return p
		}
		p.createSandbox = true
		if len(in.rt.sandboxes) > 0 {
			p.sandboxAttempt = in.rt.sandboxes[0].attempt + 1
		}
		for _, s := range in.rt.sandboxes {
			p.stopSandboxes = append(p.stopSandboxes, s.id)
		}
		p.killRunning(in.rt, in.pod, "")
	} else {
		p.sandboxID = sb.id
		for _, s := range in.rt.sandboxes {
			if s.ready && s.id != sb.id {
				p.stopSandboxes = append(p.stopSandboxes, s.id)
			}
		}
		for _, c := range in.rt.containers {
			if c.running() && c.sandboxID != sb.id {
				p.kill = append(p.kill, killAction{c: c, spec: specOf(in.pod, c.name), msg: "Stopping container " + c.name})
			}
		}
	}
	p.decideInit(in)
	if p.initFailed {
		p.finished = true
		p.start = nil
		p.killRunning(in.rt, in.pod, "")
		return p
	}
	if !p.initDone {
		return p
	}
	p.decideSidecarRestarts(in)
	p.decideContainers(in)
	return p
}

// currentSandbox is the newest sandbox if it is ready and has an address
// (hostNetwork pods need none); nil means a new one is needed.
func currentSandbox(pod *corev1.Pod, rt *podRuntime) *sandboxState {
	if len(rt.sandboxes) == 0 {
		return nil
	}
	sb := rt.sandboxes[0]
	if !sb.ready || (!pod.Spec.HostNetwork && len(sb.ips) == 0) {
		return nil
	}
	return sb
}

// sandboxWanted says whether a pod whose sandbox is gone gets a new one:
// always the first time; after that only if some container would restart
// under the restartPolicy (Never: none; OnFailure: those that failed).
func sandboxWanted(pod *corev1.Pod, rt *podRuntime) bool {
	if len(rt.sandboxes) == 0 || len(rt.containers) == 0 {
		return true
	}
	switch pod.Spec.RestartPolicy {
	case corev1.RestartPolicyNever:
		return false
	case corev1.RestartPolicyOnFailure:
		for i := range pod.Spec.Containers {
			c := rt.latest(pod.Spec.Containers[i].Name, "")
			if c == nil || !c.exited() || c.exitCode != 0 {
				return true
			}
		}
		return false
	}
	return true
}

// killRunning stops every running container except those in keep.
func (p *plan) killRunning(rt *podRuntime, pod *corev1.Pod, keep string) {
	for _, c := range rt.containers {
		if c.running() && (keep == "" || c.sandboxID != keep) {
			p.kill = append(p.kill, killAction{c: c, spec: specOf(pod, c.name), msg: "Stopping container " + c.name})
		}
	}
}

// inSandbox is the newest instance of name in the sandbox the containers
// run in (none in a sandbox about to be made).
func (p *plan) inSandbox(rt *podRuntime, name string) *containerState {
	if p.createSandbox {
		return nil
	}
	return rt.latest(name, p.sandboxID)
}

// decideInit walks the init containers in order: the first that has not
// completed is started (or waited for, or restarted after a failure);
// sidecars (restartPolicy Always) must be running and started before the
// next one goes.
func (p *plan) decideInit(in decideInput) {
	if p.anyRegularInSandbox(in) {
		// Containers ran in this sandbox, so initialization was done; its
		// records may have been removed since.
		p.initDone = true
		return
	}
	for i := range in.pod.Spec.InitContainers {
		c := &in.pod.Spec.InitContainers[i]
		inst := p.inSandbox(in.rt, c.Name)
		if isSidecar(c) {
			if inst != nil && inst.running() && !p.livenessKill(in, c, inst) {
				if in.started(c.Name) {
					continue
				}
				return // wait for its startup probe
			}
			p.restart(in, c, true, inst, true)
			return
		}
		switch {
		case inst == nil:
			p.startNew(in, c, true)
			return
		case inst.running():
			return // wait for it to finish
		case inst.exited() && inst.exitCode == 0:
			continue
		case inst.exited() && in.pod.Spec.RestartPolicy == corev1.RestartPolicyNever:
			p.initFailed = true
			return
		default:
			p.restart(in, c, true, inst, true)
			return
		}
	}
	p.initDone = true
}

func (p *plan) anyRegularInSandbox(in decideInput) bool {
	for i := range in.pod.Spec.Containers {
		if p.inSandbox(in.rt, in.pod.Spec.Containers[i].Name) != nil {
			return true
		}
	}
	return false
}

// decideSidecarRestarts restarts sidecars that stopped after the pod was
// initialized: they restart whatever the pod's restartPolicy.
func (p *plan) decideSidecarRestarts(in decideInput) {
	for i := range in.pod.Spec.InitContainers {
		c := &in.pod.Spec.InitContainers[i]
		if !isSidecar(c) {
			continue
		}
		inst := p.inSandbox(in.rt, c.Name)
		if inst != nil && inst.running() && !p.livenessKill(in, c, inst) {
			continue
		}
		if inst == nil && p.startsAlready(c.Name) {
			continue
		}
		p.restart(in, c, true, inst, true)
	}
}

func (p *plan) startsAlready(name string) bool {
	for _, s := range p.start {
		if s.spec.Name == name {
			return true
		}
	}
	return false
}

// decideContainers starts, keeps or restarts every regular container, and
// says whether the pod is finished.
func (p *plan) decideContainers(in decideInput) {
	pending := 0 // containers that run or will run again
	for i := range in.pod.Spec.Containers {
		c := &in.pod.Spec.Containers[i]
		inst := p.inSandbox(in.rt, c.Name)
		if inst == nil {
			// New sandbox, or never started: the last instance anywhere
			// decides (OnFailure does not rerun one that succeeded).
			prev := in.rt.latest(c.Name, "")
			if prev != nil && prev.exited() && !restartWanted(in.pod.Spec.RestartPolicy, prev.exitCode) {
				continue
			}
			pending++
			if prev == nil {
				p.startNew(in, c, false)
			} else {
				p.restart(in, c, false, prev, false)
			}
			continue
		}
		switch {
		case inst.running():
			pending++
			// A changed definition (a new image) restarts the container
			// whatever the restartPolicy, as the kubelet does.
			if inst.hash != "" && inst.hash != criconfig.ContainerHash(c) {
				p.kill = append(p.kill, killAction{c: inst, spec: c, msg: fmt.Sprintf("Container %s definition changed, will be restarted", c.Name)})
				p.restart(in, c, false, inst, false)
				continue
			}
			// The kubelet restarts a container killed for its liveness at
			// once, unless the restartPolicy is Never.
			if p.livenessKill(in, c, inst) && in.pod.Spec.RestartPolicy != corev1.RestartPolicyNever {
				p.restart(in, c, false, inst, false)
			}
		case inst.exited() && !restartWanted(in.pod.Spec.RestartPolicy, inst.exitCode):
		default:
			pending++
			p.restart(in, c, false, inst, true)
		}
	}
	if pending == 0 && len(in.pod.Spec.Containers) > 0 {
		p.finished = true
		p.start = nil // sidecars are not restarted in a finished pod
		p.waiting = map[string]string{}
		p.wake = 0
		p.killRunning(in.rt, in.pod, "")
	}
}

// livenessKill plans the kill of a running instance whose liveness probe
// failed; it is restarted by a later sync under the restartPolicy.
func (p *plan) livenessKill(in decideInput, c *corev1.Container, inst *containerState) bool {
	id, msg, failed := in.liveness(c.Name)
	if !failed || id != inst.id {
		return false
	}
	if msg == "" {
		msg = fmt.Sprintf("Container %s failed liveness probe, will be restarted", c.Name)
	}
	p.kill = append(p.kill, killAction{c: inst, spec: c, msg: msg, grace: probeGrace(c, msg)})
	return true
}

// probeGrace is the terminationGracePeriodSeconds of the probe whose
// failure kills c (the startup probe's if its message says so), which
// then replaces the pod's; nil when that probe sets none.
func probeGrace(c *corev1.Container, msg string) *time.Duration {
	pr := c.LivenessProbe
	if strings.Contains(msg, "startup probe") && c.StartupProbe != nil {
		pr = c.StartupProbe
	}
	if pr == nil || pr.TerminationGracePeriodSeconds == nil {
		return nil
	}
	d := time.Duration(*pr.TerminationGracePeriodSeconds) * time.Second
	return &d
}

// startNew starts a container that never ran (restart count 0).
func (p *plan) startNew(in decideInput, c *corev1.Container, init bool) {
	p.start = append(p.start, startAction{spec: c, init: init, attempt: nextAttempt(in.rt, c.Name)})
}

// restart starts the next instance of a container whose last instance
// (inst, maybe nil) is not running, unless its back-off holds it. A
// created instance that never ran is removed; an unknown one stopped.
func (p *plan) restart(in decideInput, c *corev1.Container, init bool, inst *containerState, sameSandbox bool) {
	if inst != nil && sameSandbox {
		switch inst.state {
		case stateCreated:
			p.remove = append(p.remove, inst.id)
		case stateUnknown:
			p.kill = append(p.kill, killAction{c: inst, spec: c, msg: "Stopping container " + c.Name})
		}
	}
	if inst != nil && inst.exited() {
		if wait := in.backoff.wait(c.Name, inst.finishedAt, in.now); wait > 0 {
			p.waiting[c.Name] = fmt.Sprintf("back-off %v restarting failed container=%s pod=%s",
				in.backoff.delay(c.Name), c.Name, podDesc(in.pod))
			if p.wake == 0 || wait < p.wake {
				p.wake = wait
			}
			return
		}
	}
	var after *containerState
	if inst != nil && inst.exited() {
		after = inst
	}
	p.start = append(p.start, startAction{spec: c, init: init, attempt: nextAttempt(in.rt, c.Name), after: after})
}

// nextAttempt is the restart count of a container's next instance.
func nextAttempt(rt *podRuntime, name string) int {
	if prev := rt.latest(name, ""); prev != nil {
		return prev.attempt + 1
	}
	return 0
}

// restartWanted applies the restartPolicy to an exited container.
func restartWanted(policy corev1.RestartPolicy, exitCode int32) bool {
	switch policy {
	case corev1.RestartPolicyNever:
		return false
	case corev1.RestartPolicyOnFailure:
		return exitCode != 0
	}
	return true
}

// isSidecar is an init container with restartPolicy Always.
func isSidecar(c *corev1.Container) bool {
	return c.RestartPolicy != nil && *c.RestartPolicy == corev1.ContainerRestartPolicyAlways
}

// specOf finds a container of the pod by name (init or regular), or nil.
func specOf(pod *corev1.Pod, name string) *corev1.Container {
	if pod == nil {
		return nil
	}
	for i := range pod.Spec.InitContainers {
		if pod.Spec.InitContainers[i].Name == name {
			return &pod.Spec.InitContainers[i]
		}
	}
	for i := range pod.Spec.Containers {
		if pod.Spec.Containers[i].Name == name {
			return &pod.Spec.Containers[i]
		}
	}
	return nil
}

// podDesc names a pod in messages as the kubelet does: name_namespace(uid).
func podDesc(pod *corev1.Pod) string {
	return fmt.Sprintf("%s_%s(%s)", pod.Name, pod.Namespace, pod.UID)
}
