package kubelet

import (
	"slices"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/types"

	"github.com/skiff/skiff/internal/kubelet/criconfig"
)

var t0 = time.Date(2025, 1, 1, 12, 0, 0, 0, time.UTC)

func TestBackoff(t *testing.T) {
	b := newBackoff()
	now := t0
	// The first failure restarts at once; then 10s, 20s, ... up to 5m.
	var waits []time.Duration
	for range 8 {
		w := b.wait("c", now, now)
		waits = append(waits, w)
		now = now.Add(w)
		b.next("c", now, now)
	}
	want := []time.Duration{0, 10 * time.Second, 20 * time.Second, 40 * time.Second, 80 * time.Second, 160 * time.Second, 300 * time.Second, 300 * time.Second}
	if !slices.Equal(waits, want) {
		t.Errorf("waits = %v, want %v", waits, want)
	}
	// A container that ran more than 10 minutes starts over.
	finished := now.Add(11 * time.Minute)
	if w := b.wait("c", finished, finished); w != 0 {
		t.Errorf("after a long run wait = %v, want 0", w)
	}
	b.next("c", finished, finished)
	if d := b.delay("c"); d != backoffInitial {
		t.Errorf("after a long run the delay is %v, want %v", d, backoffInitial)
	}
	// Time already waited counts.
	if w := b.wait("c", finished, finished.Add(4*time.Second)); w != 6*time.Second {
		t.Errorf("wait 4s after the exit = %v, want 6s", w)
	}
}

// rtBuilder makes podRuntime snapshots for tables: instances are added
// oldest first.
type rtBuilder struct {
	rt   *podRuntime
	next int
}

func newRT() *rtBuilder { return &rtBuilder{rt: &podRuntime{}} }

func (b *rtBuilder) sandbox(id string, ready bool) *rtBuilder {
	b.next++
	b.rt.sandboxes = slices.Insert(b.rt.sandboxes, 0, &sandboxState{id: id, ready: ready, ips: []string{"10.42.0.9"},
		attempt: uint32(len(b.rt.sandboxes)), createdAt: t0.Add(time.Duration(b.next) * time.Second)})
	return b
}

// ctr adds an instance of name in the newest sandbox: "running",
// "created", or "exited:<code>".
func (b *rtBuilder) ctr(name, state string) *rtBuilder {
	b.next++
	c := &containerState{id: name + "-" + string(rune('a'+b.next)), name: name, sandboxID: b.rt.sandboxes[0].id,
		createdAt: t0.Add(time.Duration(b.next) * time.Second), startedAt: t0.Add(time.Duration(b.next) * time.Second)}
	if prev := b.rt.latest(name, ""); prev != nil {
		c.attempt = prev.attempt + 1
	}
	switch {
	case state == "running":
		c.state = stateRunning
	case state == "created":
		c.state = stateCreated
	case strings.HasPrefix(state, "exited:"):
		c.state = stateExited
		c.finishedAt = c.startedAt.Add(time.Second)
		if state != "exited:0" {
			c.exitCode = 1
		}
	}
	b.rt.containers = slices.Insert(b.rt.containers, 0, c)
	return b
}

// hashOf records that the newest instance of name was created from image.
func (b *rtBuilder) hashOf(name, image string) *rtBuilder {
	b.rt.latest(name, "").hash = criconfig.ContainerHash(&corev1.Container{Name: name, Image: image})
	return b
}

func podSpec(policy corev1.RestartPolicy, init []string, containers ...string) *corev1.Pod {
	pod := &corev1.Pod{}
	pod.Name, pod.Namespace, pod.UID = "web", "default", types.UID("uid-1")
	pod.Spec.RestartPolicy = policy
	for _, n := range init {
		c := corev1.Container{Name: n, Image: testImage}
		if strings.HasPrefix(n, "side") {
			c.RestartPolicy = ptrTo(corev1.ContainerRestartPolicyAlways)
		}
		pod.Spec.InitContainers = append(pod.Spec.InitContainers, c)
	}
	for _, n := range containers {
		pod.Spec.Containers = append(pod.Spec.Containers, corev1.Container{Name: n, Image: testImage})
	}
	return pod
}

