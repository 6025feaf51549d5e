package probe

import (
	"context"
	"fmt"
	"net/http"
	"sync"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/tools/record"
)

// Manager probes the running containers of a node's pods and keeps what
// the probes found per container: started, ready, and a liveness or
// startup failure to act on. Its methods are safe for concurrent use.
type Manager struct {
	prober   prober
	rec      record.EventRecorder
	onChange func(types.UID)
	// unit is the length of one of the API's seconds (see timing).
	unit time.Duration

	mu    sync.Mutex
	ctx   context.Context // Run's while it runs; workers derive from it
	wg    sync.WaitGroup  // running workers
	pods  map[types.UID]*podState
	dirty map[types.UID]struct{} // pods whose results changed, for onChange
	wake  chan struct{}          // signals Run that dirty has entries
}

// podState is what the manager keeps of one pod.
type podState struct {
	containers map[string]*containerState // by container name
	// reported holds the IDs of containers whose failure was handed out,
	// so each container instance is restarted for its failure once.
	reported map[string]bool
}

// containerState is one running container instance and its probes'
// published results.
type containerState struct {
	t       *target
	started bool
	ready   bool
	failure *Failure
	workers map[Kind]*worker
}

// Failure is a liveness or startup probe that failed failureThreshold
// times in a row: the container must be restarted.
type Failure struct {
	ContainerID string
	Kind        Kind // Liveness or Startup
	// Message is the kubelet's words for the kill, for the Killing event:
	// "Container web failed liveness probe, will be restarted".
	Message string
	// Output is what the last failed probe said.
	Output string
	// GracePeriodSeconds is the probe's terminationGracePeriodSeconds,
	// which replaces the pod's for this kill; nil means use the pod's.
	GracePeriodSeconds *int64
}

// NewManager makes a manager that runs exec probes through rt, records
// probe events with rec (nil: none) and calls onChange with a pod's UID,
// from Run's goroutine, whenever a container of the pod became started,
// ready or unready, or failed its liveness or startup probe. onChange may
// take its time: changes meanwhile are collected, never lost, and the
// workers never wait for it.
func NewManager(rt Runtime, rec record.EventRecorder, onChange func(podUID types.UID)) *Manager {
	if onChange == nil {
		onChange = func(types.UID) {}
	}
	return &Manager{
		prober:   prober{rt: rt, transport: newTransport(), agent: userAgent("kube-probe")},
		rec:      rec,
		onChange: onChange,
		unit:     time.Second,
		pods:     map[types.UID]*podState{},
		dirty:    map[types.UID]struct{}{},
		wake:     make(chan struct{}, 1),
	}
}

// Run starts the workers of containers synced so far and of those synced
// later, delivers onChange calls, and returns when ctx ends and every
// worker has stopped. Call it once.
func (m *Manager) Run(ctx context.Context) {
	m.mu.Lock()
	m.ctx = ctx
	for _, ps := range m.pods {
		for _, cs := range ps.containers {
			for _, w := range cs.workers {
				m.start(w)
			}
		}
	}
	m.mu.Unlock()
	defer func() {
		m.mu.Lock()
		m.ctx = nil
		m.mu.Unlock()
		m.wg.Wait()
		if tr, ok := m.prober.transport.(*http.Transport); ok {
			tr.CloseIdleConnections()
		}
	}()
	for {
		select {
		case <-ctx.Done():
			return
		case <-m.wake:
			for _, uid := range m.takeDirty() {
				m.onChange(uid)
			}
		}
	}
}

// Sync tells the manager which containers of a pod run now. Containers
// with a new container ID (new, or restarted) are probed afresh: started
// is false until a startup probe passes (true at once without one), ready
// is false until a readiness probe passes (true once started without
// one). Containers missing from running are no longer probed and read as
// neither started nor ready. Targets without a container or an ID are
// skipped.
func (m *Manager) Sync(podUID types.UID, running []Target) {
	m.mu.Lock()
	defer m.mu.Unlock()
	ps := m.pods[podUID]
	if ps == nil {
		ps = &podState{containers: map[string]*containerState{}, reported: map[string]bool{}}
		m.pods[podUID] = ps
	}
	seen := make(map[string]bool, len(running))
	for _, t := range running {
		if t.Container == nil || t.ContainerID == "" {
			continue
		}
		name := t.Container.Name
		seen[name] = true
		if cs := ps.containers[name]; cs != nil {
			if cs.t.containerID == t.ContainerID {
				continue
			}
			cs.stop()
		}
		ps.containers[name] = m.newContainer(podUID, t)
	}
	for name, cs := range ps.containers {
		if !seen[name] {
			cs.stop()
			delete(ps.containers, name)
		}
	}
}

// Remove forgets a pod and stops probing it.
func (m *Manager) Remove(podUID types.UID) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if ps := m.pods[podUID]; ps != nil {
		for _, cs := range ps.containers {
			cs.stop()
		}
	}
	delete(m.pods, podUID)
	delete(m.dirty, podUID)
}

// Ready says whether a running container passed its readiness probe
// (with none: whether it runs and has started).
func (m *Manager) Ready(podUID types.UID, container string) bool {
	m.mu.Lock()
	defer m.mu.Unlock()
	cs := m.container(podUID, container)
	return cs != nil && cs.ready
}

// Started says whether a running container passed its startup probe
// (with none: whether it runs).
func (m *Manager) Started(podUID types.UID, container string) bool {
	m.mu.Lock()
	defer m.mu.Unlock()
	cs := m.container(podUID, container)
	return cs != nil && cs.started
}

