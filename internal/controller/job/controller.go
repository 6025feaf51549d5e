// Package job runs Jobs: it creates pods up to parallelism until the
// completions are reached, replaces failed pods with a back-off until
// backoffLimit, honours activeDeadlineSeconds, Indexed completion, pod
// failure policies and suspension, counts finished pods through the
// batch.kubernetes.io/job-tracking finalizer, writes the 1.32 conditions
// (SuccessCriteriaMet/FailureTarget, then Complete/Failed), and deletes
// finished Jobs after ttlSecondsAfterFinished.
package job

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
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

// Controller is the Job controller.
type Controller struct {
	client   kubernetes.Interface
	jobs     batchlisters.JobLister
	pods     cache.Indexer
	synced   []cache.InformerSynced
	recorder record.EventRecorder
	log      *slog.Logger
	clock    clock.WithTicker
	loop     *workloop.Loop
	expect   *expectations
}

// jobIndex indexes pods by "namespace/name" of the Job that controls them,
// so a job's pods are found without listing the namespace, and a deleted
// job's pods can still be found to release their finalizers.
const jobIndex = "skiff.job/controller"

// New registers the controller's informers and handlers; the caller starts
// the informer factory after all controllers are built.
func New(cfg Config) (*Controller, error) {
	if cfg.Client == nil || cfg.Informers == nil || cfg.Recorder == nil {
		return nil, errors.New("job controller: Client, Informers and Recorder are required")
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	if cfg.Clock == nil {
		cfg.Clock = clock.RealClock{}
	}
	jobInf := cfg.Informers.Batch().V1().Jobs()
	podInf := cfg.Informers.Core().V1().Pods().Informer()
	if _, ok := podInf.GetIndexer().GetIndexers()[jobIndex]; !ok {
		if err := podInf.AddIndexers(cache.Indexers{jobIndex: indexByJob}); err != nil {
			return nil, fmt.Errorf("job controller: index pods: %w", err)
		}
	}
	c := &Controller{
		client:   cfg.Client,
		jobs:     jobInf.Lister(),
		pods:     podInf.GetIndexer(),
		synced:   []cache.InformerSynced{jobInf.Informer().HasSynced, podInf.HasSynced},
		recorder: cfg.Recorder,
		log:      cfg.Logger.With("controller", "job"),
		clock:    cfg.Clock,
		expect:   newExpectations(),
	}
	c.loop = workloop.NewAfter("job", c.sync, cfg.Logger,
		workloop.WithClock(cfg.Clock), workloop.WithBackoff(100*time.Millisecond, time.Minute))
	if _, err := jobInf.Informer().AddEventHandler(cache.ResourceEventHandlerFuncs{
		AddFunc:    c.loop.Enqueue,
		UpdateFunc: func(_, obj any) { c.loop.Enqueue(obj) },
		DeleteFunc: c.loop.Enqueue,
	}); err != nil {
		return nil, fmt.Errorf("job controller: %w", err)
	}
	if _, err := podInf.AddEventHandler(cache.ResourceEventHandlerFuncs{
		AddFunc:    func(obj any) { c.onPod(obj, true) },
		UpdateFunc: func(_, obj any) { c.onPod(obj, false) },
		DeleteFunc: func(obj any) { c.onPod(obj, false) },
	}); err != nil {
		return nil, fmt.Errorf("job controller: %w", err)
	}
	return c, nil
}

func indexByJob(obj any) ([]string, error) {
	pod, ok := obj.(*corev1.Pod)
	if !ok {
		return nil, nil
	}
	if ref := metav1.GetControllerOf(pod); ref != nil && ref.Kind == "Job" && ref.APIVersion == batchv1.SchemeGroupVersion.String() {
		return []string{pod.Namespace + "/" + ref.Name}, nil
	}
	return nil, nil
}

// onPod wakes the pod's job; a new pod also fulfils a creation this
// controller is waiting to see.
func (c *Controller) onPod(obj any, added bool) {
	if t, ok := obj.(cache.DeletedFinalStateUnknown); ok {
		obj = t.Obj
	}
	pod, ok := obj.(*corev1.Pod)
	if !ok {
		return
	}
	keys, _ := indexByJob(pod)
	for _, key := range keys {
		if added {
			c.expect.created(key)
		}
		c.loop.Add(key)
	}
}

// Run processes jobs with the given number of workers until ctx ends.
func (c *Controller) Run(ctx context.Context, workers int) error {
	return c.loop.Run(ctx, workers, c.synced...)
}
