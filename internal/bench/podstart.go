package bench

import (
	"context"
	"fmt"
	"sync"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	corev1client "k8s.io/client-go/kubernetes/typed/core/v1"
)

// podStartRun holds one pod start-up benchmark's state.
type podStartRun struct {
	cfg   PodStartConfig
	runID string
	ownNS bool // the run made the namespace and deletes it
	pods  corev1client.PodInterface
	watch *podWatch
	rep   PodStartReport
}

// RunPodStart measures pod start-up latency on any cluster: it creates
// cfg.Serial pods one at a time, each once the one before is Running,
// then cfg.Parallel pods at once, and times each from the moment its
// create request was sent to the moment a watch event showed it Running
// with all its containers running, both by the benchmark's clock. After
// each phase it deletes the phase's pods and waits until they are gone,
// so the next phase starts on an idle node. The report holds what was
// measured also when the run fails part-way.
func RunPodStart(ctx context.Context, cfg PodStartConfig) (PodStartReport, error) {
	cfg, err := cfg.withDefaults()
	if err != nil {
		return PodStartReport{}, err
	}
	r := &podStartRun{cfg: cfg, runID: newRunID()}
	if cfg.Namespace == "" {
		r.cfg.Namespace, r.ownNS = "skiff-podstart-"+r.runID, true
	}
	r.pods = cfg.Client.CoreV1().Pods(r.cfg.Namespace)
	r.rep = PodStartReport{Start: time.Now().UTC(), Namespace: r.cfg.Namespace, Image: cfg.Image,
		Command: cfg.Command, Node: cfg.Node}
	if v, err := cfg.Client.Discovery().ServerVersion(); err == nil {
		r.rep.ServerVersion = v.GitVersion
	}
	if err := r.prepare(ctx); err != nil {
		return r.rep, err
	}
	defer r.cleanup(ctx)
	wctx, stopWatch := context.WithCancel(ctx)
	r.watch, err = startPodWatch(wctx, r.pods, labelRun+"="+r.runID)
	if err != nil {
		stopWatch()
		return r.rep, err
	}
	defer func() {
		stopWatch()
		<-r.watch.done
	}()
	for _, ph := range []struct {
		name string
		n    int
		run  func(context.Context, *PodStartPhase, []string) error
	}{
		{"serial", cfg.Serial, r.serial},
		{"parallel", cfg.Parallel, r.parallel},
	} {
		if ph.n == 0 {
			continue
		}
		err := r.phase(ctx, ph.name, ph.n, ph.run)
		if err != nil {
			return r.rep, fmt.Errorf("%s phase: %w", ph.name, err)
		}
	}
	return r.rep, nil
}

// prepare makes the namespace and waits a little for its default
// ServiceAccount: a server that admits pods only with one would
// otherwise fail the first creates, which is set-up, not start-up.
func (r *podStartRun) prepare(ctx context.Context) error {
	c := r.cfg.Client
	if err := ensureNamespace(ctx, c, r.cfg.Namespace); err != nil {
		return err
	}
	err := pollUntil(ctx, 50*time.Millisecond, 10*time.Second, func() bool {
		_, err := c.CoreV1().ServiceAccounts(r.cfg.Namespace).Get(ctx, "default", metav1.GetOptions{})
		return err == nil
	})
	if err != nil {
		r.cfg.Logger.Warn("bench pods: no default ServiceAccount; creating pods anyway", "namespace", r.cfg.Namespace)
	}
	return ctx.Err()
}

// phase runs one phase, records it in the report, and deletes its pods
// however it went.
func (r *podStartRun) phase(ctx context.Context, name string, n int, run func(context.Context, *PodStartPhase, []string) error) error {
	names := make([]string, n)
	for i := range names {
		names[i] = fmt.Sprintf("podstart-%s-%s-%03d", r.runID, name[:1], i)
	}
	ph := &PodStartPhase{Name: name, Pods: n, AllRunning: notReached, Gone: notReached}
	r.cfg.Logger.Info("bench pods: phase", "phase", name, "pods", n)
	err := run(ctx, ph, names)
	if err != nil {
		ph.Error = err.Error()
	}
	r.cfg.Logger.Info("bench pods: phase done", "phase", name, "running", ph.Running, "p50", ph.Latency.P50, "p99", ph.Latency.P99)
	gone, delErr := r.deletePods(ctx, names, &ph.Delete)
	if delErr == nil {
		ph.Gone = gone
	} else if err == nil {
		err = delErr
		ph.Error = delErr.Error()
	}
	r.rep.Phases = append(r.rep.Phases, *ph)
	return err
}

// serial creates the pods one by one, each once the one before is
// Running.
func (r *podStartRun) serial(ctx context.Context, ph *PodStartPhase, names []string) error {
	var creates, lat []time.Duration
	var createErr error
	defer func() {
		errs := 0
		if createErr != nil {
			errs = 1
		}
		ph.Create = newResult("create (serial)", creates, errs, createErr, sum(creates))
		ph.Running, ph.Latency = len(lat), Summarize(lat)
	}()
	lastLog := time.Now()
	for i, name := range names {
		sent := time.Now()
		if _, err := r.pods.Create(ctx, r.newPod(name), metav1.CreateOptions{}); err != nil {
			createErr = fmt.Errorf("create pod %s: %w", name, err)
			return createErr
		}
		creates = append(creates, time.Since(sent))
		if err := r.watch.wait(ctx, r.cfg.Timeout, allRunning(names[i:i+1])); err != nil {
			return fmt.Errorf("pod %s not Running: %w", name, err)
		}
		lat = append(lat, r.watch.running(names[i : i+1])[0].Sub(sent))
		if time.Since(lastLog) >= 5*time.Second {
			lastLog = time.Now()
			r.cfg.Logger.Info("bench pods: serial", "running", i+1, "of", len(names))
		}
	}
	return nil
}

