// Package cronjob creates Jobs on a CronJob's schedule (in its time zone),
// honouring concurrencyPolicy, startingDeadlineSeconds, suspend and the
// history limits, and keeps status.active, lastScheduleTime and
// lastSuccessfulTime. It sleeps until the next start time instead of
// polling.
package cronjob

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	batchv1 "k8s.io/api/batch/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/informers"
	"k8s.io/client-go/kubernetes"
	batchlisters "k8s.io/client-go/listers/batch/v1"
	"k8s.io/client-go/tools/cache"
	"k8s.io/client-go/tools/record"
	"k8s.io/client-go/util/workqueue"
	"k8s.io/utils/clock"
)

// Config is what the controller needs; Client, Informers and Recorder are
// required.
type Config struct {
	Client    kubernetes.Interface
	Informers informers.SharedInformerFactory
	Recorder  record.EventRecorder
	Logger    *slog.Logger
	Clock     clock.WithTicker
}

// Controller is the CronJob controller.
type Controller struct {
	client   kubernetes.Interface
	cronJobs batchlisters.CronJobLister
	jobs     cache.Indexer
	synced   []cache.InformerSynced
	recorder record.EventRecorder
	log      *slog.Logger
	clock    clock.WithTicker
	queue    workqueue.TypedRateLimitingInterface[string]
}

// cronJobIndex indexes jobs by "namespace/name" of their CronJob.
const cronJobIndex = "skiff.cronjob/controller"

// New registers the controller's informers and handlers.
func New(cfg Config) (*Controller, error) {
	if cfg.Client == nil || cfg.Informers == nil || cfg.Recorder == nil {
		return nil, errors.New("cronjob controller: Client, Informers and Recorder are required")
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	if cfg.Clock == nil {
		cfg.Clock = clock.RealClock{}
	}
	cjInf := cfg.Informers.Batch().V1().CronJobs()
	jobInf := cfg.Informers.Batch().V1().Jobs().Informer()
	if _, ok := jobInf.GetIndexer().GetIndexers()[cronJobIndex]; !ok {
		if err := jobInf.AddIndexers(cache.Indexers{cronJobIndex: indexByCronJob}); err != nil {
			return nil, fmt.Errorf("cronjob controller: index jobs: %w", err)
		}
	}
	c := &Controller{
		client: cfg.Client, cronJobs: cjInf.Lister(), jobs: jobInf.GetIndexer(),
		synced:   []cache.InformerSynced{cjInf.Informer().HasSynced, jobInf.HasSynced},
		recorder: cfg.Recorder, log: cfg.Logger.With("controller", "cronjob"), clock: cfg.Clock,
		queue: workqueue.NewTypedRateLimitingQueueWithConfig(
			workqueue.NewTypedItemExponentialFailureRateLimiter[string](100*time.Millisecond, 5*time.Minute),
			workqueue.TypedRateLimitingQueueConfig[string]{Name: "cronjob", Clock: cfg.Clock}),
	}
	enqueue := func(obj any) {
		if key, err := cache.DeletionHandlingMetaNamespaceKeyFunc(obj); err == nil {
			c.queue.Add(key)
		}
	}
	if _, err := cjInf.Informer().AddEventHandler(cache.ResourceEventHandlerFuncs{
		AddFunc: enqueue, UpdateFunc: func(_, obj any) { enqueue(obj) },
	}); err != nil {
		return nil, fmt.Errorf("cronjob controller: %w", err)
	}
	owner := func(obj any) {
		if t, ok := obj.(cache.DeletedFinalStateUnknown); ok {
			obj = t.Obj
		}
		keys, _ := indexByCronJob(obj)
		for _, k := range keys {
			c.queue.Add(k)
		}
	}
	if _, err := jobInf.AddEventHandler(cache.ResourceEventHandlerFuncs{
		AddFunc: owner, UpdateFunc: func(_, obj any) { owner(obj) }, DeleteFunc: owner,
	}); err != nil {
		return nil, fmt.Errorf("cronjob controller: %w", err)
	}
	return c, nil
}

func indexByCronJob(obj any) ([]string, error) {
	job, ok := obj.(*batchv1.Job)
	if !ok {
		return nil, nil
	}
	if ref := metav1.GetControllerOf(job); ref != nil && ref.Kind == "CronJob" {
		return []string{job.Namespace + "/" + ref.Name}, nil
	}
	return nil, nil
}

// Run processes CronJobs until ctx ends.
func (c *Controller) Run(ctx context.Context, workers int) error {
	defer c.queue.ShutDown()
	if !cache.WaitForCacheSync(ctx.Done(), c.synced...) {
		return fmt.Errorf("cronjob controller: caches did not sync: %w", ctx.Err())
	}
	var wg sync.WaitGroup
	for range max(workers, 1) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for c.processNext(ctx) {
			}
		}()
	}
	<-ctx.Done()
	c.queue.ShutDown()
	wg.Wait()
	return nil
}

func (c *Controller) processNext(ctx context.Context) bool {
	key, quit := c.queue.Get()
	if quit {
		return false
	}
	defer c.queue.Done(key)
	next, err := c.sync(ctx, key)
	if err != nil {
		c.log.Warn("sync cronjob", "cronjob", key, "err", err)
		c.queue.AddRateLimited(key)
		return true
	}
	c.queue.Forget(key)
	if next > 0 {
		c.queue.AddAfter(key, next)
	}
	return true
}

func splitKey(key string) (string, string, error) { return cache.SplitMetaNamespaceKey(key) }
