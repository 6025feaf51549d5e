package probe

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/util/intstr"
)

// unit makes one API second last 10 ms, so a period of 1 is 10 ms.
const unit = 10 * time.Millisecond

func running(pod *corev1.Pod, id string) Target {
	return Target{Pod: pod, PodIP: "127.0.0.1", Container: &pod.Spec.Containers[0], ContainerID: id, StartedAt: time.Now()}
}

func TestNoProbes(t *testing.T) {
	m := startManager(t, newFakeRuntime(), &recorder{}, nil, unit)
	pod := testPod("u1", corev1.Container{})
	if m.Ready("u1", "app") || m.Started("u1", "app") {
		t.Fatal("an unknown container must be neither ready nor started")
	}
	m.Sync("u1", []Target{running(pod, "c1")})
	if !m.Ready("u1", "app") || !m.Started("u1", "app") {
		t.Fatal("a running container without probes is started and ready")
	}
	m.Sync("u1", nil)
	if m.Ready("u1", "app") || m.Started("u1", "app") {
		t.Fatal("a container that stopped running is neither ready nor started")
	}
}

func TestReadinessFollowsProbe(t *testing.T) {
	rt := newFakeRuntime()
	rt.set("ready", 1)
	rec := &recorder{}
	var ch changes
	m := startManager(t, rt, rec, ch.fn, unit)
	pod := testPod("u1", corev1.Container{ReadinessProbe: execProbe("ready", func(p *corev1.Probe) { p.FailureThreshold = 2 })})
	m.Sync("u1", []Target{running(pod, "c1")})
	if !m.Started("u1", "app") || m.Ready("u1", "app") {
		t.Fatal("before its first probe passes a container is started but not ready")
	}
	eventually(t, "failed probes", func() bool { return rt.count("ready") >= 3 })
	if m.Ready("u1", "app") {
		t.Fatal("ready while the probe fails")
	}
	if !rec.has("Warning Unhealthy Readiness probe failed: ") {
		t.Errorf("events = %q", rec.all())
	}
	rt.set("ready", 0)
	eventually(t, "ready", func() bool { return m.Ready("u1", "app") })
	eventually(t, "onChange", func() bool { return ch.count("u1") >= 1 })
	rt.set("ready", 1)
	eventually(t, "unready after the failure threshold", func() bool { return !m.Ready("u1", "app") })
	eventually(t, "second onChange", func() bool { return ch.count("u1") >= 2 })
	if _, _, failed := m.LivenessFailed("u1", "app"); failed {
		t.Error("a readiness failure is not a liveness failure")
	}
}

func TestReadinessSuccessThreshold(t *testing.T) {
	rt := newFakeRuntime()
	m := startManager(t, rt, &recorder{}, nil, unit)
	pod := testPod("u1", corev1.Container{ReadinessProbe: execProbe("ready", func(p *corev1.Probe) { p.SuccessThreshold = 4 })})
	m.Sync("u1", []Target{running(pod, "c1")})
	eventually(t, "ready", func() bool { return m.Ready("u1", "app") })
	if n := rt.count("ready"); n < 4 {
		t.Errorf("ready after %d successes, want 4", n)
	}
}

func TestStartupGatesOtherProbes(t *testing.T) {
	rt := newFakeRuntime()
	rt.set("startup", 1)
	var ch changes
	m := startManager(t, rt, &recorder{}, ch.fn, unit)
	pod := testPod("u1", corev1.Container{
		StartupProbe:   execProbe("startup", func(p *corev1.Probe) { p.FailureThreshold = 1000 }),
		LivenessProbe:  execProbe("live", func(p *corev1.Probe) { p.PeriodSeconds = 1000 }),
		ReadinessProbe: execProbe("ready", func(p *corev1.Probe) { p.PeriodSeconds = 1000 }),
	})
	m.Sync("u1", []Target{running(pod, "c1")})
	eventually(t, "startup probes", func() bool { return rt.count("startup") >= 5 })
	if m.Started("u1", "app") || m.Ready("u1", "app") {
		t.Fatal("started or ready before the startup probe passed")
	}
	if rt.count("live") != 0 || rt.count("ready") != 0 {
		t.Fatal("liveness or readiness probed before the startup probe passed")
	}
	rt.set("startup", 0)
	eventually(t, "started", func() bool { return m.Started("u1", "app") })
	// Their period is 10 s: passing the startup probe must start them at once.
	eventually(t, "ready", func() bool { return m.Ready("u1", "app") })
	eventually(t, "liveness probed", func() bool { return rt.count("live") == 1 })
	n := rt.count("startup")
	eventually(t, "onChange", func() bool { return ch.count("u1") >= 1 }) // started and ready may arrive in one call
	if rt.count("startup") != n {
		t.Error("the startup probe ran again after it passed")
	}
}

