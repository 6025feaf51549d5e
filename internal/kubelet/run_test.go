package kubelet

import (
	"context"
	"log/slog"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/kubernetes/fake"
	"k8s.io/client-go/tools/record"
	criapi "k8s.io/cri-api/pkg/apis/runtime/v1"
	"k8s.io/utils/clock"
)

// TestRun drives the whole agent (informer, workers, relist, adoption)
// on the fake runtime and a fake API: an orphan left in the runtime is
// removed, a pod runs, and a graceful deletion finishes.
func TestRun(t *testing.T) {
	rt := newFakeRuntime(clock.RealClock{})
	// An orphan: a sandbox and container of a pod the API does not have.
	orphan := &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: "gone", Namespace: "default", UID: "gone-uid"}}
	sbCfg, _ := fakeConfigs{}.Sandbox(orphan, SandboxOptions{})
	sbCfg.Labels = podLabels(orphan)
	sb, _ := rt.RunPodSandbox(context.Background(), sbCfg, "")
	_, _ = rt.CreateContainer(context.Background(), sb, &criapi.ContainerConfig{Metadata: &criapi.ContainerMetadata{Name: "x"},
		Image: &criapi.ImageSpec{Image: "sha256:busybox"}, Labels: podLabels(orphan)}, sbCfg)

	client := fake.NewClientset()
	probes := newFakeProbes()
	a, err := New(Config{
		Client: client, NodeName: "node1", NodeIP: "192.0.2.1", DataDir: t.TempDir(), Runtime: rt,
		Configs: fakeConfigs{}, Volumes: &fakeVolumes{}, Recorder: record.NewFakeRecorder(1000),
		NewProbes:    func(record.EventRecorder, func(types.UID)) Probes { return probes },
		ResyncPeriod: 200 * time.Millisecond, RelistPeriod: 100 * time.Millisecond,
		Logger: slog.New(slog.NewTextHandler(testWriter{t}, nil)),
	})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	runCtx, stop := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() { done <- a.Run(runCtx) }()

	pods := client.CoreV1().Pods("default")
	pod := newPod("web", "app")
	if _, err := pods.Create(ctx, pod, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	waitFor(ctx, t, "the pod to run", func() bool {
		p, err := pods.Get(ctx, "web", metav1.GetOptions{})
		return err == nil && p.Status.Phase == corev1.PodRunning
	})
	waitFor(ctx, t, "the orphan to be removed", func() bool {
		sbs, _ := rt.ListPodSandbox(ctx, &criapi.PodSandboxFilter{LabelSelector: map[string]string{labelPodUID: "gone-uid"}})
		return len(sbs) == 0
	})

	p, err := pods.Get(ctx, "web", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	now := metav1.Now()
	p.DeletionTimestamp, p.DeletionGracePeriodSeconds = &now, ptrTo(int64(1))
	if _, err := pods.Update(ctx, p, metav1.UpdateOptions{}); err != nil {
		t.Fatal(err)
	}
	waitFor(ctx, t, "the pod to be deleted", func() bool {
		_, err := pods.Get(ctx, "web", metav1.GetOptions{})
		return err != nil
	})
	waitFor(ctx, t, "the runtime to be empty", func() bool {
		sbs, ctrs := rt.counts()
		return sbs == 0 && ctrs == 0
	})
	waitFor(ctx, t, "the worker to end", func() bool {
		a.mu.Lock()
		defer a.mu.Unlock()
		return len(a.workers) == 0
	})
	stop()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
}
