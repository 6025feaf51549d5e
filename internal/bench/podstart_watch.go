package bench

import (
	"context"
	"fmt"
	"sync"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/watch"
	corev1client "k8s.io/client-go/kubernetes/typed/core/v1"
)

// podWatch follows one run's pods through a single watch and notes, with
// the benchmark's clock, when each was first seen Running. Waiters are
// woken by every event rather than polling, so a Running pod is noticed
// the moment its event arrives.
type podWatch struct {
	pods     corev1client.PodInterface
	selector string
	now      func() time.Time

	mu      sync.Mutex
	state   map[string]*watchedPod // by pod name
	changed chan struct{}          // closed and replaced on every change
	err     error                  // why the watch ended early
	done    chan struct{}
}

type watchedPod struct {
	present bool
	running time.Time // when first seen Running; zero until then
	problem string    // why the pod will not get to Running, if it won't
}

// startPodWatch lists the pods matching selector and watches them from
// the list's resourceVersion, so nothing created afterwards is missed.
// The watch runs until ctx ends; wait on done for it to be over.
func startPodWatch(ctx context.Context, pods corev1client.PodInterface, selector string) (*podWatch, error) {
	w := &podWatch{pods: pods, selector: selector, now: time.Now, state: map[string]*watchedPod{},
		changed: make(chan struct{}), done: make(chan struct{})}
	rv, err := w.relist(ctx)
	if err != nil {
		return nil, err
	}
	wi, err := pods.Watch(ctx, w.watchOptions(rv))
	if err != nil {
		return nil, fmt.Errorf("watch pods: %w", err)
	}
	go w.run(ctx, wi, rv)
	return w, nil
}

func (w *podWatch) watchOptions(rv string) metav1.ListOptions {
	return metav1.ListOptions{LabelSelector: w.selector, ResourceVersion: rv, AllowWatchBookmarks: true}
}

// maxEmptyWatches bounds how many watches in a row may end without an
// event before the watch is given up: a server that closes every watch
// at once must not spin the benchmark.
const maxEmptyWatches = 10

// run consumes the watch and reopens it where it ended; after a 410 it
// lists again.
func (w *podWatch) run(ctx context.Context, wi watch.Interface, rv string) {
	defer close(w.done)
	empty := 0
	for {
		next, events, err := w.consume(ctx, wi, rv)
		if ctx.Err() != nil {
			return
		}
		rv = next
		if apierrors.IsResourceExpired(err) || apierrors.IsGone(err) {
			rv, err = w.relist(ctx)
		}
		if err != nil {
			w.fail(err)
			return
		}
		if events == 0 {
			if empty++; empty > maxEmptyWatches {
				w.fail(fmt.Errorf("the server closed %d pod watches in a row without an event", empty))
				return
			}
			if !sleepCtx(ctx, time.Duration(empty)*100*time.Millisecond) {
				return
			}
		} else {
			empty = 0
		}
		if wi, err = w.pods.Watch(ctx, w.watchOptions(rv)); err != nil {
			if ctx.Err() == nil {
				w.fail(fmt.Errorf("reopen pod watch at %s: %w", rv, err))
			}
			return
		}
	}
}

// consume reads events until the stream or ctx ends and returns the
// resourceVersion to resume from and how many events came.
func (w *podWatch) consume(ctx context.Context, wi watch.Interface, rv string) (string, int, error) {
	defer wi.Stop()
	n := 0
	for {
		select {
		case <-ctx.Done():
			return rv, n, nil
		case ev, ok := <-wi.ResultChan():
			if !ok {
				return rv, n, nil
			}
			at := w.now()
			n++
			if ev.Type == watch.Error {
				return rv, n, fmt.Errorf("pod watch: %w", apierrors.FromObject(ev.Object))
			}
			pod, ok := ev.Object.(*corev1.Pod)
			if !ok {
				continue
			}
			rv = pod.ResourceVersion
			switch ev.Type {
			case watch.Added, watch.Modified:
				w.apply(pod, at)
			case watch.Deleted:
				w.gone(pod.Name)
			}
		}
	}
}

// relist reads the pods as they are (at the start, and after the watch
// fell too far behind) and returns the list's resourceVersion.
func (w *podWatch) relist(ctx context.Context) (string, error) {
	list, err := w.pods.List(ctx, metav1.ListOptions{LabelSelector: w.selector})
	if err != nil {
		return "", fmt.Errorf("list pods: %w", err)
	}
	at := w.now()
	seen := make(map[string]bool, len(list.Items))
	for i := range list.Items {
		seen[list.Items[i].Name] = true
		w.apply(&list.Items[i], at)
	}
	w.mu.Lock()
	for name, p := range w.state {
		if !seen[name] && p.present {
			p.present = false
		}
	}
	w.broadcast()
	w.mu.Unlock()
	return list.ResourceVersion, nil
}

