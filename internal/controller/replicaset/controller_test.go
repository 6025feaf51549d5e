package replicaset

import (
	"context"
	"fmt"
	"sync/atomic"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/client-go/informers"
	"k8s.io/client-go/kubernetes/fake"
	k8stesting "k8s.io/client-go/testing"
	"k8s.io/utils/ptr"
)

// fakeClient is a fake clientset that, like the API server, fills in
// generateName.
func fakeClient(objs ...runtime.Object) *fake.Clientset {
	cs := fake.NewSimpleClientset(objs...)
	var n atomic.Int64
	cs.PrependReactor("create", "pods", func(a k8stesting.Action) (bool, runtime.Object, error) {
		p := a.(k8stesting.CreateAction).GetObject().(*corev1.Pod)
		if p.Name == "" && p.GenerateName != "" {
			p.Name = fmt.Sprintf("%s%05d", p.GenerateName, n.Add(1))
			p.UID = types.UID("uid-" + p.Name)
		}
		return false, nil, nil
	})
	return cs
}

func rsObj(replicas int32) *appsv1.ReplicaSet {
	lbl := map[string]string{"app": "web"}
	return &appsv1.ReplicaSet{
		ObjectMeta: metav1.ObjectMeta{Name: "web", Namespace: "ns", UID: "rs-uid", Generation: 1},
		Spec: appsv1.ReplicaSetSpec{
			Replicas: ptr.To(replicas), Selector: &metav1.LabelSelector{MatchLabels: lbl},
			Template: corev1.PodTemplateSpec{ObjectMeta: metav1.ObjectMeta{Labels: lbl},
				Spec: corev1.PodSpec{Containers: []corev1.Container{{Name: "c", Image: "nginx"}}}},
		},
	}
}

// converge runs the controller on a fake cluster holding objs until cond
// holds for it, then stops the controller and returns the clientset.
func converge(t *testing.T, objs []runtime.Object, cond func(*fake.Clientset) bool) *fake.Clientset {
	t.Helper()
	cs := fakeClient(objs...)
	f := informers.NewSharedInformerFactory(cs, 0)
	c, err := New(Config{Client: cs, Informers: f})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	f.Start(ctx.Done())
	done := make(chan error, 1)
	go func() { done <- c.Run(ctx, 2) }()
	err = wait.PollUntilContextTimeout(ctx, 10*time.Millisecond, 10*time.Second, true, func(context.Context) (bool, error) {
		return cond(cs), nil
	})
	if err != nil {
		t.Fatalf("did not converge: %v", err)
	}
	cancel()
	<-done
	f.Shutdown()
	return cs
}

func TestControllerScales(t *testing.T) {
	orphan := &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: "orphan", Namespace: "ns", Labels: map[string]string{"app": "web"}}}
	owned := func(i int) *corev1.Pod {
		t := true
		return &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: fmt.Sprintf("old-%d", i), Namespace: "ns",
			Labels: map[string]string{"app": "web"}, UID: "x",
			OwnerReferences: []metav1.OwnerReference{{Kind: "ReplicaSet", Name: "web", UID: "rs-uid", Controller: &t}}}}
	}
	tests := []struct {
		name     string
		replicas int32
		objs     []runtime.Object
	}{
		{"create from zero", 5, nil},
		{"adopt orphan and fill", 3, []runtime.Object{orphan}},
		{"delete surplus", 1, []runtime.Object{owned(1), owned(2), owned(3)}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			objs := append([]runtime.Object{rsObj(tc.replicas)}, tc.objs...)
			cs := converge(t, objs, func(cs *fake.Clientset) bool {
				rs, err := cs.AppsV1().ReplicaSets("ns").Get(context.Background(), "web", metav1.GetOptions{})
				return err == nil && ownedPods(cs) == int(tc.replicas) && rs.Status.Replicas == tc.replicas
			})
			pods, _ := cs.CoreV1().Pods("ns").List(context.Background(), metav1.ListOptions{})
			if len(pods.Items) != int(tc.replicas) {
				t.Fatalf("%d pods exist, want %d", len(pods.Items), tc.replicas)
			}
		})
	}
}

func ownedPods(cs *fake.Clientset) int {
	pods, _ := cs.CoreV1().Pods("ns").List(context.Background(), metav1.ListOptions{})
	n := 0
	for _, p := range pods.Items {
		if ref := metav1.GetControllerOf(&p); ref != nil && ref.UID == "rs-uid" {
			n++
		}
	}
	return n
}
