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
	"time"

	batchv1 "k8s.io/api/batch/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/informers"
	"k8s.io/client-go/kubernetes"
	batchlisters "k8s.io/client-go/listers/batch/v1"
	"k8s.io/client-go/tools/cache"
	"k8s.io/client-go/tools/record"
	"k8s.io/utils/clock"

	"github.com/skiff/skiff/internal/controller/workloop"
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
	clock    clock.WithTicker
	loop     *workloop.Loop
}

// cronJobIndex indexes jobs by "namespace/name" of their CronJob.
const cronJobIndex = "skiff.cronjob/controller"

// New registers the controller's informers and handlers.
func New(cfg Config) (*Controller, error) {
	if cfg.Client == nil || cfg.Informers == nil || cfg.Recorder == nil {
		return nil, errors.New("cronjob controller: Client, Informers and Recorder are required")
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
		recorder: cfg.Recorder, clock: cfg.Clock,
	}
	c.loop = workloop.NewAfter("cronjob", c.sync, cfg.Logger,
		workloop.WithClock(cfg.Clock), workloop.WithBackoff(100*time.Millisecond, 5*time.Minute))
	if _, err := cjInf.Informer().AddEventHandler(cache.ResourceEventHandlerFuncs{
		AddFunc: c.loop.Enqueue, UpdateFunc: func(_, obj any) { c.loop.Enqueue(obj) },
	}); err != nil {
		return nil, fmt.Errorf("cronjob controller: %w", err)
	}
	owner := func(obj any) {
		if t, ok := obj.(cache.DeletedFinalStateUnknown); ok {
			obj = t.Obj
		}
		keys, _ := indexByCronJob(obj)
		for _, k := range keys {
			c.loop.Add(k)
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
	return c.loop.Run(ctx, workers, c.synced...)
}

func splitKey(key string) (string, string, error) { return cache.SplitMetaNamespaceKey(key) }
