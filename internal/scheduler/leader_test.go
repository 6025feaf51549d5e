package scheduler

import (
	"context"
	"log/slog"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/client-go/informers"
	"k8s.io/client-go/kubernetes/fake"
	"k8s.io/client-go/tools/record"
)

// TestLeaderElection: the scheduler takes the kube-scheduler Lease under
// its identity, and returns without error when its context ends.
func TestLeaderElection(t *testing.T) {
	client := fake.NewSimpleClientset(node("n1"))
	cfg := Config{Client: client, Informers: informers.NewSharedInformerFactory(client, 0),
		Recorder: record.NewFakeRecorder(10), Logger: slog.New(slog.DiscardHandler)}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error)
	go func() { done <- RunWithLeaderElection(ctx, cfg, "server-a") }()
	err := wait.PollUntilContextTimeout(context.Background(), 20*time.Millisecond, 10*time.Second, true, func(ctx context.Context) (bool, error) {
		l, err := client.CoordinationV1().Leases("kube-system").Get(ctx, "kube-scheduler", metav1.GetOptions{})
		return err == nil && l.Spec.HolderIdentity != nil && *l.Spec.HolderIdentity == "server-a", nil
	})
	if err != nil {
		t.Fatalf("lease not taken: %v", err)
	}
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("RunWithLeaderElection after cancel: %v", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("RunWithLeaderElection did not return after cancel")
	}
}