// summary renders a plan for comparison.
func summary(p plan) string {
	var parts []string
	if p.createSandbox {
		parts = append(parts, "sandbox")
	}
	for _, k := range p.kill {
		parts = append(parts, "kill:"+k.c.name)
	}
	for _, id := range p.remove {
		parts = append(parts, "remove:"+id)
	}
	for _, s := range p.start {
		parts = append(parts, "start:"+s.spec.Name)
	}
	names := slices.Sorted(func(yield func(string) bool) {
		for n := range p.waiting {
			if !yield(n) {
				return
			}
		}
	})
	for _, n := range names {
		parts = append(parts, "backoff:"+n)
	}
	if p.initFailed {
		parts = append(parts, "initFailed")
	}
	if p.finished {
		parts = append(parts, "finished")
	}
	return strings.Join(parts, " ")
}

func TestDecide(t *testing.T) {
	always, onFailure, never := corev1.RestartPolicyAlways, corev1.RestartPolicyOnFailure, corev1.RestartPolicyNever
	// backedOff has a restart of "app" on record, so its next exit waits.
	backedOff := func() *backoff {
		b := newBackoff()
		b.next("app", t0, t0)
		b.next("init", t0, t0)
		return b
	}
	tests := []struct {
		name     string
		pod      *corev1.Pod
		rt       *rtBuilder
		backoff  func() *backoff
		starting []string          // startup probe not passed
		liveness map[string]string // container -> failed instance ID
		want     string
	}{
		{name: "new pod", pod: podSpec(always, nil, "app", "sidecar"), rt: newRT(),
			want: "sandbox start:app start:sidecar"},
		{name: "new pod with init containers starts the first only", pod: podSpec(always, []string{"init", "init2"}, "app"), rt: newRT(),
			want: "sandbox start:init"},
		{name: "init running: wait", pod: podSpec(always, []string{"init", "init2"}, "app"),
			rt: newRT().sandbox("s1", true).ctr("init", "running"), want: ""},
		{name: "init done: next one", pod: podSpec(always, []string{"init", "init2"}, "app"),
			rt: newRT().sandbox("s1", true).ctr("init", "exited:0"), want: "start:init2"},
		{name: "all init done: containers", pod: podSpec(always, []string{"init", "init2"}, "app"),
			rt: newRT().sandbox("s1", true).ctr("init", "exited:0").ctr("init2", "exited:0"), want: "start:app"},
		{name: "init failed, Never: the pod failed", pod: podSpec(never, []string{"init"}, "app"),
			rt: newRT().sandbox("s1", true).ctr("init", "exited:1"), want: "initFailed finished"},
		{name: "init failed, OnFailure: restart", pod: podSpec(onFailure, []string{"init"}, "app"),
			rt: newRT().sandbox("s1", true).ctr("init", "exited:1"), want: "start:init"},
		{name: "init failed again: back-off", pod: podSpec(onFailure, []string{"init"}, "app"), backoff: backedOff,
			rt: newRT().sandbox("s1", true).ctr("init", "exited:1"), want: "backoff:init"},
		{name: "sidecar not started: wait", pod: podSpec(always, []string{"side", "init"}, "app"), starting: []string{"side"},
			rt: newRT().sandbox("s1", true).ctr("side", "running"), want: ""},
		{name: "sidecar started: next init", pod: podSpec(always, []string{"side", "init"}, "app"),
			rt: newRT().sandbox("s1", true).ctr("side", "running"), want: "start:init"},
		{name: "sidecar exited after init: restarted", pod: podSpec(never, []string{"side"}, "app"),
			rt: newRT().sandbox("s1", true).ctr("side", "exited:1").ctr("app", "running"), want: "start:side"},
		{name: "running: nothing", pod: podSpec(always, nil, "app"),
			rt: newRT().sandbox("s1", true).ctr("app", "running"), want: ""},
		{name: "first exit restarts at once", pod: podSpec(always, nil, "app"),
			rt: newRT().sandbox("s1", true).ctr("app", "exited:0"), want: "start:app"},
		{name: "next exit backs off", pod: podSpec(always, nil, "app"), backoff: backedOff,
			rt: newRT().sandbox("s1", true).ctr("app", "exited:1"), want: "backoff:app"},
		{name: "OnFailure: success stays", pod: podSpec(onFailure, nil, "app"),
			rt: newRT().sandbox("s1", true).ctr("app", "exited:0"), want: "finished"},
		{name: "OnFailure: failure restarts", pod: podSpec(onFailure, nil, "app"),
			rt: newRT().sandbox("s1", true).ctr("app", "exited:1"), want: "start:app"},
		{name: "Never: one exited, one runs", pod: podSpec(never, nil, "app", "other"),
			rt: newRT().sandbox("s1", true).ctr("app", "exited:1").ctr("other", "running"), want: ""},
		{name: "Never: all exited: finished, sidecar stopped", pod: podSpec(never, []string{"side"}, "app"),
			rt: newRT().sandbox("s1", true).ctr("side", "running").ctr("app", "exited:0"), want: "kill:side finished"},
		{name: "sandbox died: new one, containers restart", pod: podSpec(always, nil, "app"),
			rt: newRT().sandbox("s1", false).ctr("app", "running"), want: "sandbox kill:app start:app"},
		{name: "sandbox died, init containers rerun", pod: podSpec(always, []string{"init"}, "app"),
			rt:   newRT().sandbox("s1", true).ctr("init", "exited:0").ctr("app", "running").sandbox("s2", false),
			want: "sandbox kill:app start:init"},
		{name: "sandbox died, Never: no new sandbox", pod: podSpec(never, nil, "app"),
			rt: newRT().sandbox("s1", false).ctr("app", "running"), want: "kill:app finished"},
		{name: "sandbox died, OnFailure and all succeeded: none", pod: podSpec(onFailure, nil, "app"),
			rt: newRT().sandbox("s1", false).ctr("app", "exited:0"), want: "finished"},
		{name: "sandbox died before any container: retried", pod: podSpec(never, nil, "app"),
			rt: newRT().sandbox("s1", false), want: "sandbox start:app"},
		{name: "liveness failed: killed and restarted", pod: podSpec(always, nil, "app"), liveness: map[string]string{"app": "app-c"},
			rt: newRT().sandbox("s1", true).ctr("app", "running"), want: "kill:app start:app"},
		{name: "liveness failed under Never: killed only", pod: podSpec(never, nil, "app"), liveness: map[string]string{"app": "app-c"},
			rt: newRT().sandbox("s1", true).ctr("app", "running"), want: "kill:app"},
		{name: "liveness of an older instance is ignored", pod: podSpec(always, nil, "app"), liveness: map[string]string{"app": "old"},
			rt: newRT().sandbox("s1", true).ctr("app", "running"), want: ""},
		{name: "image changed: killed and restarted", pod: podSpec(never, nil, "app"),
			rt: newRT().sandbox("s1", true).ctr("app", "running").hashOf("app", "busybox:old"), want: "kill:app start:app"},
		{name: "same image: nothing", pod: podSpec(always, nil, "app"),
			rt: newRT().sandbox("s1", true).ctr("app", "running").hashOf("app", testImage), want: ""},
		{name: "created but never started: replaced", pod: podSpec(always, nil, "app"),
			rt: newRT().sandbox("s1", true).ctr("app", "created"), want: "remove:app-c start:app"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := newBackoff()
			if tt.backoff != nil {
				b = tt.backoff()
			}
			p := decide(decideInput{pod: tt.pod, rt: tt.rt.rt, now: t0.Add(10 * time.Second), backoff: b,
				started: func(name string) bool { return !slices.Contains(tt.starting, name) },
				liveness: func(name string) (string, string, bool) {
					id, ok := tt.liveness[name]
					return id, "", ok
				}})
			if got := summary(p); got != tt.want {
				t.Errorf("plan = %q, want %q", got, tt.want)
			}
		})
	}
}

