package controllermanager

import (
	"context"
	"errors"
	"fmt"
	"sync"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/client-go/informers"
	"k8s.io/client-go/kubernetes/scheme"
	typedcorev1 "k8s.io/client-go/kubernetes/typed/core/v1"
	"k8s.io/client-go/metadata/metadatainformer"
	"k8s.io/client-go/tools/record"
)

// Run runs the controllers until ctx ends (then it returns nil) or until
// leadership is lost or a controller fails (then it returns why, and the
// process should exit: another instance takes over).
func Run(ctx context.Context, cfg Config) error {
	if err := cfg.defaults(); err != nil {
		return err
	}
	if cfg.DisableLeaderElection {
		return runControllers(ctx, cfg)
	}
	return runElected(ctx, cfg, runControllers)
}

// runControllers builds every controller, starts the shared informers,
// and runs the controllers until ctx ends or one fails.
func runControllers(ctx context.Context, cfg Config) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	events := record.NewBroadcaster(record.WithContext(ctx))
	defer events.Shutdown()
	events.StartRecordingToSink(&typedcorev1.EventSinkImpl{Interface: cfg.Client.CoreV1().Events("")})

	c := Context{
		Client:    cfg.Client,
		Informers: cfg.Informers,
		Metadata:  cfg.Metadata,
		Recorder: func(component string) record.EventRecorder {
			return events.NewRecorder(scheme.Scheme, corev1.EventSource{Component: component})
		},
		Logger:      cfg.Logger,
		Clock:       cfg.Clock,
		RootCA:      cfg.RootCA,
		ClusterCIDR: cfg.ClusterCIDR,
	}
	if c.Informers == nil {
		// Controllers never read managedFields; dropping them from the
		// caches halves the memory a pod costs.
		c.Informers = informers.NewSharedInformerFactoryWithOptions(cfg.Client, cfg.ResyncPeriod,
			informers.WithTransform(StripManagedFields))
	}
	if cfg.Metadata != nil {
		c.MetadataInformers = metadatainformer.NewSharedInformerFactory(cfg.Metadata, cfg.ResyncPeriod)
	}
	runners, err := build(c, cfg.Controllers)
	if err != nil {
		return err
	}
	// Handlers are all registered now; only informers someone asked for start.
	c.Informers.Start(ctx.Done())
	defer c.Informers.Shutdown()
	if c.MetadataInformers != nil {
		c.MetadataInformers.Start(ctx.Done())
		defer c.MetadataInformers.Shutdown()
	}
	for typ, ok := range c.Informers.WaitForCacheSync(ctx.Done()) {
		if !ok && ctx.Err() == nil {
			return fmt.Errorf("informer for %v did not sync", typ)
		}
	}
	cfg.Logger.Info("controllers starting", "count", len(runners))
	return runAll(ctx, cancel, runners)
}

type namedRunner struct {
	name    string
	workers int
	Runner
}

func build(c Context, list []Controller) ([]namedRunner, error) {
	out := make([]namedRunner, 0, len(list))
	for _, ctl := range list {
		r, err := ctl.New(c)
		if err != nil {
			return nil, fmt.Errorf("build controller %s: %w", ctl.Name, err)
		}
		out = append(out, namedRunner{name: ctl.Name, workers: ctl.Workers, Runner: r})
	}
	return out, nil
}

// runAll runs each controller in its own goroutine; the first failure
// cancels the rest and is returned once all have stopped.
func runAll(ctx context.Context, cancel context.CancelFunc, runners []namedRunner) error {
	var (
		wg    sync.WaitGroup
		once  sync.Once
		first error
	)
	for _, r := range runners {
		wg.Add(1)
		go func() {
			defer wg.Done()
			err := r.Run(ctx, r.workers)
			if err == nil && ctx.Err() == nil {
				err = errors.New("stopped unexpectedly")
			}
			if err != nil && ctx.Err() == nil {
				once.Do(func() { first = fmt.Errorf("controller %s: %w", r.name, err) })
				cancel()
			}
		}()
	}
	wg.Wait()
	return first
}
