package deployment

import (
	"context"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/client-go/informers"
	"k8s.io/client-go/kubernetes/fake"
	"k8s.io/utils/ptr"
)

// TestControllerRollout drives a rollout on a fake cluster, playing the
// ReplicaSet controller's part by copying spec.replicas into status.
func TestControllerRollout(t *testing.T) {
	d := deploy(4, "1", "0")
	cs := fake.NewSimpleClientset(d)
	f := informers.NewSharedInformerFactory(cs, 0)
	c, err := New(Config{Client: cs, Informers: f})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	f.Start(ctx.Done())
	done := make(chan error, 1)
	go func() { done <- c.Run(ctx, 1) }()
	defer func() { cancel(); <-done }()

	bg := context.Background()
	// settle plays the ReplicaSet controller: every RS's pods exist and are available.
	settle := func() {
		rss, _ := cs.AppsV1().ReplicaSets("ns").List(bg, metav1.ListOptions{})
		for _, rs := range rss.Items {
			n := ptr.Deref(rs.Spec.Replicas, 0)
			if rs.Status.Replicas != n || rs.Status.AvailableReplicas != n || rs.Status.ObservedGeneration != rs.Generation {
				rs.Status = appsv1.ReplicaSetStatus{Replicas: n, ReadyReplicas: n, AvailableReplicas: n, ObservedGeneration: rs.Generation}
				_, _ = cs.AppsV1().ReplicaSets("ns").UpdateStatus(bg, &rs, metav1.UpdateOptions{})
			}
		}
	}
	waitFor := func(what string, cond func(*appsv1.Deployment, []appsv1.ReplicaSet) bool) {
		t.Helper()
		err := wait.PollUntilContextTimeout(ctx, 20*time.Millisecond, 10*time.Second, true, func(context.Context) (bool, error) {
			settle()
			cur, err := cs.AppsV1().Deployments("ns").Get(bg, "web", metav1.GetOptions{})
			if err != nil {
				return false, nil
			}
			rss, _ := cs.AppsV1().ReplicaSets("ns").List(bg, metav1.ListOptions{})
			return cond(cur, rss.Items), nil
		})
		if err != nil {
			t.Fatalf("waiting for %s: %v", what, err)
		}
	}
	hash1 := ComputeHash(&d.Spec.Template, nil)
	waitFor("first replica set complete", func(cur *appsv1.Deployment, rss []appsv1.ReplicaSet) bool {
		c := getCondition(cur.Status, appsv1.DeploymentProgressing)
		return len(rss) == 1 && rss[0].Name == "web-"+hash1 && cur.Annotations[RevisionAnnotation] == "1" &&
			cur.Status.AvailableReplicas == 4 && c != nil && c.Reason == ReasonNewRSAvailable
	})

	cur, _ := cs.AppsV1().Deployments("ns").Get(bg, "web", metav1.GetOptions{})
	cur.Spec.Template.Spec.Containers[0].Image = "nginx:2"
	cur.Generation = 2
	if _, err := cs.AppsV1().Deployments("ns").Update(bg, cur, metav1.UpdateOptions{}); err != nil {
		t.Fatal(err)
	}
	hash2 := ComputeHash(&cur.Spec.Template, nil)
	waitFor("rollout to the new template", func(cur *appsv1.Deployment, rss []appsv1.ReplicaSet) bool {
		sizes := map[string]int32{}
		for _, rs := range rss {
			sizes[rs.Name] = ptr.Deref(rs.Spec.Replicas, 0)
		}
		return sizes["web-"+hash2] == 4 && sizes["web-"+hash1] == 0 && cur.Annotations[RevisionAnnotation] == "2" &&
			cur.Status.UpdatedReplicas == 4 && cur.Status.Replicas == 4 && cur.Status.ObservedGeneration == 2
	})
}