func TestDecideAttempts(t *testing.T) {
	pod := podSpec(corev1.RestartPolicyAlways, nil, "app")
	rt := newRT().sandbox("s1", true).ctr("app", "exited:1").ctr("app", "exited:1").rt
	b := newBackoff()
	b.next("app", t0, t0) // one restart on record, 10s back-off
	now := rt.containers[0].finishedAt.Add(3 * time.Second)
	p := decide(decideInput{pod: pod, rt: rt, now: now, backoff: b, started: func(string) bool { return true },
		liveness: func(string) (string, string, bool) { return "", "", false }})
	if p.wake != 7*time.Second {
		t.Errorf("wake = %v, want 7s (10s back-off from the exit, 3s gone)", p.wake)
	}
	if msg := p.waiting["app"]; !strings.Contains(msg, "back-off 10s restarting failed container=app pod=web_default(uid-1)") {
		t.Errorf("waiting message = %q", msg)
	}
	p = decide(decideInput{pod: pod, rt: rt, now: now.Add(7 * time.Second), backoff: b, started: func(string) bool { return true },
		liveness: func(string) (string, string, bool) { return "", "", false }})
	if len(p.start) != 1 || p.start[0].attempt != 2 || p.start[0].after != rt.containers[0] {
		t.Errorf("after the back-off the plan is %s (attempt %v), want start of attempt 2", summary(p), p.start)
	}
}

