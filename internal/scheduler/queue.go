package scheduler

import (
	"context"
	"errors"
	"sync"
	"time"

	v1 "k8s.io/api/core/v1"
	"k8s.io/utils/clock"
)

// Back-off of a pod that did not fit: 1s, doubling per attempt, at most
// 10s; a pod left unschedulable this long is retried even without events.
const (
	initialBackoff          = time.Second
	maxBackoff              = 10 * time.Second
	unschedulableMaxWaiting = 5 * time.Minute
)

// errQueueClosed is what Pop returns once the queue is closed.
var errQueueClosed = errors.New("scheduling queue closed")

// queuedPod is a pending pod with its scheduling history.
type queuedPod struct {
	pod      *v1.Pod
	key      string
	added    time.Time // when it last entered the queue; orders equal priorities
	attempts int
	failedAt time.Time
	// plugins that rejected it last time; events only wake pods that one
	// of their plugins cares about.
	plugins map[string]bool
	cycle   int64
}

// Queue holds the pods waiting to be scheduled: active ones by priority
// then age, backing-off ones by when their back-off ends, and unschedulable
// ones until a cluster event might let them fit.
type Queue struct {
	mu            sync.Mutex
	cond          *sync.Cond
	clock         clock.PassiveClock
	active        *podHeap
	backoff       *podHeap
	unschedulable map[string]*queuedPod
	inFlight      map[string]*queuedPod
	cycle         int64
	// moveCycle is the cycle of the last move request: a pod that fails in
	// a cycle up to it may have missed the event, so it backs off instead
	// of waiting for another.
	moveCycle int64
	closed    bool
}

// NewQueue returns an empty queue on clk.
func NewQueue(clk clock.PassiveClock) *Queue {
	q := &Queue{clock: clk, unschedulable: map[string]*queuedPod{}, inFlight: map[string]*queuedPod{}, moveCycle: -1}
	q.cond = sync.NewCond(&q.mu)
	q.active = newPodHeap(func(a, b *queuedPod) bool {
		if pa, pb := podPriority(a.pod), podPriority(b.pod); pa != pb {
			return pa > pb
		}
		return a.added.Before(b.added)
	})
	q.backoff = newPodHeap(func(a, b *queuedPod) bool { return q.backoffEnd(a).Before(q.backoffEnd(b)) })
	return q
}

func podKey(pod *v1.Pod) string { return string(pod.UID) }

// backoffEnd is when qp may be tried again.
func (q *Queue) backoffEnd(qp *queuedPod) time.Time {
	if qp.attempts == 0 {
		return qp.failedAt
	}
	d := initialBackoff
	for i := 1; i < qp.attempts && d < maxBackoff; i++ {
		d *= 2
	}
	return qp.failedAt.Add(min(d, maxBackoff))
}

// Add enqueues a new pending pod, or updates it if already known.
func (q *Queue) Add(pod *v1.Pod) {
	q.mu.Lock()
	defer q.mu.Unlock()
	if q.updateLocked(pod) {
		return
	}
	q.active.add(&queuedPod{pod: pod, key: podKey(pod), added: q.clock.Now()})
	q.cond.Broadcast()
}

// Update replaces a queued pod's object. An unschedulable pod whose spec
// changed gets another try, since the change may make it fit.
func (q *Queue) Update(pod *v1.Pod) {
	q.mu.Lock()
	defer q.mu.Unlock()
	if !q.updateLocked(pod) {
		q.active.add(&queuedPod{pod: pod, key: podKey(pod), added: q.clock.Now()})
		q.cond.Broadcast()
	}
}

func (q *Queue) updateLocked(pod *v1.Pod) bool {
	key := podKey(pod)
	if qp := q.inFlight[key]; qp != nil {
		qp.pod = pod
		return true
	}
	if qp := q.active.get(key); qp != nil {
		qp.pod = pod
		q.active.add(qp)
		return true
	}
	if qp := q.backoff.get(key); qp != nil {
		qp.pod = pod
		return true
	}
	if qp := q.unschedulable[key]; qp != nil {
		changed := specChanged(qp.pod, pod)
		qp.pod = pod
		if changed {
			delete(q.unschedulable, key)
			q.requeueLocked(qp)
		}
		return true
	}
	return false
}

// specChanged ignores status and metadata other than labels: a condition
// the scheduler itself wrote must not wake the pod.
func specChanged(old, cur *v1.Pod) bool {
	if old.Generation != cur.Generation || len(old.Labels) != len(cur.Labels) {
		return true
	}
	for k, v := range old.Labels {
		if cur.Labels[k] != v {
			return true
		}
	}
	return false
}

