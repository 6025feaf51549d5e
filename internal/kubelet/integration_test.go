package kubelet

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/netip"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/fields"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/watch"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/tools/record"
	criapi "k8s.io/cri-api/pkg/apis/runtime/v1"
)

const (
	latencyPods = 8
	burstPods   = 30
)

// TestAgentOnContainerd runs the agent on a real containerd against skiff's
// API server in this process: pods start (and how fast: create to
// Running), a crashing container restarts with back-off, a container over
// its memory limit is OOMKilled, a restarted agent adopts running pods
// without restarting them, and deleted pods go away.
func TestAgentOnContainerd(t *testing.T) {
	requireNode(t)
	dir, err := os.MkdirTemp("", "skk")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	ctx, cancel := context.WithTimeout(context.Background(), 4*time.Minute)
	defer cancel()
	client := startAPIServer(ctx, t, filepath.Join(dir, "api"))
	n := startNode(ctx, t, filepath.Join(dir, "node"))
	agentDir := filepath.Join(dir, "agent")

	stop := runAgent(ctx, t, client, n, agentDir)
	t.Run("latency", func(t *testing.T) { checkLatency(ctx, t, client, agentDir) })
	t.Run("burst", func(t *testing.T) { checkBurst(ctx, t, client) })
	t.Run("crashloop", func(t *testing.T) { checkCrashLoop(ctx, t, client) })
	t.Run("oom", func(t *testing.T) { checkOOM(ctx, t, client) })

	// Kill the agent (not the containers) and start another: it adopts.
	keep := createPod(ctx, t, client, sleeper("keep"))
	before := waitRunning(ctx, t, client, keep)
	stop()
	stop = runAgent(ctx, t, client, n, agentDir)
	checkAdopted(ctx, t, client, n, keep, before)

	deleteAndWait(ctx, t, client, n, keep)
	stop()
}

// runAgent starts an agent and returns the function that stops it (and
// waits for Run to return).
func runAgent(ctx context.Context, t *testing.T, client kubernetes.Interface, n *testNode, dir string) func() {
	t.Helper()
	a, err := New(Config{
		Client: client, NodeName: "node1", NodeIP: "192.0.2.1", DataDir: dir,
		Runtime: n.cri, RuntimeSocket: n.ctd.Socket(), Configs: criConfigs{client}, Volumes: &fakeVolumes{},
		NewProbes: func(record.EventRecorder, func(types.UID)) Probes { return newFakeProbes() },
		PodCIDRs:  func() []string { return []string{n.podCIDR} },
		Logger:    testAgentLogger(t),
	})
	if err != nil {
		t.Fatal(err)
	}
	actx, cancel := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() { done <- a.Run(actx) }()
	stopped := false
	stop := func() {
		if stopped {
			return
		}
		stopped = true
		cancel()
		if err := <-done; err != nil {
			t.Errorf("agent: %v", err)
		}
	}
	t.Cleanup(stop)
	return stop
}

// testAgentLogger discards the agent's log unless SKIFF_TEST_LOG is set
// (then it goes to the test's log, with debug lines).
func testAgentLogger(t *testing.T) *slog.Logger {
	if os.Getenv("SKIFF_TEST_LOG") == "" {
		return slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	return slog.New(slog.NewTextHandler(testWriter{t}, &slog.HandlerOptions{Level: slog.LevelDebug}))
}

func sleeper(name string) *corev1.Pod {
	pod := &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: "default"}, Spec: corev1.PodSpec{
		NodeName: "node1", TerminationGracePeriodSeconds: ptrTo(int64(10)),
		// Volumes are package volume's to test; these pods have none.
		AutomountServiceAccountToken: ptrTo(false),
		Containers: []corev1.Container{{Name: "main", Image: nodeImage,
			// PID 1 ignores SIGTERM unless it traps it.
			Command: []string{"sh", "-c", `trap "exit 0" TERM; echo started; sleep 3600 & wait`}}},
	}}
	return pod
}