// TestProbeGrace: a liveness or startup kill uses the probe's
// terminationGracePeriodSeconds when it sets one.
func TestProbeGrace(t *testing.T) {
	five, nine := int64(5), int64(9)
	c := &corev1.Container{Name: "app",
		LivenessProbe: &corev1.Probe{TerminationGracePeriodSeconds: &five},
		StartupProbe:  &corev1.Probe{TerminationGracePeriodSeconds: &nine}}
	cases := []struct {
		c    *corev1.Container
		msg  string
		want time.Duration // 0: none
	}{
		{c, "Container app failed liveness probe, will be restarted", 5 * time.Second},
		{c, "Container app failed startup probe, will be restarted", 9 * time.Second},
		{&corev1.Container{Name: "app", LivenessProbe: &corev1.Probe{}}, "Container app failed liveness probe, will be restarted", 0},
		{&corev1.Container{Name: "app"}, "", 0},
	}
	for _, tc := range cases {
		got := probeGrace(tc.c, tc.msg)
		if (got == nil) != (tc.want == 0) || (got != nil && *got != tc.want) {
			t.Errorf("probeGrace(%q) = %v, want %v", tc.msg, got, tc.want)
		}
	}
	// The plan carries it into the kill.
	pod := podSpec(corev1.RestartPolicyAlways, nil, "app")
	pod.Spec.Containers[0].LivenessProbe = &corev1.Probe{TerminationGracePeriodSeconds: &five}
	p := decide(decideInput{pod: pod, rt: newRT().sandbox("s1", true).ctr("app", "running").rt, now: t0, backoff: newBackoff(),
		started:  func(string) bool { return true },
		liveness: func(string) (string, string, bool) { return "app-c", "", true }})
	if len(p.kill) != 1 || p.kill[0].grace == nil || *p.kill[0].grace != 5*time.Second {
		t.Errorf("kill = %+v, want one with grace 5s", p.kill)
	}
}