func TestLivenessFailureReportedOncePerContainer(t *testing.T) {
	rt := newFakeRuntime()
	rt.set("live", 1)
	rt.out["live"] = "dead"
	rec := &recorder{}
	var ch changes
	m := startManager(t, rt, rec, ch.fn, unit)
	grace := int64(7)
	pod := testPod("u1", corev1.Container{LivenessProbe: execProbe("live", func(p *corev1.Probe) {
		p.FailureThreshold = 3
		p.TerminationGracePeriodSeconds = &grace
	})})
	m.Sync("u1", []Target{running(pod, "c1")})
	eventually(t, "onChange", func() bool { return ch.count("u1") >= 1 })
	f, ok := m.LivenessFailure("u1", "app")
	if !ok {
		t.Fatal("no liveness failure reported")
	}
	want := Failure{ContainerID: "c1", Kind: Liveness, Message: "Container app failed liveness probe, will be restarted", Output: "dead"}
	if f.ContainerID != want.ContainerID || f.Kind != want.Kind || f.Message != want.Message || f.Output != want.Output ||
		f.GracePeriodSeconds == nil || *f.GracePeriodSeconds != 7 {
		t.Errorf("failure = %+v", f)
	}
	if rt.count("live") != 3 {
		t.Errorf("probed %d times, want 3 (the threshold, then on hold)", rt.count("live"))
	}
	if _, _, again := m.LivenessFailed("u1", "app"); again {
		t.Error("the same container's failure was reported twice")
	}
	if !rec.has("Warning Unhealthy Liveness probe failed: dead") {
		t.Errorf("events = %q", rec.all())
	}
	// The restarted container is probed afresh and fails on its own.
	m.Sync("u1", []Target{running(pod, "c2")})
	eventually(t, "second failure", func() bool {
		id, msg, failed := m.LivenessFailed("u1", "app")
		return failed && id == "c2" && strings.Contains(msg, "liveness")
	})
}

func TestStartupFailure(t *testing.T) {
	rt := newFakeRuntime()
	rt.set("startup", 3)
	m := startManager(t, rt, &recorder{}, nil, unit)
	pod := testPod("u1", corev1.Container{StartupProbe: execProbe("startup", func(p *corev1.Probe) { p.FailureThreshold = 2 })})
	m.Sync("u1", []Target{running(pod, "c1")})
	var f Failure
	eventually(t, "startup failure", func() bool {
		var ok bool
		f, ok = m.LivenessFailure("u1", "app")
		return ok
	})
	if f.Kind != Startup || f.Message != "Container app failed startup probe, will be restarted" || f.GracePeriodSeconds != nil {
		t.Errorf("failure = %+v", f)
	}
}

func TestInitialDelay(t *testing.T) {
	rt := newFakeRuntime()
	m := startManager(t, rt, &recorder{}, nil, unit)
	pod := testPod("u1", corev1.Container{ReadinessProbe: execProbe("ready", func(p *corev1.Probe) { p.InitialDelaySeconds = 20 })})
	start := time.Now()
	tg := running(pod, "c1")
	tg.StartedAt = start
	m.Sync("u1", []Target{tg})
	eventually(t, "ready", func() bool { return m.Ready("u1", "app") })
	if waited := time.Since(start); waited < 20*unit {
		t.Errorf("first probe after %v, before the initial delay of %v", waited, 20*unit)
	}
	// A container that started long ago is probed at once.
	pod2 := testPod("u2", corev1.Container{ReadinessProbe: execProbe("ready2", func(p *corev1.Probe) { p.InitialDelaySeconds = 1000 })})
	old := running(pod2, "c9")
	old.StartedAt = time.Now().Add(-time.Hour)
	m.Sync("u2", []Target{old})
	eventually(t, "adopted container ready", func() bool { return m.Ready("u2", "app") })
}

func TestErroredProbesDoNotCount(t *testing.T) {
	rt := newFakeRuntime()
	rt.setErr("live", errors.New("no such container"))
	rec := &recorder{}
	m := startManager(t, rt, rec, nil, unit)
	pod := testPod("u1", corev1.Container{LivenessProbe: execProbe("live", func(p *corev1.Probe) { p.FailureThreshold = 1 })})
	m.Sync("u1", []Target{running(pod, "c1")})
	eventually(t, "errored event", func() bool { return rec.has("Warning Unhealthy Liveness probe errored: ") })
	eventually(t, "retries", func() bool { return rt.count("live") >= 6 })
	if _, _, failed := m.LivenessFailed("u1", "app"); failed {
		t.Error("a probe that could not run counted as a failure")
	}
}

