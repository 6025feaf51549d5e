package kubelet

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"sync"
	"time"

	"k8s.io/apimachinery/pkg/types"
	criapi "k8s.io/cri-api/pkg/apis/runtime/v1"

	"github.com/skiff/skiff/internal/kubelet/criconfig"
)

// The labels and annotations by which the agent finds a pod's sandboxes and
// containers in the runtime; the kubelet uses the same, so tools that read
// them (crictl) show skiff's pods the same way.
const (
	labelPodUID        = "io.kubernetes.pod.uid"
	labelPodName       = "io.kubernetes.pod.name"
	labelPodNamespace  = "io.kubernetes.pod.namespace"
	labelContainerName = "io.kubernetes.container.name"
	annotRestartCount  = "io.kubernetes.container.restartCount"
)

// podRuntime is what the runtime holds of one pod at one moment: every
// sandbox and container labelled with its UID, newest first.
type podRuntime struct {
	sandboxes  []*sandboxState
	containers []*containerState
}

type sandboxState struct {
	id        string
	attempt   uint32
	ready     bool
	createdAt time.Time
	// ips are the pod's addresses (only read for ready sandboxes).
	ips []string
}

type containerState struct {
	id, name, sandboxID string
	// attempt is the instance's restart count.
	attempt    int
	state      criapi.ContainerState
	createdAt  time.Time
	startedAt  time.Time
	finishedAt time.Time
	exitCode   int32
	// reason is the runtime's: Completed, Error, OOMKilled.
	reason, message string
	// image is the image name the runtime reports, imageRef its ID.
	image, imageRef string
	logPath         string
	// hash identifies the spec the instance was created from (name and
	// image, criconfig.ContainerHash); "" if unknown.
	hash string
	// msgRead: the termination message was added to message.
	msgRead bool
}

// Short names of the CRI container states.
const (
	stateCreated = criapi.ContainerState_CONTAINER_CREATED
	stateRunning = criapi.ContainerState_CONTAINER_RUNNING
	stateExited  = criapi.ContainerState_CONTAINER_EXITED
	stateUnknown = criapi.ContainerState_CONTAINER_UNKNOWN
)

func (c *containerState) running() bool { return c.state == stateRunning }
func (c *containerState) exited() bool  { return c.state == stateExited }

// readySandbox is the newest ready sandbox, or nil.
func (r *podRuntime) readySandbox() *sandboxState {
	for _, s := range r.sandboxes {
		if s.ready {
			return s
		}
	}
	return nil
}

// instances returns the containers named name, newest first; with sandbox
// set, only those in that sandbox.
func (r *podRuntime) instances(name, sandbox string) []*containerState {
	var out []*containerState
	for _, c := range r.containers {
		if c.name == name && (sandbox == "" || c.sandboxID == sandbox) {
			out = append(out, c)
		}
	}
	return out
}

// latest is the newest container named name (in sandbox, if set), or nil.
func (r *podRuntime) latest(name, sandbox string) *containerState {
	for _, c := range r.containers {
		if c.name == name && (sandbox == "" || c.sandboxID == sandbox) {
			return c
		}
	}
	return nil
}

func (r *podRuntime) empty() bool { return len(r.sandboxes) == 0 && len(r.containers) == 0 }

// observer reads pods' runtime state. It caches container statuses: an
// exited container never changes and a running one only by exiting, which
// the list shows, so a status is fetched once per state.
type observer struct {
	rt Runtime

	mu       sync.Mutex
	statuses map[string]*containerState
	// owners maps container and sandbox IDs to pod UIDs, for exit events.
	owners map[string]types.UID
}

func newObserver(rt Runtime) *observer {
	return &observer{rt: rt, statuses: map[string]*containerState{}, owners: map[string]types.UID{}}
}

// observe lists the pod's sandboxes and containers.
func (o *observer) observe(ctx context.Context, uid types.UID) (*podRuntime, error) {
	sel := map[string]string{labelPodUID: string(uid)}
	sbs, err := o.rt.ListPodSandbox(ctx, &criapi.PodSandboxFilter{LabelSelector: sel})
	if err != nil {
		return nil, err
	}
	ctrs, err := o.rt.ListContainers(ctx, &criapi.ContainerFilter{LabelSelector: sel})
	if err != nil {
		return nil, err
	}
	r := &podRuntime{}
	for _, sb := range sbs {
		s := &sandboxState{id: sb.Id, attempt: sb.GetMetadata().GetAttempt(), ready: sb.State == criapi.PodSandboxState_SANDBOX_READY,
			createdAt: time.Unix(0, sb.CreatedAt)}
		if s.ready {
			st, err := o.rt.PodSandboxStatus(ctx, sb.Id)
			if err != nil {
				return nil, err
			}
			s.ips = sandboxIPs(st)
		}
		r.sandboxes = append(r.sandboxes, s)
	}
	slices.SortFunc(r.sandboxes, func(a, b *sandboxState) int { return b.createdAt.Compare(a.createdAt) })
	for _, c := range ctrs {
		cs, err := o.status(ctx, c)
		if err != nil {
			return nil, err
		}
		if cs != nil {
			r.containers = append(r.containers, cs)
		}
	}
	// Restart counts order the instances of one container even when the
	// clock stepped; creation time breaks ties.
	slices.SortFunc(r.containers, func(a, b *containerState) int {
		if a.attempt != b.attempt {
			return b.attempt - a.attempt
		}
		return b.createdAt.Compare(a.createdAt)
	})
	o.remember(uid, r)
	return r, nil
}