// LivenessFailed reports a container whose liveness or startup probe
// failed failureThreshold times in a row, with the message for its
// Killing event. It reports each container instance once; the caller
// restarts it (or, under restartPolicy Never, stops it).
func (m *Manager) LivenessFailed(podUID types.UID, container string) (containerID string, msg string, failed bool) {
	f, ok := m.LivenessFailure(podUID, container)
	return f.ContainerID, f.Message, ok
}

// LivenessFailure is LivenessFailed with the details: which probe failed,
// its last output and its own termination grace period. It shares
// LivenessFailed's once-per-container reporting.
func (m *Manager) LivenessFailure(podUID types.UID, container string) (Failure, bool) {
	m.mu.Lock()
	defer m.mu.Unlock()
	cs := m.container(podUID, container)
	if cs == nil || cs.failure == nil {
		return Failure{}, false
	}
	ps := m.pods[podUID]
	if ps.reported[cs.t.containerID] {
		return Failure{}, false
	}
	ps.reported[cs.t.containerID] = true
	return *cs.failure, true
}

func (m *Manager) container(podUID types.UID, name string) *containerState {
	if ps := m.pods[podUID]; ps != nil {
		return ps.containers[name]
	}
	return nil
}

// newContainer makes the state and workers of a container instance and
// starts the workers if Run runs. m.mu is held.
func (m *Manager) newContainer(podUID types.UID, t Target) *containerState {
	tg := newTarget(podUID, t)
	cs := &containerState{t: tg, workers: map[Kind]*worker{}}
	cs.started = tg.container.StartupProbe == nil
	cs.ready = cs.started && tg.container.ReadinessProbe == nil
	for _, k := range kinds {
		if spec := k.spec(tg.container); spec != nil {
			w := &worker{m: m, kind: k, t: tg, spec: spec, timing: timingOf(k, spec, m.unit), trigger: make(chan struct{}, 1)}
			cs.workers[k] = w
			m.start(w)
		}
	}
	return cs
}

// start runs w under Run's context, if Run runs. m.mu is held.
func (m *Manager) start(w *worker) {
	if m.ctx == nil || w.cancel != nil {
		return
	}
	ctx, cancel := context.WithCancel(m.ctx)
	w.cancel = cancel
	m.wg.Add(1)
	go func() {
		defer m.wg.Done()
		w.run(ctx)
	}()
}

// stop ends the container's workers without waiting: a worker that is
// mid-probe finishes it, and its result is dropped (see publish).
func (cs *containerState) stop() {
	for _, w := range cs.workers {
		if w.cancel != nil {
			w.cancel()
		}
	}
}

// started says whether w's container has started, so that liveness and
// readiness workers wait for the startup probe.
func (m *Manager) started(w *worker) bool {
	m.mu.Lock()
	defer m.mu.Unlock()
	cs := m.container(w.t.podUID, w.t.container.Name)
	return cs != nil && cs.started
}

// publish records a result that crossed its threshold (ok: success) and
// says whether w should go on probing. Results of a worker that was
// replaced or stopped meanwhile are dropped.
func (m *Manager) publish(w *worker, ok bool, output string) bool {
	m.mu.Lock()
	defer m.mu.Unlock()
	cs := m.container(w.t.podUID, w.t.container.Name)
	if cs == nil || cs.workers[w.kind] != w {
		return false
	}
	switch {
	case w.kind == Readiness:
		if cs.ready != ok {
			cs.ready = ok
			m.notify(w.t.podUID)
		}
		return true
	case ok && w.kind == Liveness:
		return true
	case ok: // Startup passed: no more startup probes for this instance.
		cs.started = true
		if cs.t.container.ReadinessProbe == nil {
			cs.ready = true
		}
		for _, k := range []Kind{Liveness, Readiness} {
			if lw := cs.workers[k]; lw != nil {
				select {
				case lw.trigger <- struct{}{}: // probe now rather than a period later
				default:
				}
			}
		}
		m.notify(w.t.podUID)
		return false
	}
	// A liveness or startup failure: the container is to be restarted.
	// Like the kubelet, stop probing it until a new instance appears.
	cs.failure = &Failure{
		ContainerID:        cs.t.containerID,
		Kind:               w.kind,
		Message:            fmt.Sprintf("Container %s failed %s probe, will be restarted", cs.t.container.Name, w.kind),
		Output:             output,
		GracePeriodSeconds: w.spec.TerminationGracePeriodSeconds,
	}
	m.notify(w.t.podUID)
	return false
}

// notify queues an onChange call for a pod. m.mu is held.
func (m *Manager) notify(uid types.UID) {
	m.dirty[uid] = struct{}{}
	select {
	case m.wake <- struct{}{}:
	default: // Run has a wake-up pending; it will see this pod too
	}
}

func (m *Manager) takeDirty() []types.UID {
	m.mu.Lock()
	defer m.mu.Unlock()
	uids := make([]types.UID, 0, len(m.dirty))
	for uid := range m.dirty {
		uids = append(uids, uid)
	}
	clear(m.dirty)
	return uids
}

// event records a probe event on the container, if there is a recorder.
func (m *Manager) event(t *target, reason, format string, args ...any) {
	if m.rec != nil {
		m.rec.Eventf(t.ref, corev1.EventTypeWarning, reason, format, args...)
	}
}