func TestSyncAndRemoveStopWorkers(t *testing.T) {
	rt := newFakeRuntime()
	m := startManager(t, rt, &recorder{}, nil, unit)
	pod := testPod("u1", corev1.Container{LivenessProbe: execProbe("live", nil)})
	m.Sync("u1", []Target{running(pod, "c1")})
	eventually(t, "probes", func() bool { return rt.count("live") >= 2 })
	m.Sync("u1", []Target{running(pod, "c1")}) // same instance: the worker goes on
	m.Sync("u1", nil)
	n := rt.count("live")
	// Probes a stopped worker had begun may finish; none may start after.
	eventually(t, "worker gone", func() bool { return rt.count("live") <= n+1 })
	m.Sync("u1", []Target{running(pod, "c2")})
	eventually(t, "new instance probed", func() bool { return rt.count("live") >= n+2 })
	m.Remove("u1")
	n = rt.count("live")
	if m.Started("u1", "app") {
		t.Error("a removed pod's container reads as started")
	}
	// Give a live worker the chance to show itself: 20 periods.
	deadline := time.Now().Add(20 * unit)
	for time.Now().Before(deadline) {
		if rt.count("live") > n+1 {
			t.Fatal("a removed pod is still probed")
		}
		<-time.After(unit)
	}
}

// onChange may block: the workers go on probing and no change is lost.
func TestSlowOnChangeDoesNotBlockWorkers(t *testing.T) {
	rt := newFakeRuntime()
	release := make(chan struct{})
	var calls atomic.Int32
	m := startManager(t, rt, &recorder{}, func(types.UID) {
		calls.Add(1)
		<-release
	}, unit)
	for _, uid := range []types.UID{"a", "b", "c"} {
		pod := testPod(uid, corev1.Container{ReadinessProbe: execProbe("ready", nil)})
		m.Sync(uid, []Target{running(pod, "c-"+string(uid))})
	}
	eventually(t, "all ready while onChange blocks", func() bool {
		return m.Ready("a", "app") && m.Ready("b", "app") && m.Ready("c", "app")
	})
	close(release)
	eventually(t, "every pod's change delivered", func() bool { return calls.Load() >= 2 })
}

// A pod synced before Run starts is probed once Run runs.
func TestSyncBeforeRun(t *testing.T) {
	rt := newFakeRuntime()
	m := NewManager(rt, nil, nil)
	m.unit = unit
	pod := testPod("u1", corev1.Container{ReadinessProbe: execProbe("ready", nil)})
	m.Sync("u1", []Target{running(pod, "c1")})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		m.Run(ctx)
	}()
	eventually(t, "ready", func() bool { return m.Ready("u1", "app") })
	cancel()
	<-done
}

// The kubelet's event wording for an HTTP probe against a real server,
// and the container named in the event.
func TestHTTPProbeEvents(t *testing.T) {
	var code atomic.Int32
	code.Store(http.StatusInternalServerError)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(int(code.Load())) }))
	defer srv.Close()
	host, port := hostPort(t, srv.URL)
	rec := &recorder{}
	m := startManager(t, nil, rec, nil, unit)
	pod := testPod("u1", corev1.Container{
		Ports: []corev1.ContainerPort{{Name: "web", ContainerPort: port}},
		ReadinessProbe: &corev1.Probe{
			ProbeHandler:  corev1.ProbeHandler{HTTPGet: &corev1.HTTPGetAction{Host: host, Port: intstr.FromString("web"), Path: "/healthz"}},
			PeriodSeconds: 1, TimeoutSeconds: 100,
		},
	})
	m.Sync("u1", []Target{running(pod, "c1")})
	eventually(t, "event", func() bool {
		return rec.has("Warning Unhealthy Readiness probe failed: HTTP probe failed with statuscode: 500")
	})
	rec.mu.Lock()
	ref := rec.refs[0]
	rec.mu.Unlock()
	if ref.Kind != "Pod" || ref.Name != "web" || ref.Namespace != "ns" || ref.UID != "u1" || ref.FieldPath != "spec.containers{app}" {
		t.Errorf("event reference = %+v", ref)
	}
	code.Store(http.StatusOK)
	eventually(t, "ready", func() bool { return m.Ready("u1", "app") })
}

func TestTimingDefaults(t *testing.T) {
	got := timingOf(Liveness, &corev1.Probe{SuccessThreshold: 5}, time.Second)
	want := timing{period: 10 * time.Second, timeout: time.Second, successThreshold: 1, failureThreshold: 3}
	if got != want {
		t.Errorf("liveness defaults = %+v, want %+v", got, want)
	}
	got = timingOf(Readiness, &corev1.Probe{InitialDelaySeconds: 2, PeriodSeconds: 3, TimeoutSeconds: 4, SuccessThreshold: 5, FailureThreshold: 6}, time.Second)
	want = timing{initialDelay: 2 * time.Second, period: 3 * time.Second, timeout: 4 * time.Second, successThreshold: 5, failureThreshold: 6}
	if got != want {
		t.Errorf("readiness = %+v, want %+v", got, want)
	}
}
