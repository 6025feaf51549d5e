package controlplane

import (
	"context"
	"fmt"
	"os"

	"k8s.io/client-go/informers"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"

	"github.com/skiff/skiff/internal/controllermanager"
	"github.com/skiff/skiff/internal/scheduler"
)

// runComponents starts the scheduler and the controller manager once the
// API server is ready. Both are API clients of the in-process server and
// take their leases, so several servers can run them safely. It returns
// the first failure, or nil when ctx ends.
func runComponents(ctx context.Context, cfg *rest.Config, caPEM []byte, o Options) error {
	if err := waitReady(ctx, cfg); err != nil {
		return err
	}
	client, err := kubernetes.NewForConfig(cfg)
	if err != nil {
		return fmt.Errorf("component client: %w", err)
	}
	host, _ := os.Hostname()
	identity := fmt.Sprintf("%s_%d", host, os.Getpid())
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	// One informer factory serves both components: the pods, nodes and
	// namespaces both watch are then watched, decoded and held once.
	factory := informers.NewSharedInformerFactoryWithOptions(client, 0,
		informers.WithTransform(controllermanager.StripManagedFields))
	defer factory.Shutdown()
	shared := sharedInformers{SharedInformerFactory: factory, stop: ctx.Done()}
	done := make(chan struct{}, 2)
	go func() {
		defer func() { done <- struct{}{} }()
		err := scheduler.RunWithLeaderElection(ctx, scheduler.Config{
			Client:    client,
			Informers: shared,
			Logger:    o.Logger,
		}, identity)
		if err != nil && ctx.Err() == nil {
			cancel(fmt.Errorf("scheduler: %w", err))
		}
	}()
	go func() {
		defer func() { done <- struct{}{} }()
		err := controllermanager.Run(ctx, controllermanager.Config{
			REST: cfg, RootCA: caPEM, Identity: identity, Informers: shared, ClusterCIDR: o.ClusterCIDR,
			Logger: o.Logger.With("component", "controller-manager"),
		})
		if err != nil && ctx.Err() == nil {
			cancel(fmt.Errorf("controller manager: %w", err))
		}
	}()
	<-done
	cancel(nil)
	<-done
	if err := context.Cause(ctx); err != nil && err != context.Canceled {
		return err
	}
	return nil
}

// sharedInformers is an informer factory several components use: each
// starts the informers it asked for, but they run until the factory's
// owner stops them, not until the component that started them stops.
type sharedInformers struct {
	informers.SharedInformerFactory
	stop <-chan struct{}
}

func (f sharedInformers) Start(<-chan struct{}) { f.SharedInformerFactory.Start(f.stop) }

func (f sharedInformers) Shutdown() {}
