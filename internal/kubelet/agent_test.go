package kubelet

import (
	"errors"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

func TestStartPod(t *testing.T) {
	h := newHarness(t)
	pod := newPod("web", "app", "side")
	h.create(pod)
	h.sync(pod)

	calls := h.rt.callLog()
	want := []string{
		"RunPodSandbox web attempt=0",
		"CreateContainer app attempt=0 image=sha256:busybox", "StartContainer app",
		"CreateContainer side attempt=0 image=sha256:busybox", "StartContainer side",
	}
	if !slices.Equal(calls, want) {
		t.Errorf("runtime calls:\n%s\nwant:\n%s", strings.Join(calls, "\n"), strings.Join(want, "\n"))
	}
	p := h.pod(pod)
	if p.Status.Phase != corev1.PodRunning || p.Status.PodIP == "" || p.Status.HostIP != "192.0.2.1" || p.Status.StartTime == nil {
		t.Errorf("status = phase %s podIP %q hostIP %q", p.Status.Phase, p.Status.PodIP, p.Status.HostIP)
	}
	if c := findCondition(p.Status.Conditions, corev1.PodReady); c == nil || c.Status != corev1.ConditionTrue {
		t.Errorf("Ready = %+v", c)
	}
	events := h.events()
	for _, e := range []string{
		`Normal Pulled Container image "docker.io/library/busybox:1.36" already present on machine`,
		"Normal Created Created container app", "Normal Started Started container app",
	} {
		if !hasEvent(events, e) {
			t.Errorf("no event %q in %q", e, events)
		}
	}
	if got := h.probes.synced[pod.UID]; !slices.Equal(got, []string{"app", "side"}) {
		t.Errorf("probed containers = %v", got)
	}
	hosts, err := os.ReadFile(h.a.etcHostsPath(pod.UID))
	if err != nil || !strings.Contains(string(hosts), p.Status.PodIP+"\tweb\n") {
		t.Errorf("etc-hosts = %q, %v", hosts, err)
	}

	// A second sync changes nothing and writes nothing.
	before := len(h.client.Actions())
	h.sync(pod)
	if calls := h.rt.callLog(); len(calls) != 0 {
		t.Errorf("a sync of a running pod made calls %v", calls)
	}
	for _, a := range h.client.Actions()[before:] {
		if a.GetVerb() != "get" {
			t.Errorf("a sync of a running pod wrote to the API: %v", a)
		}
	}
}

func TestInitContainersInOrder(t *testing.T) {
	h := newHarness(t)
	pod := newPod("web", "app")
	pod.Spec.InitContainers = []corev1.Container{container("init1"), container("init2")}
	h.create(pod)

	h.sync(pod)
	if got := h.rt.running(); !slices.Equal(got, []string{"init1"}) {
		t.Fatalf("running after the first sync: %v", got)
	}
	if p := h.pod(pod); p.Status.Phase != corev1.PodPending || waitingReason(h.status(pod, "app")) != "PodInitializing" {
		t.Errorf("phase %s, app %+v", p.Status.Phase, h.status(pod, "app").State)
	}
	h.rt.exit("init1", 0, "")
	h.sync(pod)
	if got := h.rt.running(); !slices.Equal(got, []string{"init2"}) {
		t.Fatalf("running after init1 completed: %v", got)
	}
	h.rt.exit("init2", 0, "")
	h.sync(pod)
	if got := h.rt.running(); !slices.Equal(got, []string{"app"}) {
		t.Fatalf("running after init2 completed: %v", got)
	}
	p := h.pod(pod)
	if p.Status.Phase != corev1.PodRunning {
		t.Errorf("phase = %s", p.Status.Phase)
	}
	if c := findCondition(p.Status.Conditions, corev1.PodInitialized); c.Status != corev1.ConditionTrue {
		t.Errorf("Initialized = %+v", c)
	}
	if cs := h.status(pod, "init1"); cs.State.Terminated == nil || cs.State.Terminated.Reason != "Completed" {
		t.Errorf("init1 = %+v", cs.State)
	}
}

func TestInitContainerFailsUnderNever(t *testing.T) {
	h := newHarness(t)
	pod := newPod("job", "app")
	pod.Spec.RestartPolicy = corev1.RestartPolicyNever
	pod.Spec.InitContainers = []corev1.Container{container("init")}
	h.create(pod)
	h.sync(pod)
	h.rt.exit("init", 3, "")
	h.sync(pod)
	if p := h.pod(pod); p.Status.Phase != corev1.PodFailed {
		t.Fatalf("phase = %s, want Failed", p.Status.Phase)
	}
	h.rt.callLog()
	h.sync(pod) // the terminal pod's sandbox is stopped, its volumes go
	if calls := h.rt.callLog(); len(calls) != 1 || !strings.HasPrefix(calls[0], "StopPodSandbox") {
		t.Errorf("calls for a failed pod = %v", calls)
	}
	if len(h.vols.teardowns) != 1 {
		t.Errorf("volume teardowns = %v", h.vols.teardowns)
	}
}

func TestCrashLoopBackOff(t *testing.T) {
	h := newHarness(t)
	pod := newPod("crash", "app")
	h.create(pod)
	h.sync(pod)

	// The first exit restarts at once.
	h.rt.exit("app", 1, "")
	h.sync(pod)
	if cs := h.status(pod, "app"); cs.State.Running == nil || cs.RestartCount != 1 || cs.LastTerminationState.Terminated.ExitCode != 1 {
		t.Fatalf("after the first exit: %+v", cs)
	}
	// The next waits 10s in CrashLoopBackOff.
	h.clock.Step(time.Second)
	h.rt.exit("app", 1, "")
	next, _ := h.sync(pod)
	cs := h.status(pod, "app")
	if waitingReason(cs) != "CrashLoopBackOff" || cs.RestartCount != 1 || next != 10*time.Second {
		t.Fatalf("after the second exit: next sync in %v, status %+v", next, cs)
	}
	if p := h.pod(pod); p.Status.Phase != corev1.PodRunning {
		t.Errorf("phase of a crash-looping pod = %s", p.Status.Phase)
	}
	if ev := h.events(); !hasEvent(ev, "Warning BackOff Back-off restarting failed container app in pod crash_default(crash-uid)") {
		t.Errorf("events = %q", ev)
	}
	h.clock.Step(11 * time.Second)
	h.sync(pod)
	if cs := h.status(pod, "app"); cs.State.Running == nil || cs.RestartCount != 2 {
		t.Fatalf("after the back-off: %+v", cs)
	}
	// Then 20s.
	h.rt.exit("app", 1, "")
	if next, _ := h.sync(pod); next != 10*time.Second {
		t.Logf("next = %v", next)
	}
	if msg := h.status(pod, "app").State.Waiting.Message; !strings.HasPrefix(msg, "back-off 20s restarting failed container=app") {
		t.Errorf("waiting message = %q", msg)
	}
	// Old instances are removed; the newest exited one stays for logs --previous.
	if _, n := h.rt.counts(); n != 1 {
		t.Errorf("%d containers kept, want 1", n)
	}
}

func TestRestartPolicies(t *testing.T) {
	for _, tt := range []struct {
		policy corev1.RestartPolicy
		code   int32
		phase  corev1.PodPhase
		starts int
	}{
		{corev1.RestartPolicyAlways, 0, corev1.PodRunning, 2},
		{corev1.RestartPolicyOnFailure, 0, corev1.PodSucceeded, 1},
		{corev1.RestartPolicyOnFailure, 1, corev1.PodRunning, 2},
		{corev1.RestartPolicyNever, 1, corev1.PodFailed, 1},
		{corev1.RestartPolicyNever, 0, corev1.PodSucceeded, 1},
	} {
		t.Run(string(tt.policy)+"/"+string(rune('0'+tt.code)), func(t *testing.T) {
			h := newHarness(t)
			pod := newPod("p", "app")
			pod.Spec.RestartPolicy = tt.policy
			h.create(pod)
			h.sync(pod)
			h.rt.exit("app", tt.code, "")
			h.sync(pod)
			if p := h.pod(pod); p.Status.Phase != tt.phase {
				t.Errorf("phase = %s, want %s", p.Status.Phase, tt.phase)
			}
			starts := 0
			for _, c := range h.rt.callLog() {
				if strings.HasPrefix(c, "StartContainer") {
					starts++
				}
			}
			if starts != tt.starts {
				t.Errorf("%d starts, want %d", starts, tt.starts)
			}
		})
	}
}

func TestOOMKilled(t *testing.T) {
	h := newHarness(t)
	pod := newPod("hog", "app")
	pod.Spec.RestartPolicy = corev1.RestartPolicyNever
	h.create(pod)
	h.sync(pod)
	h.rt.exit("app", 137, "OOMKilled")
	h.sync(pod)
	cs := h.status(pod, "app")
	if cs.State.Terminated == nil || cs.State.Terminated.Reason != "OOMKilled" || cs.State.Terminated.ExitCode != 137 {
		t.Errorf("state = %+v", cs.State)
	}
}

func TestTerminationMessage(t *testing.T) {
	h := newHarness(t)
	pod := newPod("msg", "app")
	pod.Spec.RestartPolicy = corev1.RestartPolicyNever
	h.create(pod)
	h.sync(pod)
	if err := os.WriteFile(h.a.terminationLogPath(pod.UID, "app", 0), []byte("bye"), 0o644); err != nil {
		t.Fatal(err)
	}
	h.rt.exit("app", 2, "")
	h.sync(pod)
	if term := h.status(pod, "app").State.Terminated; term == nil || term.Message != "bye" {
		t.Errorf("terminated = %+v", term)
	}
}

func TestImagePulls(t *testing.T) {
	h := newHarness(t)
	pod := newPod("img", "app")
	pod.Spec.Containers[0].Image = "docker.io/library/missing:1"
	h.create(pod)
	h.sync(pod)
	if cs := h.status(pod, "app"); waitingReason(cs) != "ErrImagePull" || !strings.Contains(cs.State.Waiting.Message, "not found") {
		t.Errorf("after a failed pull: %+v", cs.State)
	}
	ev := h.events()
	for _, e := range []string{`Normal Pulling Pulling image "docker.io/library/missing:1"`,
		`Warning Failed Failed to pull image "docker.io/library/missing:1"`, "Warning Failed Error: ErrImagePull"} {
		if !hasEvent(ev, e) {
			t.Errorf("no event %q in %q", e, ev)
		}
	}
	h.clock.Step(time.Second)
	h.sync(pod)
	if cs := h.status(pod, "app"); waitingReason(cs) != "ImagePullBackOff" {
		t.Errorf("during the back-off: %+v", cs.State)
	}
	if ev := h.events(); !hasEvent(ev, `Normal BackOff Back-off pulling image "docker.io/library/missing:1"`) {
		t.Errorf("events = %q", ev)
	}
	// The image appears (pushed to the registry): the next try pulls it.
	h.rt.pullable["docker.io/library/missing:1"] = true
	h.clock.Step(10 * time.Second)
	h.sync(pod)
	if cs := h.status(pod, "app"); cs.State.Running == nil {
		t.Errorf("after the image appeared: %+v", cs.State)
	}
	if ev := h.events(); !hasEvent(ev, `Normal Pulled Successfully pulled image "docker.io/library/missing:1" in`) {
		t.Errorf("events = %q", ev)
	}

	// Never with a missing image.
	pod2 := newPod("never", "app")
	pod2.Spec.Containers[0].Image, pod2.Spec.Containers[0].ImagePullPolicy = "example.com/absent:2", corev1.PullNever
	h.create(pod2)
	h.sync(pod2)
	if cs := h.status(pod2, "app"); waitingReason(cs) != "ErrImageNeverPull" {
		t.Errorf("Never, missing: %+v", cs.State)
	}
}

func TestPullPolicy(t *testing.T) {
	for image, want := range map[string]corev1.PullPolicy{
		"busybox": corev1.PullAlways, "busybox:latest": corev1.PullAlways, "localhost:5000/busybox": corev1.PullAlways,
		"busybox:1.36": corev1.PullIfNotPresent, "localhost:5000/busybox:1": corev1.PullIfNotPresent,
		"busybox@sha256:abcd": corev1.PullIfNotPresent,
	} {
		if got := pullPolicy(&corev1.Container{Image: image}); got != want {
			t.Errorf("pull policy of %s = %s, want %s", image, got, want)
		}
	}
}

func TestCreateContainerConfigError(t *testing.T) {
	h := newHarness(t)
	pod := newPod("env", "app")
	pod.Spec.Containers[0].Env = []corev1.EnvVar{{Name: "X", ValueFrom: &corev1.EnvVarSource{
		ConfigMapKeyRef: &corev1.ConfigMapKeySelector{LocalObjectReference: corev1.LocalObjectReference{Name: "cfg"}, Key: "k"}}}}
	h.create(pod)
	next, _ := h.sync(pod)
	cs := h.status(pod, "app")
	if waitingReason(cs) != "CreateContainerConfigError" || cs.State.Waiting.Message != `configmap "cfg" not found` {
		t.Errorf("state = %+v", cs.State)
	}
	if ev := h.events(); !hasEvent(ev, `Warning Failed Error: configmap "cfg" not found`) {
		t.Errorf("events = %q", ev)
	}
	if next != h.a.cfg.ResyncPeriod {
		t.Errorf("a failed start is retried in %v, want at the resync", next)
	}
}

func TestGracefulDeletion(t *testing.T) {
	h := newHarness(t)
	pod := newPod("web", "app")
	pod.Spec.Containers[0].Lifecycle = &corev1.Lifecycle{PreStop: &corev1.LifecycleHandler{Exec: &corev1.ExecAction{Command: []string{"sh", "-c", "sleep 1"}}}}
	pod.Spec.TerminationGracePeriodSeconds = ptrTo(int64(20))
	h.create(pod)
	h.sync(pod)
	h.rt.callLog()

	// The API server sets the deletion timestamp and grace period.
	p := h.pod(pod)
	now := metav1.NewTime(t0)
	p.DeletionTimestamp, p.DeletionGracePeriodSeconds = &now, ptrTo(int64(15))
	if _, err := h.client.CoreV1().Pods("default").Update(h.ctx, p, metav1.UpdateOptions{}); err != nil {
		t.Fatal(err)
	}
	h.refresh(pod)
	h.sync(pod)
	calls := h.rt.callLog()
	want := []string{"StopContainer app timeout=15s", "StopPodSandbox", "RemovePodSandbox"}
	if len(calls) != len(want) {
		t.Fatalf("calls = %v", calls)
	}
	for i := range want {
		if !strings.HasPrefix(calls[i], want[i]) {
			t.Errorf("call %d = %q, want %q", i, calls[i], want[i])
		}
	}
	if !slices.Equal(h.probes.hooks, []string{"sh -c sleep 1"}) {
		t.Errorf("hooks run: %v", h.probes.hooks)
	}
	if ev := h.events(); !hasEvent(ev, "Normal Killing Stopping container app") {
		t.Errorf("events = %q", ev)
	}
	if len(h.vols.teardowns) == 0 {
		t.Error("volumes not torn down")
	}
	if _, err := h.client.CoreV1().Pods("default").Get(h.ctx, "web", metav1.GetOptions{}); err == nil {
		t.Error("the pod object was not deleted")
	}
	if _, err := os.Stat(h.a.podLogDir(pod)); !os.IsNotExist(err) {
		t.Errorf("log dir left: %v", err)
	}
	// The worker ends once the pod is gone.
	if _, done := h.sync(pod); !done {
		t.Error("worker not done after the pod was deleted")
	}
}

func TestForceDeletedPodIsCleanedUp(t *testing.T) {
	h := newHarness(t)
	pod := newPod("web", "app")
	h.create(pod)
	h.sync(pod)
	h.rt.callLog()
	if err := h.client.CoreV1().Pods("default").Delete(h.ctx, "web", metav1.DeleteOptions{}); err != nil {
		t.Fatal(err)
	}
	h.refresh(pod)
	if _, done := h.sync(pod); !done {
		t.Error("worker not done")
	}
	if sb, c := h.rt.counts(); sb != 0 || c != 0 {
		t.Errorf("%d sandboxes and %d containers left", sb, c)
	}
}

func TestAdoptionDoesNotRestart(t *testing.T) {
	h := newHarness(t)
	pod := newPod("web", "app")
	h.create(pod)
	h.sync(pod)
	h.rt.callLog()

	// A new agent on the same runtime (the old one was killed).
	h2 := newHarness(t)
	h2.rt, h2.client = h.rt, h.client
	h2.a.rt, h2.a.obs, h2.a.cfg.Client = h.rt, newObserver(h.rt), h.client
	h2.refresh(pod)
	h2.sync(pod)
	if calls := h.rt.callLog(); len(calls) != 0 {
		t.Errorf("the new agent made calls %v", calls)
	}
	if cs := h2.status(pod, "app"); cs.State.Running == nil || cs.RestartCount != 0 {
		t.Errorf("status after adoption = %+v", cs)
	}
}

func TestLivenessKill(t *testing.T) {
	h := newHarness(t)
	pod := newPod("live", "app")
	h.create(pod)
	h.sync(pod)
	id := strings.TrimPrefix(h.status(pod, "app").ContainerID, "containerd://")
	h.probes.liveness["app"] = id
	h.rt.callLog()
	h.sync(pod)
	calls := h.rt.callLog()
	if len(calls) != 3 || !strings.HasPrefix(calls[0], "StopContainer app") || calls[2] != "StartContainer app" {
		t.Errorf("calls = %v", calls)
	}
	if ev := h.events(); !hasEvent(ev, "Normal Killing Container app failed liveness probe, will be restarted") {
		t.Errorf("events = %q", ev)
	}
	if cs := h.status(pod, "app"); cs.RestartCount != 1 || cs.State.Running == nil {
		t.Errorf("status = %+v", cs)
	}
}

func TestPostStartHookFailure(t *testing.T) {
	h := newHarness(t)
	pod := newPod("hook", "app")
	pod.Spec.Containers[0].Lifecycle = &corev1.Lifecycle{PostStart: &corev1.LifecycleHandler{Exec: &corev1.ExecAction{Command: []string{"false"}}}}
	h.probes.hookErr = errHook
	h.create(pod)
	h.sync(pod)
	if ev := h.events(); !hasEvent(ev, "Warning FailedPostStartHook hook failed") {
		t.Errorf("events = %q", ev)
	}
	if got := h.rt.running(); len(got) != 0 {
		t.Errorf("still running: %v", got)
	}
	if cs := h.status(pod, "app"); waitingReason(cs) != "PostStartHookError" {
		t.Errorf("state = %+v", cs.State)
	}
}

func TestSandboxRecreated(t *testing.T) {
	h := newHarness(t)
	pod := newPod("web", "app")
	h.create(pod)
	h.sync(pod)
	old := h.pod(pod).Status.PodIP
	sbs, _ := h.rt.ListPodSandbox(h.ctx, nil)
	h.rt.killSandbox(sbs[0].Id)
	h.rt.callLog()
	h.sync(pod)
	calls := h.rt.callLog()
	if !slices.Contains(calls, "RunPodSandbox web attempt=1") || !slices.Contains(calls, "StartContainer app") {
		t.Errorf("calls = %v", calls)
	}
	p := h.pod(pod)
	if cs := h.status(pod, "app"); cs.RestartCount != 1 || cs.State.Running == nil || p.Status.PodIP == old {
		t.Errorf("after the sandbox died: podIP %s (was %s), %+v", p.Status.PodIP, old, cs)
	}
	if ev := h.events(); !hasEvent(ev, "Normal SandboxChanged") {
		t.Errorf("events = %q", ev)
	}
}

func TestVolumeFailure(t *testing.T) {
	h := newHarness(t)
	h.vols.setupErr = errors.New(`configmap "x" not found`)
	pod := newPod("vol", "app")
	h.create(pod)
	next, _ := h.sync(pod)
	if next != time.Second {
		t.Errorf("retry in %v, want 1s", next)
	}
	if cs := h.status(pod, "app"); waitingReason(cs) != "ContainerCreating" {
		t.Errorf("state = %+v", cs.State)
	}
	if ev := h.events(); !hasEvent(ev, `Warning FailedMount configmap "x" not found`) {
		t.Errorf("events = %q", ev)
	}
	if sb, _ := h.rt.counts(); sb != 0 {
		t.Error("a sandbox was made before the volumes")
	}
}

func TestPodsInterface(t *testing.T) {
	h := newHarness(t)
	pod := newPod("web", "app")
	h.create(pod)
	h.sync(pod)
	h.rt.exit("app", 1, "")
	h.sync(pod)
	cur, err := h.a.Container(h.ctx, "default", "web", "app", false)
	if err != nil || !cur.Running || !strings.HasSuffix(cur.LogPath, "app/1.log") {
		t.Errorf("current = %+v, %v", cur, err)
	}
	prev, err := h.a.Container(h.ctx, "default", "web", "app", true)
	if err != nil || prev.Running || !strings.HasSuffix(prev.LogPath, "app/0.log") || prev.ID == cur.ID {
		t.Errorf("previous = %+v, %v", prev, err)
	}
	if _, err := h.a.Container(h.ctx, "default", "nope", "app", false); err == nil || !strings.Contains(err.Error(), "not found") {
		t.Errorf("missing pod: %v", err)
	}
	if _, err := h.a.Container(h.ctx, "default", "web", "nope", false); err == nil {
		t.Error("missing container: no error")
	}
	if id, err := h.a.Sandbox(h.ctx, "default", "web"); err != nil || id == "" {
		t.Errorf("sandbox = %q, %v", id, err)
	}
}

func TestActiveDeadline(t *testing.T) {
	h := newHarness(t)
	pod := newPod("dl", "app")
	pod.Spec.ActiveDeadlineSeconds = ptrTo(int64(30))
	h.create(pod)
	h.sync(pod)
	h.clock.Step(20 * time.Second)
	if next, _ := h.sync(pod); next > 10*time.Second {
		t.Errorf("next sync in %v", next)
	}
	if p := h.pod(pod); p.Status.Phase != corev1.PodRunning {
		t.Fatalf("phase before the deadline = %s", p.Status.Phase)
	}
	h.clock.Step(10 * time.Second)
	h.sync(pod)
	p := h.pod(pod)
	if p.Status.Phase != corev1.PodFailed || p.Status.Reason != "DeadlineExceeded" || len(h.rt.running()) != 0 {
		t.Errorf("after the deadline: phase %s reason %q, running %v", p.Status.Phase, p.Status.Reason, h.rt.running())
	}
	if term := h.status(pod, "app").State.Terminated; term == nil {
		t.Errorf("container not terminated: %+v", h.status(pod, "app").State)
	}
}