// parallel creates every pod at once and waits until all are Running.
func (r *podStartRun) parallel(ctx context.Context, ph *PodStartPhase, names []string) error {
	sent := make([]time.Time, len(names))
	took := make([]time.Duration, len(names))
	errs := make([]error, len(names))
	var wg sync.WaitGroup
	for i, name := range names {
		wg.Add(1)
		go func() {
			defer wg.Done()
			sent[i] = time.Now()
			_, errs[i] = r.pods.Create(ctx, r.newPod(name), metav1.CreateOptions{})
			took[i] = time.Since(sent[i])
		}()
	}
	wg.Wait()
	first, lastReply := sent[0], sent[0]
	var creates []time.Duration
	var firstErr error
	created := names[:0:0]
	for i, err := range errs {
		first, lastReply = minTime(first, sent[i]), maxTime(lastReply, sent[i].Add(took[i]))
		if err != nil {
			firstErr = cmpErr(firstErr, fmt.Errorf("create pod %s: %w", names[i], err))
			continue
		}
		creates = append(creates, took[i])
		created = append(created, names[i])
	}
	ph.Create = newResult("create (parallel)", creates, len(names)-len(creates), firstErr, lastReply.Sub(first))
	waitErr := r.watch.wait(ctx, r.cfg.Timeout, allRunning(created))
	var lat []time.Duration
	var last time.Time
	for i, at := range r.watch.running(names) {
		if !at.IsZero() {
			lat = append(lat, at.Sub(sent[i]))
			last = maxTime(last, at)
		}
	}
	ph.Running, ph.Latency = len(lat), Summarize(lat)
	if firstErr != nil {
		return firstErr
	}
	if waitErr != nil {
		return fmt.Errorf("%d of %d pods Running: %w", len(lat), len(names), waitErr)
	}
	ph.AllRunning = last.Sub(first)
	return nil
}

// deletePods deletes the named pods, letting each go through its
// (one-second) grace period as a real node stops it, and returns how long
// it took until the watch saw them all gone. It runs also when ctx was
// cancelled, with deadlines of its own, but then does not wait.
func (r *podStartRun) deletePods(ctx context.Context, names []string, res *Result) (time.Duration, error) {
	dctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), time.Minute)
	defer cancel()
	start := time.Now()
	*res = runOps(dctx, "delete", len(names), 16, func(ctx context.Context, i int) error {
		err := r.pods.Delete(ctx, names[i], metav1.DeleteOptions{})
		if apierrors.IsNotFound(err) {
			return nil // never created
		}
		return err
	})
	if ctx.Err() != nil {
		return 0, ctx.Err()
	}
	if err := r.watch.wait(ctx, r.cfg.Timeout, allGone(names)); err != nil {
		return 0, fmt.Errorf("pods not gone after their deletion: %w", err)
	}
	return time.Since(start), nil
}

// cleanup deletes the namespace the run made, without waiting (emptying
// a namespace is a controller's job), or in a namespace it was given,
// whatever pods of the run are left. It runs also when ctx was cancelled.
func (r *podStartRun) cleanup(ctx context.Context) {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), time.Minute)
	defer cancel()
	c := r.cfg.Client.CoreV1()
	var err error
	if r.ownNS {
		err = c.Namespaces().Delete(ctx, r.cfg.Namespace, metav1.DeleteOptions{})
	} else {
		err = r.pods.DeleteCollection(ctx, metav1.DeleteOptions{}, metav1.ListOptions{LabelSelector: labelRun + "=" + r.runID})
	}
	if err != nil && !apierrors.IsNotFound(err) {
		r.cfg.Logger.Warn("bench pods: clean-up", "namespace", r.cfg.Namespace, "err", err)
	}
}

// newPod is one benchmark pod: a single container that starts at once,
// and a grace period of one second, since `sleep` as PID 1 ignores
// SIGTERM and would otherwise hold every deletion for 30 s.
func (r *podStartRun) newPod(name string) *corev1.Pod {
	grace := int64(1)
	return &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Name: name, Labels: map[string]string{labelApp: appName, labelRun: r.runID}},
		Spec: corev1.PodSpec{
			NodeName:                      r.cfg.Node,
			TerminationGracePeriodSeconds: &grace,
			Containers: []corev1.Container{{
				Name: "main", Image: r.cfg.Image, Command: r.cfg.Command,
				ImagePullPolicy: corev1.PullIfNotPresent,
			}},
		},
	}
}

func sum(ds []time.Duration) time.Duration {
	var t time.Duration
	for _, d := range ds {
		t += d
	}
	return t
}

func minTime(a, b time.Time) time.Time {
	if b.Before(a) {
		return b
	}
	return a
}

func maxTime(a, b time.Time) time.Time {
	if b.After(a) {
		return b
	}
	return a
}
