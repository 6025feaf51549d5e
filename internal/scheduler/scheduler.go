package scheduler

import (
	"context"
	"errors"
	"log/slog"
	"sync"
	"time"

	v1 "k8s.io/api/core/v1"
	"k8s.io/client-go/informers"
	"k8s.io/client-go/kubernetes"
	typedcorev1 "k8s.io/client-go/kubernetes/typed/core/v1"
	"k8s.io/client-go/tools/cache"
	"k8s.io/client-go/tools/record"
	"k8s.io/utils/clock"
)

// DefaultSchedulerName is the spec.schedulerName this scheduler answers to
// unless configured otherwise.
const DefaultSchedulerName = v1.DefaultSchedulerName

// Defaults for the tunables of Config.
const (
	defaultParallelism = 2
	defaultBindWorkers = 64
	flushPeriod        = time.Second
)

// Config is what a Scheduler needs. Client and Informers are required.
type Config struct {
	Client kubernetes.Interface
	// Informers is shared with the other components; Run starts it (which
	// is harmless if it already runs) and waits for its caches.
	Informers informers.SharedInformerFactory
	Logger    *slog.Logger
	Clock     clock.WithTicker
	// SchedulerName: pods naming another scheduler are left alone.
	SchedulerName string
	// Recorder emits FailedScheduling, Scheduled and Preempted events; nil
	// makes one that writes core/v1 events through Client.
	Recorder record.EventRecorder
	// Parallelism is how many goroutines filter and score nodes (default 2).
	Parallelism int
	// PercentageOfNodesToScore: 0 picks it from the cluster size.
	PercentageOfNodesToScore int32
	// BindWorkers bounds the API calls in flight for bindings and status
	// updates (default 64).
	BindWorkers int
}

// Scheduler places pending pods on nodes.
type Scheduler struct {
	cfg         Config
	log         *slog.Logger
	client      kubernetes.Interface
	recorder    record.EventRecorder
	broadcaster record.EventBroadcaster // ours to stop, when we made the recorder
	queue       *Queue
	cache       *Cache
	snapshot    *Snapshot
	algo        *algorithm
	nominator   *nominator
	podInf      cache.SharedIndexInformer
	nodeInf     cache.SharedIndexInformer
	nsInf       cache.SharedIndexInformer

	async sync.WaitGroup
	slots chan struct{}
}

// New checks cfg, fills in defaults and registers the informers it needs.
func New(cfg Config) (*Scheduler, error) {
	if cfg.Client == nil || cfg.Informers == nil {
		return nil, errors.New("scheduler: Client and Informers are required")
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	if cfg.Clock == nil {
		cfg.Clock = clock.RealClock{}
	}
	if cfg.SchedulerName == "" {
		cfg.SchedulerName = DefaultSchedulerName
	}
	cfg.Parallelism = cmpOr(cfg.Parallelism, defaultParallelism)
	cfg.BindWorkers = cmpOr(cfg.BindWorkers, defaultBindWorkers)
	s := &Scheduler{cfg: cfg, log: cfg.Logger.With("component", "scheduler"), client: cfg.Client,
		queue: NewQueue(cfg.Clock), cache: NewCache(), snapshot: &Snapshot{},
		algo:      newAlgorithm(cfg.Parallelism, cfg.PercentageOfNodesToScore, uint64(cfg.Clock.Now().UnixNano())),
		nominator: newNominator(), slots: make(chan struct{}, cfg.BindWorkers)}
	s.recorder = cfg.Recorder
	if s.recorder == nil {
		s.broadcaster = record.NewBroadcaster()
		s.recorder = s.broadcaster.NewRecorder(schemeForEvents(), v1.EventSource{Component: cfg.SchedulerName})
	}
	s.podInf = cfg.Informers.Core().V1().Pods().Informer()
	s.nodeInf = cfg.Informers.Core().V1().Nodes().Informer()
	s.nsInf = cfg.Informers.Core().V1().Namespaces().Informer()
	return s, nil
}

func cmpOr(v, dflt int) int {
	if v > 0 {
		return v
	}
	return dflt
}

// Run schedules until ctx ends, then waits for the API calls it started.
func (s *Scheduler) Run(ctx context.Context) error {
	if s.broadcaster != nil {
		s.broadcaster.StartRecordingToSink(&typedcorev1.EventSinkImpl{Interface: s.client.CoreV1().Events("")})
		defer s.broadcaster.Shutdown()
	}
	regs, err := s.addHandlers()
	if err != nil {
		return err
	}
	defer s.removeHandlers(regs)
	s.cfg.Informers.Start(ctx.Done())
	if !cache.WaitForCacheSync(ctx.Done(), s.podInf.HasSynced, s.nodeInf.HasSynced, s.nsInf.HasSynced) {
		return nil // ctx ended first: stopping is not a failure
	}
	s.log.Info("scheduler running", "name", s.cfg.SchedulerName)
	var loops sync.WaitGroup
	loops.Add(1)
	go func() {
		defer loops.Done()
		s.flushLoop(ctx)
	}()
	for {
		if err := s.scheduleOne(ctx); err != nil {
			break
		}
	}
	loops.Wait()
	s.async.Wait()
	return nil
}

// flushLoop moves backed-off pods back every second and closes the queue
// when ctx ends, which stops the main loop.
func (s *Scheduler) flushLoop(ctx context.Context) {
	t := s.cfg.Clock.NewTicker(flushPeriod)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			s.queue.Close()
			return
		case <-t.C():
			s.queue.Flush()
		}
	}
}

// scheduleOne takes one pod through a cycle: snapshot, decide, then act.
func (s *Scheduler) scheduleOne(ctx context.Context) error {
	qp, err := s.queue.Pop(ctx)
	if err != nil {
		return err
	}
	pod := qp.pod
	if pod.DeletionTimestamp != nil || s.cache.IsAssumed(pod.UID) {
		s.queue.Done(qp)
		return nil
	}
	s.cache.UpdateSnapshot(s.snapshot)
	nominated := s.nominator.all()
	placement, diag := s.algo.schedule(s.snapshot, pod, nominated)
	if diag == nil {
		s.assumeAndBind(ctx, qp, placement.Node)
		return nil
	}
	s.handleFailure(ctx, qp, diag, nominated)
	return nil
}

// goAsync runs fn on a goroutine once a slot is free, so at most
// BindWorkers API calls are in flight; Run waits for all of them.
func (s *Scheduler) goAsync(ctx context.Context, fn func(context.Context)) {
	select {
	case s.slots <- struct{}{}:
	case <-ctx.Done():
		return
	}
	s.async.Add(1)
	go func() {
		defer func() { <-s.slots; s.async.Done() }()
		fn(ctx)
	}()
}