func createPod(ctx context.Context, t *testing.T, client kubernetes.Interface, pod *corev1.Pod) *corev1.Pod {
	t.Helper()
	out, err := client.CoreV1().Pods(pod.Namespace).Create(ctx, pod, metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// watchPod waits until cond holds for the pod and returns it.
func watchPod(ctx context.Context, t *testing.T, client kubernetes.Interface, pod *corev1.Pod, what string, cond func(*corev1.Pod) bool) *corev1.Pod {
	t.Helper()
	pods := client.CoreV1().Pods(pod.Namespace)
	cur, err := pods.Get(ctx, pod.Name, metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if cond(cur) {
		return cur
	}
	w, err := pods.Watch(ctx, metav1.ListOptions{FieldSelector: fields.OneTermEqualSelector("metadata.name", pod.Name).String(),
		ResourceVersion: cur.ResourceVersion})
	if err != nil {
		t.Fatal(err)
	}
	defer w.Stop()
	for ev := range w.ResultChan() {
		if p, ok := ev.Object.(*corev1.Pod); ok && ev.Type == watch.Modified && cond(p) {
			return p
		}
	}
	t.Fatalf("pod %s: watch ended before %s (last: %+v)", pod.Name, what, cur.Status)
	return nil
}

func waitRunning(ctx context.Context, t *testing.T, client kubernetes.Interface, pod *corev1.Pod) *corev1.Pod {
	t.Helper()
	return watchPod(ctx, t, client, pod, "Running", func(p *corev1.Pod) bool { return p.Status.Phase == corev1.PodRunning })
}

func checkLatency(ctx context.Context, t *testing.T, client kubernetes.Interface, agentDir string) {
	var took []time.Duration
	for i := range latencyPods {
		pod := sleeper(fmt.Sprintf("lat-%d", i))
		start := time.Now()
		pod = createPod(ctx, t, client, pod)
		running := waitRunning(ctx, t, client, pod)
		took = append(took, time.Since(start))
		ip, err := netip.ParseAddr(running.Status.PodIP)
		if err != nil || !netip.MustParsePrefix(nodePodCIDR).Contains(ip) {
			t.Errorf("pod IP %q is not in %s", running.Status.PodIP, nodePodCIDR)
		}
		cs := running.Status.ContainerStatuses[0]
		if cs.State.Running == nil || !cs.Ready || !strings.HasPrefix(cs.ContainerID, "containerd://") ||
			findCondition(running.Status.Conditions, corev1.PodReady).Status != corev1.ConditionTrue {
			t.Errorf("running pod's status: %+v", running.Status)
		}
		if i == 0 {
			checkLog(ctx, t, agentDir, running, "stdout F started")
		}
	}
	slices.Sort(took)
	t.Logf("create to Running over %d pods one at a time: p50 %v, max %v (all: %v)",
		latencyPods, took[len(took)/2].Round(time.Millisecond), took[len(took)-1].Round(time.Millisecond), took)
	start := time.Now()
	for i := range latencyPods {
		if err := client.CoreV1().Pods("default").Delete(ctx, fmt.Sprintf("lat-%d", i), metav1.DeleteOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	waitFor(ctx, t, "the deleted pods to be gone", func() bool {
		l, err := client.CoreV1().Pods("default").List(ctx, metav1.ListOptions{})
		return err == nil && !slices.ContainsFunc(l.Items, func(p corev1.Pod) bool { return strings.HasPrefix(p.Name, "lat-") })
	})
	t.Logf("%d pods deleted gracefully (SIGTERM trapped) in %v", latencyPods, time.Since(start).Round(time.Millisecond))
}

// checkBurst creates burstPods pods at once and times until all run.
func checkBurst(ctx context.Context, t *testing.T, client kubernetes.Interface) {
	pods := client.CoreV1().Pods("default")
	w, err := pods.Watch(ctx, metav1.ListOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer w.Stop()
	start := time.Now()
	for i := range burstPods {
		go func() {
			if _, err := pods.Create(ctx, sleeper(fmt.Sprintf("burst-%d", i)), metav1.CreateOptions{}); err != nil {
				t.Error(err)
			}
		}()
	}
	running := map[string]time.Duration{}
	for ev := range w.ResultChan() {
		p, ok := ev.Object.(*corev1.Pod)
		if ok && strings.HasPrefix(p.Name, "burst-") && p.Status.Phase == corev1.PodRunning && running[p.Name] == 0 {
			running[p.Name] = time.Since(start)
			if len(running) == burstPods {
				break
			}
		}
	}
	if len(running) < burstPods {
		t.Fatalf("only %d of %d pods ran", len(running), burstPods)
	}
	t.Logf("%d pods created at once all Running after %v", burstPods, time.Since(start).Round(time.Millisecond))
	if err := pods.DeleteCollection(ctx, metav1.DeleteOptions{}, metav1.ListOptions{}); err != nil {
		t.Fatal(err)
	}
	waitFor(ctx, t, "the burst pods to be gone", func() bool {
		l, err := pods.List(ctx, metav1.ListOptions{})
		return err == nil && len(l.Items) == 0
	})
	t.Logf("and deleted %v after", time.Since(start).Round(time.Millisecond))
}

// checkLog reads the container's CRI log file on the host.
func checkLog(ctx context.Context, t *testing.T, agentDir string, pod *corev1.Pod, want string) {
	t.Helper()
	path := filepath.Join(agentDir, "logs", "default_"+pod.Name+"_"+string(pod.UID), "main", "0.log")
	waitFor(ctx, t, "the container's log", func() bool {
		b, err := os.ReadFile(path)
		return err == nil && strings.Contains(string(b), want)
	})
}

func checkCrashLoop(ctx context.Context, t *testing.T, client kubernetes.Interface) {
	pod := sleeper("crash")
	pod.Spec.Containers[0].Command = []string{"sh", "-c", "echo boom; exit 3"}
	pod = createPod(ctx, t, client, pod)
	start := time.Now()
	p := watchPod(ctx, t, client, pod, "CrashLoopBackOff", func(p *corev1.Pod) bool {
		cs := p.Status.ContainerStatuses
		return len(cs) == 1 && cs[0].State.Waiting != nil && cs[0].State.Waiting.Reason == "CrashLoopBackOff"
	})
	cs := p.Status.ContainerStatuses[0]
	if cs.RestartCount != 1 || cs.LastTerminationState.Terminated == nil || cs.LastTerminationState.Terminated.ExitCode != 3 ||
		cs.LastTerminationState.Terminated.Reason != "Error" || p.Status.Phase != corev1.PodRunning {
		t.Errorf("crash-looping pod: phase %s, %+v", p.Status.Phase, cs)
	}
	t.Logf("first exit, immediate restart, second exit, CrashLoopBackOff after %v", time.Since(start).Round(time.Millisecond))
	p = watchPod(ctx, t, client, pod, "the restart after the back-off", func(p *corev1.Pod) bool {
		return p.Status.ContainerStatuses[0].RestartCount >= 2
	})
	if waited := time.Since(start); waited < 9*time.Second {
		t.Errorf("second restart after %v: no back-off", waited)
	}
	t.Logf("second restart %v after the pod was created (10s back-off)", time.Since(start).Round(time.Millisecond))
	deleteAndWait(ctx, t, client, nil, pod)
}

func checkOOM(ctx context.Context, t *testing.T, client kubernetes.Interface) {
	pod := sleeper("hog")
	pod.Spec.RestartPolicy = corev1.RestartPolicyNever
	pod.Spec.Containers[0].Command = []string{"sh", "-c", `a=xxxxxxxx; while true; do a="$a$a"; done`}
	pod.Spec.Containers[0].Resources.Limits = corev1.ResourceList{corev1.ResourceMemory: resource.MustParse("24Mi")}
	pod = createPod(ctx, t, client, pod)
	p := watchPod(ctx, t, client, pod, "Failed", func(p *corev1.Pod) bool { return p.Status.Phase == corev1.PodFailed })
	term := p.Status.ContainerStatuses[0].State.Terminated
	if term == nil || term.Reason != "OOMKilled" || term.ExitCode != 137 {
		t.Errorf("container over its memory limit: %+v", p.Status.ContainerStatuses[0].State)
	}
	deleteAndWait(ctx, t, client, nil, pod)
}

// checkAdopted checks that a new agent left the running pod alone.
func checkAdopted(ctx context.Context, t *testing.T, client kubernetes.Interface, n *testNode, pod, before *corev1.Pod) {
	// Give the new agent time for its first syncs of the pod.
	deadline := time.Now().Add(2 * time.Second)
	for time.Now().Before(deadline) {
		select {
		case <-ctx.Done():
			t.Fatal(ctx.Err())
		case <-time.After(100 * time.Millisecond):
		}
	}
	after, err := client.CoreV1().Pods(pod.Namespace).Get(ctx, pod.Name, metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	b, a := before.Status.ContainerStatuses[0], after.Status.ContainerStatuses[0]
	if a.ContainerID != b.ContainerID || a.RestartCount != 0 || a.State.Running == nil || after.Status.PodIP != before.Status.PodIP {
		t.Errorf("after the agent restarted: %+v (before: %+v)", a, b)
	}
	sbs, err := n.cri.ListPodSandbox(ctx, &criapi.PodSandboxFilter{LabelSelector: map[string]string{labelPodUID: string(pod.UID)}})
	if err != nil || len(sbs) != 1 {
		t.Errorf("sandboxes of the adopted pod: %d (%v)", len(sbs), err)
	}
}

// deleteAndWait deletes a pod gracefully and waits until the agent removed
// it from the API (and, with n, from the runtime).
func deleteAndWait(ctx context.Context, t *testing.T, client kubernetes.Interface, n *testNode, pod *corev1.Pod) {
	t.Helper()
	start := time.Now()
	if err := client.CoreV1().Pods(pod.Namespace).Delete(ctx, pod.Name, metav1.DeleteOptions{}); err != nil {
		t.Fatal(err)
	}
	waitFor(ctx, t, "pod "+pod.Name+" to be deleted", func() bool {
		_, err := client.CoreV1().Pods(pod.Namespace).Get(ctx, pod.Name, metav1.GetOptions{})
		return err != nil
	})
	if n != nil {
		sbs, err := n.cri.ListPodSandbox(ctx, &criapi.PodSandboxFilter{LabelSelector: map[string]string{labelPodUID: string(pod.UID)}})
		if err != nil || len(sbs) != 0 {
			t.Errorf("sandboxes left of the deleted pod: %d (%v)", len(sbs), err)
		}
	}
	t.Logf("pod %s deleted in %v", pod.Name, time.Since(start).Round(time.Millisecond))
}
