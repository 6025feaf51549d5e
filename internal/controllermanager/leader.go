package controllermanager

import (
	"context"
	"errors"
	"fmt"
	"sync"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/tools/leaderelection"
	"k8s.io/client-go/tools/leaderelection/resourcelock"
)

// ErrLeadershipLost is returned by Run when this process stops being the
// leader while its context is still live.
var ErrLeadershipLost = errors.New("controllermanager: leader election lost")

// runElected runs work while this process holds the Lease. It returns
// nil when ctx ends, work's error if it fails, and ErrLeadershipLost if the
// lease is lost first.
func runElected(outer context.Context, cfg Config, work func(context.Context, Config) error) error {
	ctx, cancel := context.WithCancel(outer)
	defer cancel()
	var (
		mu      sync.Mutex
		workErr error
		done    chan struct{} // closed when work returns; nil if never started
	)
	lock := &resourcelock.LeaseLock{
		LeaseMeta:  metav1.ObjectMeta{Namespace: LeaseNamespace, Name: LeaseName},
		Client:     cfg.Client.CoordinationV1(),
		LockConfig: resourcelock.ResourceLockConfig{Identity: cfg.Identity},
	}
	elector, err := leaderelection.NewLeaderElector(leaderelection.LeaderElectionConfig{
		Lock:            lock,
		Name:            LeaseName,
		LeaseDuration:   cfg.LeaseDuration,
		RenewDeadline:   cfg.RenewDeadline,
		RetryPeriod:     cfg.RetryPeriod,
		ReleaseOnCancel: true,
		Callbacks: leaderelection.LeaderCallbacks{
			OnStartedLeading: func(lctx context.Context) {
				cfg.Logger.Info("became leader", "lease", LeaseNamespace+"/"+LeaseName, "identity", cfg.Identity)
				mu.Lock()
				ch := make(chan struct{})
				done = ch
				mu.Unlock()
				err := work(lctx, cfg)
				mu.Lock()
				workErr = err
				mu.Unlock()
				close(ch)
				// Without its controllers this process must not hold the
				// lease: stop renewing and release it.
				cancel()
			},
			OnStoppedLeading: func() {},
		},
	})
	if err != nil {
		return fmt.Errorf("leader election: %w", err)
	}
	elector.Run(ctx)
	// The elector does not wait for OnStartedLeading; wait here so no
	// controller outlives Run.
	mu.Lock()
	ch := done
	mu.Unlock()
	if ch != nil {
		<-ch
	}
	mu.Lock()
	defer mu.Unlock()
	switch {
	case workErr != nil:
		return workErr
	case outer.Err() != nil:
		return nil
	}
	return ErrLeadershipLost
}
