package bench

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/watch"
	"k8s.io/client-go/kubernetes/fake"
	k8stesting "k8s.io/client-go/testing"
)

// fakeCluster plays the controllers, scheduler and kubelets for a fake
// clientset: each Deployment created gets its pods, created Pending,
// then bound, then Running; each one deleted loses them.
type fakeCluster struct {
	client *fake.Clientset
	ns     string
}

func (f fakeCluster) run(ctx context.Context, deps watch.Interface, podsWatched <-chan struct{}) error {
	defer deps.Stop()
	select {
	case <-podsWatched: // the benchmark's informer must not miss our pods
	case <-ctx.Done():
		return nil
	}
	for {
		select {
		case <-ctx.Done():
			return nil
		case ev := <-deps.ResultChan():
			d, ok := ev.Object.(*appsv1.Deployment)
			if !ok {
				continue
			}
			var err error
			switch ev.Type {
			case watch.Added:
				err = f.startPods(ctx, d)
			case watch.Deleted:
				err = f.deletePods(ctx, d)
			}
			if err != nil {
				return err
			}
		}
	}
}

// deletePods deletes one by one: the fake's deletecollection sends no
// watch events.
func (f fakeCluster) deletePods(ctx context.Context, d *appsv1.Deployment) error {
	pods := f.client.CoreV1().Pods(f.ns)
	l, err := pods.List(ctx, metav1.ListOptions{LabelSelector: labelDeployment + "=" + d.Name})
	if err != nil {
		return err
	}
	for _, p := range l.Items {
		if err := pods.Delete(ctx, p.Name, metav1.DeleteOptions{}); err != nil {
			return err
		}
	}
	return nil
}

func (f fakeCluster) startPods(ctx context.Context, d *appsv1.Deployment) error {
	pods := f.client.CoreV1().Pods(f.ns)
	for i := range *d.Spec.Replicas {
		p := &corev1.Pod{ObjectMeta: d.Spec.Template.ObjectMeta, Spec: d.Spec.Template.Spec}
		p.Name = fmt.Sprintf("%s-%d", d.Name, i)
		p.UID = types.UID("uid-" + p.Name)
		p.Status.Phase = corev1.PodPending
		p, err := pods.Create(ctx, p, metav1.CreateOptions{})
		if err != nil {
			return err
		}
		p.Spec.NodeName, p.Status.Phase = "n1", corev1.PodRunning
		if _, err := pods.Update(ctx, p, metav1.UpdateOptions{}); err != nil {
			return err
		}
	}
	return nil
}

func TestRunScaleAgainstFakeCluster(t *testing.T) {
	const ns = "scale"
	node := &corev1.Node{ObjectMeta: metav1.ObjectMeta{Name: "n1"}, Status: corev1.NodeStatus{
		Conditions: []corev1.NodeCondition{{Type: corev1.NodeReady, Status: corev1.ConditionTrue}}}}
	sa := &corev1.ServiceAccount{ObjectMeta: metav1.ObjectMeta{Name: "default", Namespace: ns}}
	client := fake.NewClientset(node, sa)
	podsWatched := make(chan struct{})
	client.PrependWatchReactor("pods", func(a k8stesting.Action) (bool, watch.Interface, error) {
		w, err := client.Tracker().Watch(a.GetResource(), a.GetNamespace())
		close(podsWatched) // the run opens one pod watch
		return true, w, err
	})
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	deps, err := client.AppsV1().Deployments(ns).Watch(ctx, metav1.ListOptions{})
	if err != nil {
		t.Fatal(err)
	}
	clusterErr := make(chan error, 1)
	go func() { clusterErr <- fakeCluster{client, ns}.run(ctx, deps, podsWatched) }()

	rep, err := RunScale(ctx, ScaleConfig{Client: client, Namespace: ns, Deployments: 3, Replicas: 5, Concurrency: 2,
		Timeout: 20 * time.Second, ProbeInterval: 5 * time.Millisecond, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	cancel()
	if err != nil {
		t.Fatalf("RunScale: %v", err)
	}
	if err := <-clusterErr; err != nil {
		t.Fatalf("fake cluster: %v", err)
	}
	checkScaleReport(t, rep)
	left, err := client.AppsV1().Deployments(ns).List(context.Background(), metav1.ListOptions{})
	if err != nil || len(left.Items) != 0 {
		t.Errorf("deployments left after clean-up: %v (err %v)", left, err)
	}
}

func checkScaleReport(t *testing.T, rep ScaleReport) {
	t.Helper()
	if rep.Pods != 15 || rep.ReadyNodes != 1 || rep.Create.Ops != 3 || rep.Delete.Ops != 3 {
		t.Errorf("pods %d, ready nodes %d, creates %d, deletes %d; want 15, 1, 3, 3", rep.Pods, rep.ReadyNodes, rep.Create.Ops, rep.Delete.Ops)
	}
	if len(rep.Stages) != numStages {
		t.Fatalf("stages = %+v", rep.Stages)
	}
	for _, s := range rep.Stages {
		if s.Count != 15 || s.All < 0 || s.All < s.P50 {
			t.Errorf("stage %+v: want 15 pods, all reached", s)
		}
	}
	if rep.Running() < 0 || !rep.Cleaned || rep.PodsLeft != 0 {
		t.Errorf("running at %v, cleaned %v, pods left %d", rep.Running(), rep.Cleaned, rep.PodsLeft)
	}
	if len(rep.Probes) != 2 || rep.Probes[0].Ops == 0 || rep.Probes[1].Ops == 0 || rep.Probes[0].Errors+rep.Probes[1].Errors != 0 {
		t.Errorf("probes = %+v", rep.Probes)
	}
	last := rep.Timeline[len(rep.Timeline)-1]
	if fmt.Sprint(last.Counts) != "[15 15 15]" {
		t.Errorf("timeline ends with %v, want every pod in every stage", last)
	}
	var b strings.Builder
	if err := rep.WriteTable(&b); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"3 deployments × 5 replicas = 15 pods on 1 nodes", "running", "probe get", "probe list limit=1", "all pods gone"} {
		if !strings.Contains(b.String(), want) {
			t.Errorf("table lacks %q:\n%s", want, b.String())
		}
	}
}