// Delete forgets a pod wherever it is.
func (q *Queue) Delete(pod *v1.Pod) {
	q.mu.Lock()
	defer q.mu.Unlock()
	key := podKey(pod)
	q.active.remove(key)
	q.backoff.remove(key)
	delete(q.unschedulable, key)
	delete(q.inFlight, key)
}

// Pop waits for the most important active pod. It returns errQueueClosed
// once Close was called, or ctx's error.
func (q *Queue) Pop(ctx context.Context) (*queuedPod, error) {
	q.mu.Lock()
	defer q.mu.Unlock()
	for q.active.Len() == 0 && !q.closed && ctx.Err() == nil {
		q.cond.Wait()
	}
	if q.closed {
		return nil, errQueueClosed
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	qp := q.active.pop()
	q.cycle++
	qp.cycle = q.cycle
	qp.attempts++
	q.inFlight[qp.key] = qp
	return qp, nil
}

// Done ends a pod's stay in the queue after it was placed.
func (q *Queue) Done(qp *queuedPod) {
	q.mu.Lock()
	defer q.mu.Unlock()
	delete(q.inFlight, qp.key)
}

// Unschedulable returns a pod that fit nowhere; plugins are the filters
// that rejected it. If the cluster changed while it was being tried, it
// backs off; otherwise it waits for an event its plugins care about.
func (q *Queue) Unschedulable(qp *queuedPod, plugins map[string]bool) {
	q.mu.Lock()
	defer q.mu.Unlock()
	if _, ok := q.inFlight[qp.key]; !ok {
		return // deleted meanwhile
	}
	delete(q.inFlight, qp.key)
	now := q.clock.Now()
	qp.plugins, qp.failedAt, qp.added = plugins, now, now
	if q.moveCycle >= qp.cycle {
		q.requeueLocked(qp)
		return
	}
	q.unschedulable[qp.key] = qp
}

// Retry returns a pod whose cycle failed for another reason (an API error)
// to back off.
func (q *Queue) Retry(qp *queuedPod) {
	q.mu.Lock()
	defer q.mu.Unlock()
	if _, ok := q.inFlight[qp.key]; !ok {
		return
	}
	delete(q.inFlight, qp.key)
	now := q.clock.Now()
	qp.failedAt, qp.added = now, now
	q.backoff.add(qp)
}

// requeueLocked moves qp to active if its back-off is over, else to backoff.
func (q *Queue) requeueLocked(qp *queuedPod) {
	if q.backoffEnd(qp).After(q.clock.Now()) {
		q.backoff.add(qp)
		return
	}
	qp.added = q.clock.Now()
	q.active.add(qp)
	q.cond.Broadcast()
}

// MoveAll re-queues the unschedulable pods that wake says a cluster event
// may help (by the plugins that rejected them).
func (q *Queue) MoveAll(wake func(plugins map[string]bool) bool) {
	q.mu.Lock()
	defer q.mu.Unlock()
	for key, qp := range q.unschedulable {
		if wake == nil || wake(qp.plugins) {
			delete(q.unschedulable, key)
			q.requeueLocked(qp)
		}
	}
	q.moveCycle = q.cycle
}

// Flush moves pods whose back-off ended to active, and pods unschedulable
// for too long back to be tried. The scheduler calls it every second.
func (q *Queue) Flush() {
	q.mu.Lock()
	defer q.mu.Unlock()
	now := q.clock.Now()
	for qp := q.backoff.peek(); qp != nil && !q.backoffEnd(qp).After(now); qp = q.backoff.peek() {
		q.backoff.pop()
		qp.added = now
		q.active.add(qp)
		q.cond.Broadcast()
	}
	for key, qp := range q.unschedulable {
		if now.Sub(qp.failedAt) >= unschedulableMaxWaiting {
			delete(q.unschedulable, key)
			q.requeueLocked(qp)
		}
	}
}

// Close wakes Pop for good.
func (q *Queue) Close() {
	q.mu.Lock()
	defer q.mu.Unlock()
	q.closed = true
	q.cond.Broadcast()
}

// Len reports the sizes of the sub-queues, for tests and logs.
func (q *Queue) Len() (active, backoff, unschedulable int) {
	q.mu.Lock()
	defer q.mu.Unlock()
	return q.active.Len(), q.backoff.Len(), len(q.unschedulable)
}
