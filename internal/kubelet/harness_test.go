package kubelet

import (
	"context"
	"log/slog"
	"slices"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/kubernetes/fake"
	"k8s.io/client-go/tools/record"
	testingclock "k8s.io/utils/clock/testing"
)

// harness drives an Agent's pod syncs one at a time against the fake
// runtime and a fake API, without goroutines: each sync is called
// directly, and the pod cache is refreshed from the API after it (as the
// informer would).
type harness struct {
	t      *testing.T
	ctx    context.Context
	a      *Agent
	rt     *fakeRuntime
	probes *fakeProbes
	vols   *fakeVolumes
	client *fake.Clientset
	clock  *testingclock.FakeClock
	rec    *record.FakeRecorder
	w      map[types.UID]*podWorker
}

func newHarness(t *testing.T) *harness {
	t.Helper()
	clk := testingclock.NewFakeClock(t0)
	h := &harness{t: t, ctx: context.Background(), rt: newFakeRuntime(clk), probes: newFakeProbes(), vols: &fakeVolumes{},
		client: fake.NewClientset(), clock: clk, rec: record.NewFakeRecorder(1000), w: map[types.UID]*podWorker{}}
	a, err := New(Config{
		Client: h.client, NodeName: "node1", NodeIP: "192.0.2.1", DataDir: t.TempDir(), Runtime: h.rt,
		Configs: fakeConfigs{}, Volumes: h.vols, Recorder: h.rec, Clock: clk,
		NewProbes: func(_ record.EventRecorder, onChange func(types.UID)) Probes {
			h.probes.onChange = onChange
			return h.probes
		},
		Logger: slog.New(slog.NewTextHandler(testWriter{t}, nil)),
	})
	if err != nil {
		t.Fatal(err)
	}
	h.a = a
	return h
}

type testWriter struct{ t *testing.T }

func (w testWriter) Write(p []byte) (int, error) {
	w.t.Log(strings.TrimSpace(string(p)))
	return len(p), nil
}

// newPod is a pod on node1 with one busybox container "app" per name given.
func newPod(name string, containers ...string) *corev1.Pod {
	pod := &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: "default", UID: types.UID(name + "-uid")},
		Spec:       corev1.PodSpec{NodeName: "node1", RestartPolicy: corev1.RestartPolicyAlways},
	}
	for _, c := range containers {
		pod.Spec.Containers = append(pod.Spec.Containers, container(c))
	}
	return pod
}

func container(name string) corev1.Container {
	return corev1.Container{Name: name, Image: testImage, ImagePullPolicy: corev1.PullIfNotPresent,
		TerminationMessagePath: "/dev/termination-log", TerminationMessagePolicy: corev1.TerminationMessageReadFile}
}

// create adds the pod to the API and the cache.
func (h *harness) create(pod *corev1.Pod) {
	h.t.Helper()
	if _, err := h.client.CoreV1().Pods(pod.Namespace).Create(h.ctx, pod, metav1.CreateOptions{}); err != nil {
		h.t.Fatal(err)
	}
	h.refresh(pod)
}

// refresh copies the API's pod into the cache (or drops it when gone).
func (h *harness) refresh(pod *corev1.Pod) {
	h.t.Helper()
	cur, err := h.client.CoreV1().Pods(pod.Namespace).Get(h.ctx, pod.Name, metav1.GetOptions{})
	idx := h.a.pods.GetIndexer()
	if err != nil {
		if err := idx.Delete(pod); err != nil {
			h.t.Fatal(err)
		}
		return
	}
	if err := idx.Update(cur); err != nil {
		h.t.Fatal(err)
	}
}

// sync runs one sync of the pod and returns when it asked to run again.
func (h *harness) sync(pod *corev1.Pod) (time.Duration, bool) {
	h.t.Helper()
	w := h.w[pod.UID]
	if w == nil {
		w = newPodWorker(pod.UID)
		h.w[pod.UID] = w
	}
	next, done := h.a.syncOnce(h.ctx, w)
	h.refresh(pod)
	return next, done
}

// pod reads the pod from the API.
func (h *harness) pod(pod *corev1.Pod) *corev1.Pod {
	h.t.Helper()
	p, err := h.client.CoreV1().Pods(pod.Namespace).Get(h.ctx, pod.Name, metav1.GetOptions{})
	if err != nil {
		h.t.Fatal(err)
	}
	return p
}

// status is the API's status of one container of the pod.
func (h *harness) status(pod *corev1.Pod, name string) corev1.ContainerStatus {
	h.t.Helper()
	p := h.pod(pod)
	if cs := findStatus(p.Status.ContainerStatuses, name); cs != nil {
		return *cs
	}
	if cs := findStatus(p.Status.InitContainerStatuses, name); cs != nil {
		return *cs
	}
	h.t.Fatalf("no status of container %s in %+v", name, p.Status)
	return corev1.ContainerStatus{}
}

// events returns the events recorded so far and forgets them.
func (h *harness) events() []string {
	var out []string
	for {
		select {
		case e := <-h.rec.Events:
			out = append(out, e)
		default:
			return out
		}
	}
}

// hasEvent says whether one of events starts with prefix.
func hasEvent(events []string, prefix string) bool {
	return slices.ContainsFunc(events, func(e string) bool { return strings.HasPrefix(e, prefix) })
}

func waitingReason(cs corev1.ContainerStatus) string {
	if cs.State.Waiting == nil {
		return ""
	}
	return cs.State.Waiting.Reason
}
