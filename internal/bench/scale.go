package bench

import (
	"context"
	"fmt"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/informers"
	"k8s.io/client-go/tools/cache"
)

// scaleRun holds one scale benchmark's state.
type scaleRun struct {
	cfg     ScaleConfig
	runID   string
	tracker *podTracker
	rep     ScaleReport
}

// RunScale creates Deployments totalling cfg.Deployments×cfg.Replicas pods
// and times, from the first create, how the pods are created, scheduled
// and Running, while a probe measures API latency. Then, unless
// cfg.SkipCleanup, it deletes the Deployments, times until their pods are
// gone, and deletes the namespace. The report holds what was measured
// also when the run fails part-way.
func RunScale(ctx context.Context, cfg ScaleConfig) (ScaleReport, error) {
	cfg, err := cfg.withDefaults()
	if err != nil {
		return ScaleReport{}, err
	}
	r := &scaleRun{cfg: cfg, runID: newRunID(), tracker: newPodTracker(time.Now)}
	r.rep = ScaleReport{Start: time.Now().UTC(), Namespace: cfg.Namespace,
		Deployments: cfg.Deployments, Replicas: int(cfg.Replicas), Pods: cfg.pods()}
	if err := r.prepare(ctx); err != nil {
		return r.rep, err
	}
	stopInformer, err := r.startInformer(ctx)
	if err != nil {
		return r.rep, err
	}
	defer stopInformer()
	upErr := r.scaleUp(ctx)
	if !cfg.SkipCleanup {
		r.cleanup(ctx)
	}
	return r.rep, upErr
}

// prepare notes the server and its Ready nodes, creates the namespace and
// waits a little for its default ServiceAccount: a server that admits pods
// only with one would otherwise fail the first creates, which is set-up,
// not the throughput being measured.
func (r *scaleRun) prepare(ctx context.Context) error {
	c := r.cfg.Client
	if v, err := c.Discovery().ServerVersion(); err == nil {
		r.rep.ServerVersion = v.GitVersion
	}
	nodes, err := c.CoreV1().Nodes().List(ctx, metav1.ListOptions{})
	if err != nil {
		return fmt.Errorf("list nodes: %w", err)
	}
	r.rep.Nodes, r.rep.ReadyNodes = len(nodes.Items), countReady(nodes.Items)
	if err := ensureNamespace(ctx, c, r.cfg.Namespace); err != nil {
		return err
	}
	err = pollUntil(ctx, 100*time.Millisecond, 10*time.Second, func() bool {
		_, err := c.CoreV1().ServiceAccounts(r.cfg.Namespace).Get(ctx, "default", metav1.GetOptions{})
		return err == nil
	})
	if err != nil {
		r.cfg.Logger.Warn("bench scale: no default ServiceAccount; creating pods anyway", "namespace", r.cfg.Namespace)
	}
	return ctx.Err()
}

func countReady(nodes []corev1.Node) int {
	n := 0
	for _, node := range nodes {
		for _, c := range node.Status.Conditions {
			if c.Type == corev1.NodeReady && c.Status == corev1.ConditionTrue {
				n++
			}
		}
	}
	return n
}

// startInformer watches the run's pods (by its label, in its namespace)
// into the tracker and waits for the first list.
func (r *scaleRun) startInformer(ctx context.Context) (stop func(), err error) {
	factory := informers.NewSharedInformerFactoryWithOptions(r.cfg.Client, 0,
		informers.WithNamespace(r.cfg.Namespace),
		informers.WithTweakListOptions(func(o *metav1.ListOptions) { o.LabelSelector = labelRun + "=" + r.runID }))
	inf := factory.Core().V1().Pods().Informer()
	if err := inf.SetTransform(slimPod); err != nil {
		return nil, fmt.Errorf("pod informer: %w", err)
	}
	if _, err := inf.AddEventHandler(r.tracker.handler()); err != nil {
		return nil, fmt.Errorf("pod informer: %w", err)
	}
	ictx, cancel := context.WithCancel(ctx)
	factory.Start(ictx.Done())
	stop = func() { cancel(); factory.Shutdown() }
	if !cache.WaitForCacheSync(ictx.Done(), inf.HasSynced) {
		stop()
		return nil, fmt.Errorf("pod informer did not sync: %w", ctx.Err())
	}
	return stop, nil
}

// scaleUp starts the clock, creates the Deployments while the probe runs,
// and waits until every pod is Running or the timeout passes.
func (r *scaleRun) scaleUp(ctx context.Context) error {
	pctx, stopProbe := context.WithCancel(ctx)
	probed := make(chan [2]Result, 1)
	go func() {
		g, l := probe{r.cfg.Client, r.cfg.Namespace, r.cfg.ProbeInterval}.run(pctx)
		probed <- [2]Result{g, l}
	}()
	r.tracker.startClock()
	log := r.cfg.Logger
	log.Info("bench scale: creating deployments", "deployments", r.cfg.Deployments, "replicas", r.cfg.Replicas)
	deps := r.cfg.Client.AppsV1().Deployments(r.cfg.Namespace)
	r.rep.Create = runOps(ctx, "create deployments", r.cfg.Deployments, r.cfg.Concurrency, func(ctx context.Context, i int) error {
		_, err := deps.Create(ctx, newScaleDeployment(i, r.cfg.Replicas, r.runID, r.cfg.CPU, r.cfg.Memory), metav1.CreateOptions{})
		return err
	})
	var err error
	if r.rep.Create.Ops == 0 {
		err = fmt.Errorf("create deployments: every create failed: %s", r.rep.Create.FirstError)
	} else {
		err = r.waitRunning(ctx)
	}
	elapsed := r.tracker.since()
	stopProbe()
	p := <-probed
	r.rep.Probes = p[:]
	r.rep.summarise(r.tracker.reached(), elapsed)
	return err
}

// waitRunning waits until the tracker counts every pod Running, logging
// progress every few seconds.
func (r *scaleRun) waitRunning(ctx context.Context) error {
	target := r.cfg.pods()
	lastLog := time.Now()
	err := pollUntil(ctx, 50*time.Millisecond, r.cfg.Timeout, func() bool {
		present, running := r.tracker.counts()
		if time.Since(lastLog) >= 5*time.Second {
			lastLog = time.Now()
			at := r.tracker.reached()
			r.cfg.Logger.Info("bench scale", "elapsed", r.tracker.since().Round(time.Second),
				"pods", present, "scheduled", len(at[stageScheduled]), "running", running, "of", target)
		}
		return running >= target
	})
	if err != nil {
		_, running := r.tracker.counts()
		return fmt.Errorf("%d of %d pods Running after %s: %w", running, target, r.cfg.Timeout, err)
	}
	return nil
}

// deleteDeployment deletes Deployment i in the background, as kubectl
// does: the garbage collector removes its ReplicaSets and pods.
func (r *scaleRun) deleteDeployment(ctx context.Context, i int) error {
	name := newScaleDeployment(i, 0, r.runID, r.cfg.CPU, r.cfg.Memory).Name
	bg := metav1.DeletePropagationBackground
	return r.cfg.Client.AppsV1().Deployments(r.cfg.Namespace).Delete(ctx, name, metav1.DeleteOptions{PropagationPolicy: &bg})
}