func (w *podWatch) apply(pod *corev1.Pod, at time.Time) {
	w.mu.Lock()
	defer w.mu.Unlock()
	p := w.state[pod.Name]
	if p == nil {
		p = &watchedPod{}
		w.state[pod.Name] = p
	}
	p.present = true
	if p.running.IsZero() && podRunning(pod) {
		p.running = at
	}
	p.problem = podProblem(pod)
	w.broadcast()
}

func (w *podWatch) gone(name string) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if p := w.state[name]; p != nil {
		p.present = false
		w.broadcast()
	}
}

func (w *podWatch) fail(err error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.err = err
	w.broadcast()
}

// broadcast wakes every waiter. w.mu is held.
func (w *podWatch) broadcast() {
	close(w.changed)
	w.changed = make(chan struct{})
}

// wait blocks until cond, called with the pods' state under the lock,
// says done or returns an error, the watch fails, timeout passes or ctx
// ends.
func (w *podWatch) wait(ctx context.Context, timeout time.Duration, cond func(state map[string]*watchedPod) (bool, error)) error {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	for {
		w.mu.Lock()
		ok, err := cond(w.state)
		if !ok && err == nil {
			err = w.err
		}
		ch := w.changed
		w.mu.Unlock()
		if ok || err != nil {
			return err
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("waited %s: %w", timeout, ctx.Err())
		case <-ch:
		}
	}
}

// running returns when each named pod was first seen Running (zero for
// those that were not).
func (w *podWatch) running(names []string) []time.Time {
	w.mu.Lock()
	defer w.mu.Unlock()
	out := make([]time.Time, len(names))
	for i, n := range names {
		if p := w.state[n]; p != nil {
			out[i] = p.running
		}
	}
	return out
}

// allRunning is a wait condition: every named pod Running; a pod that
// will not get there ends the wait with its problem.
func allRunning(names []string) func(map[string]*watchedPod) (bool, error) {
	return func(state map[string]*watchedPod) (bool, error) {
		done := true
		for _, n := range names {
			p := state[n]
			switch {
			case p == nil || p.running.IsZero() && p.problem == "":
				done = false
			case p.running.IsZero():
				return false, fmt.Errorf("pod %s: %s", n, p.problem)
			}
		}
		return done, nil
	}
}

// allGone is a wait condition: none of the named pods exists.
func allGone(names []string) func(map[string]*watchedPod) (bool, error) {
	return func(state map[string]*watchedPod) (bool, error) {
		for _, n := range names {
			if p := state[n]; p != nil && p.present {
				return false, nil
			}
		}
		return true, nil
	}
}

// podRunning says whether a pod is Running with every container running:
// the moment `kubectl get pods` shows it Running n/n.
func podRunning(p *corev1.Pod) bool {
	if p.Status.Phase != corev1.PodRunning || len(p.Status.ContainerStatuses) < len(p.Spec.Containers) {
		return false
	}
	for _, s := range p.Status.ContainerStatuses {
		if s.State.Running == nil {
			return false
		}
	}
	return true
}

// stuckReasons are container waiting reasons after which a pod will not
// be Running soon without someone's help.
var stuckReasons = map[string]bool{
	"ErrImagePull": true, "ImagePullBackOff": true, "ErrImageNeverPull": true, "InvalidImageName": true,
	"CrashLoopBackOff": true, "CreateContainerConfigError": true, "CreateContainerError": true, "RunContainerError": true,
}

// podProblem says why a pod will not become Running, or "".
func podProblem(p *corev1.Pod) string {
	if p.Status.Phase == corev1.PodFailed || p.Status.Phase == corev1.PodSucceeded {
		return fmt.Sprintf("phase %s: %s %s", p.Status.Phase, p.Status.Reason, p.Status.Message)
	}
	for _, s := range p.Status.ContainerStatuses {
		if w := s.State.Waiting; w != nil && stuckReasons[w.Reason] {
			return fmt.Sprintf("container %s: %s: %s", s.Name, w.Reason, w.Message)
		}
	}
	return ""
}

// sleepCtx waits d unless ctx ends first; it says whether d passed.
func sleepCtx(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return false
	case <-t.C:
		return true
	}
}
