package bench

import (
	"sync"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/tools/cache"
)

// The stages a scale run times, in order.
const (
	stageCreated = iota
	stageScheduled
	stageRunning
	numStages
)

var stageNames = [numStages]string{"created", "scheduled", "running"}

// podTracker notes, from a pod informer's events, when each pod was first
// seen, first seen bound to a node, and first seen Running, and how many
// exist and run now. The times are when the event reached the benchmark,
// so they include the watch's delay, the same for every stage.
type podTracker struct {
	now func() time.Time

	mu      sync.Mutex
	start   time.Time
	pods    map[types.UID]*trackedPod
	at      [numStages][]time.Duration
	running int // pods whose phase is Running now
}

type trackedPod struct {
	reached [numStages]bool
	running bool
}

func newPodTracker(now func() time.Time) *podTracker {
	return &podTracker{now: now, start: now(), pods: map[types.UID]*trackedPod{}}
}

// startClock makes later moments count from now. Pods seen before are
// counted at 0.
func (t *podTracker) startClock() {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.start = t.now()
}

// since is the time since the clock started.
func (t *podTracker) since() time.Duration {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.now().Sub(t.start)
}

// observe records an added or updated pod.
func (t *podTracker) observe(pod *corev1.Pod) {
	t.mu.Lock()
	defer t.mu.Unlock()
	at := max(0, t.now().Sub(t.start))
	p, ok := t.pods[pod.UID]
	if !ok {
		p = &trackedPod{}
		t.pods[pod.UID] = p
	}
	running := pod.Status.Phase == corev1.PodRunning
	for s, reached := range [numStages]bool{true, pod.Spec.NodeName != "", running} {
		if reached && !p.reached[s] {
			p.reached[s] = true
			t.at[s] = append(t.at[s], at)
		}
	}
	if running != p.running {
		p.running = running
		if running {
			t.running++
		} else {
			t.running--
		}
	}
}

// forget records a deleted pod.
func (t *podTracker) forget(uid types.UID) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if p, ok := t.pods[uid]; ok && p.running {
		t.running--
	}
	delete(t.pods, uid)
}

// counts is how many pods exist and how many run now.
func (t *podTracker) counts() (present, running int) {
	t.mu.Lock()
	defer t.mu.Unlock()
	return len(t.pods), t.running
}

// reached copies each stage's moments so far.
func (t *podTracker) reached() [numStages][]time.Duration {
	t.mu.Lock()
	defer t.mu.Unlock()
	var out [numStages][]time.Duration
	for s := range out {
		out[s] = append([]time.Duration(nil), t.at[s]...)
	}
	return out
}

// handler feeds the tracker from an informer, tombstones included.
func (t *podTracker) handler() cache.ResourceEventHandler {
	return cache.ResourceEventHandlerFuncs{
		AddFunc:    func(obj any) { t.observeAny(obj) },
		UpdateFunc: func(_, obj any) { t.observeAny(obj) },
		DeleteFunc: func(obj any) {
			if d, ok := obj.(cache.DeletedFinalStateUnknown); ok {
				obj = d.Obj
			}
			if pod, ok := obj.(*corev1.Pod); ok {
				t.forget(pod.UID)
			}
		},
	}
}

func (t *podTracker) observeAny(obj any) {
	if pod, ok := obj.(*corev1.Pod); ok {
		t.observe(pod)
	}
}

// slimPod is the informer's transform: the tracker reads only a pod's
// identity, node and phase, so the cache of tens of thousands of pods
// keeps nothing else.
func slimPod(obj any) (any, error) {
	pod, ok := obj.(*corev1.Pod)
	if !ok {
		return obj, nil
	}
	return &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Name: pod.Name, Namespace: pod.Namespace, UID: pod.UID,
			ResourceVersion: pod.ResourceVersion, Labels: pod.Labels},
		Spec:   corev1.PodSpec{NodeName: pod.Spec.NodeName},
		Status: corev1.PodStatus{Phase: pod.Status.Phase},
	}, nil
}
