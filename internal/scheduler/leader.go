package scheduler

import (
	"context"
	"errors"
	"fmt"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/tools/leaderelection"
	"k8s.io/client-go/tools/leaderelection/resourcelock"
)

// The Lease the scheduler holds while it schedules, as kube-scheduler does,
// so that several servers can run and only one schedules.
const (
	leaseNamespace = metav1.NamespaceSystem
	leaseName      = "kube-scheduler"
	leaseDuration  = 15 * time.Second
	renewDeadline  = 10 * time.Second
	retryPeriod    = 2 * time.Second
)

// RunWithLeaderElection waits to hold the Lease kube-system/kube-scheduler
// as identity, then schedules until ctx ends. Losing the lease ends it with
// an error, so the process stops rather than schedule without it.
func RunWithLeaderElection(ctx context.Context, cfg Config, identity string) error {
	s, err := New(cfg)
	if err != nil {
		return err
	}
	lock := &resourcelock.LeaseLock{
		LeaseMeta:  metav1.ObjectMeta{Namespace: leaseNamespace, Name: leaseName},
		Client:     cfg.Client.CoordinationV1(),
		LockConfig: resourcelock.ResourceLockConfig{Identity: identity},
	}
	runErr := make(chan error, 1)
	started := make(chan struct{})
	elector, err := leaderelection.NewLeaderElector(leaderelection.LeaderElectionConfig{
		Lock: lock, LeaseDuration: leaseDuration, RenewDeadline: renewDeadline, RetryPeriod: retryPeriod,
		ReleaseOnCancel: true, Name: leaseName,
		Callbacks: leaderelection.LeaderCallbacks{
			OnStartedLeading: func(ctx context.Context) { close(started); runErr <- s.Run(ctx) },
			OnStoppedLeading: func() {},
		},
	})
	if err != nil {
		return fmt.Errorf("scheduler leader election: %w", err)
	}
	elector.Run(ctx)
	// The elector cancels the scheduler's context as it returns; wait for
	// the scheduler to finish its API calls before reporting.
	select {
	case <-started:
		if err := <-runErr; err != nil {
			return err
		}
	default:
	}
	if ctx.Err() != nil {
		return nil
	}
	return errors.New("scheduler: lost the kube-scheduler lease")
}