// status returns the container's state, from the cache if its state is
// the one listed; nil if it vanished meanwhile.
func (o *observer) status(ctx context.Context, c *criapi.Container) (*containerState, error) {
	o.mu.Lock()
	cached := o.statuses[c.Id]
	o.mu.Unlock()
	if cached != nil && cached.state == c.State && c.State != criapi.ContainerState_CONTAINER_UNKNOWN {
		return cached, nil
	}
	st, err := o.rt.ContainerStatus(ctx, c.Id)
	if isNotFound(err) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	cs := containerFromStatus(c, st)
	o.mu.Lock()
	o.statuses[c.Id] = cs
	o.mu.Unlock()
	return cs, nil
}

func containerFromStatus(c *criapi.Container, st *criapi.ContainerStatus) *containerState {
	cs := &containerState{
		id: c.Id, name: c.GetMetadata().GetName(), sandboxID: c.PodSandboxId, attempt: int(c.GetMetadata().GetAttempt()),
		state: st.State, createdAt: time.Unix(0, st.CreatedAt), exitCode: st.ExitCode, reason: st.Reason, message: st.Message,
		image: st.GetImage().GetImage(), imageRef: st.ImageRef, logPath: st.LogPath,
	}
	cs.hash = c.Annotations[criconfig.AnnotationHash]
	if n, err := strconv.Atoi(c.Annotations[annotRestartCount]); err == nil {
		cs.attempt = n
	}
	if name := c.Labels[labelContainerName]; name != "" {
		cs.name = name
	}
	if st.StartedAt > 0 {
		cs.startedAt = time.Unix(0, st.StartedAt)
	}
	if st.FinishedAt > 0 {
		cs.finishedAt = time.Unix(0, st.FinishedAt)
	}
	return cs
}

func sandboxIPs(st *criapi.PodSandboxStatus) []string {
	n := st.GetNetwork()
	if n == nil || n.Ip == "" {
		return nil
	}
	ips := []string{n.Ip}
	for _, ip := range n.AdditionalIps {
		if ip.GetIp() != "" {
			ips = append(ips, ip.Ip)
		}
	}
	return ips
}

// remember records which pod owns the IDs seen.
func (o *observer) remember(uid types.UID, r *podRuntime) {
	o.mu.Lock()
	defer o.mu.Unlock()
	for _, s := range r.sandboxes {
		o.owners[s.id] = uid
	}
	for _, c := range r.containers {
		o.owners[c.id] = uid
	}
}

// own records a new ID at once, before the next observation, so that an
// exit right after a start finds its pod.
func (o *observer) own(id string, uid types.UID) {
	o.mu.Lock()
	o.owners[id] = uid
	o.mu.Unlock()
}

// owner returns the pod owning a container or sandbox ID.
func (o *observer) owner(id string) (types.UID, bool) {
	o.mu.Lock()
	defer o.mu.Unlock()
	uid, ok := o.owners[id]
	return uid, ok
}

// invalidate drops a container's cached status so that the next
// observation asks the runtime again.
func (o *observer) invalidate(id string) {
	o.mu.Lock()
	delete(o.statuses, id)
	o.mu.Unlock()
}

// forget drops removed IDs from the caches.
func (o *observer) forget(ids ...string) {
	o.mu.Lock()
	defer o.mu.Unlock()
	for _, id := range ids {
		delete(o.statuses, id)
		delete(o.owners, id)
	}
}

func (r *podRuntime) String() string {
	return fmt.Sprintf("%d sandboxes, %d containers", len(r.sandboxes), len(r.containers))
}

// byID finds a container by ID, or nil.
func (r *podRuntime) byID(id string) *containerState {
	for _, c := range r.containers {
		if c.id == id {
			return c
		}
	}
	return nil
}

// sandboxByID finds a sandbox by ID, or nil.
func (r *podRuntime) sandboxByID(id string) *sandboxState {
	for _, s := range r.sandboxes {
		if s.id == id {
			return s
		}
	}
	return nil
}
