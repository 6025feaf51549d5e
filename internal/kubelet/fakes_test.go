package kubelet

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"time"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/types"
	criapi "k8s.io/cri-api/pkg/apis/runtime/v1"
	"k8s.io/utils/clock"
)

// fakeRuntime is an in-memory CRI: sandboxes and containers with states
// the test drives (exit), images, and a log of the calls that change
// anything, for order assertions.
type fakeRuntime struct {
	clock clock.PassiveClock

	mu         sync.Mutex
	next       int
	sandboxes  map[string]*fakeSandbox
	containers map[string]*fakeContainer
	images     map[string]string // ref -> image ID
	// pullable images appear when pulled; pullErr fails the pull.
	pullable map[string]bool
	pullErr  error
	// createErr fails CreateContainer of the named container.
	createErr map[string]error
	calls     []string
}

type fakeSandbox struct {
	cfg     *criapi.PodSandboxConfig
	state   criapi.PodSandboxState
	created time.Time
	ip      string
}

type fakeContainer struct {
	cfg                        *criapi.ContainerConfig
	sandbox                    string
	state                      criapi.ContainerState
	created, started, finished time.Time
	exitCode                   int32
	reason                     string
	logPath                    string
	stopTimeout                time.Duration
}

func newFakeRuntime(c clock.PassiveClock) *fakeRuntime {
	return &fakeRuntime{clock: c, sandboxes: map[string]*fakeSandbox{}, containers: map[string]*fakeContainer{},
		images: map[string]string{testImage: "sha256:busybox"}, pullable: map[string]bool{}, createErr: map[string]error{}}
}

const testImage = "docker.io/library/busybox:1.36"

func notFound(what string) error { return status.Error(codes.NotFound, what+" not found") }

func (f *fakeRuntime) record(format string, args ...any) {
	f.calls = append(f.calls, fmt.Sprintf(format, args...))
}

// callLog returns the calls made so far and forgets them.
func (f *fakeRuntime) callLog() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	c := f.calls
	f.calls = nil
	return c
}

func (f *fakeRuntime) id(prefix string) string {
	f.next++
	return fmt.Sprintf("%s%d", prefix, f.next)
}

// now keeps fake times distinct and ordered: every call is a tick later.
func (f *fakeRuntime) now() time.Time {
	return f.clock.Now().Add(time.Duration(f.next) * time.Microsecond)
}

func (f *fakeRuntime) RunPodSandbox(_ context.Context, cfg *criapi.PodSandboxConfig, _ string) (string, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	id := f.id("sb")
	f.sandboxes[id] = &fakeSandbox{cfg: cfg, state: criapi.PodSandboxState_SANDBOX_READY, created: f.now(), ip: fmt.Sprintf("10.42.0.%d", f.next)}
	f.record("RunPodSandbox %s attempt=%d", cfg.Metadata.Name, cfg.Metadata.Attempt)
	return id, nil
}

func (f *fakeRuntime) StopPodSandbox(_ context.Context, id string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	sb := f.sandboxes[id]
	if sb == nil {
		return notFound("sandbox " + id)
	}
	sb.state = criapi.PodSandboxState_SANDBOX_NOTREADY
	for _, c := range f.containers {
		if c.sandbox == id && c.state == criapi.ContainerState_CONTAINER_RUNNING {
			c.state, c.exitCode, c.reason, c.finished = criapi.ContainerState_CONTAINER_EXITED, 137, "Error", f.now()
		}
	}
	f.record("StopPodSandbox %s", id)
	return nil
}

func (f *fakeRuntime) RemovePodSandbox(_ context.Context, id string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.sandboxes[id] == nil {
		return notFound("sandbox " + id)
	}
	delete(f.sandboxes, id)
	for cid, c := range f.containers {
		if c.sandbox == id {
			delete(f.containers, cid)
		}
	}
	f.record("RemovePodSandbox %s", id)
	return nil
}

func (f *fakeRuntime) PodSandboxStatus(_ context.Context, id string) (*criapi.PodSandboxStatus, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	sb := f.sandboxes[id]
	if sb == nil {
		return nil, notFound("sandbox " + id)
	}
	return &criapi.PodSandboxStatus{Id: id, State: sb.state, Network: &criapi.PodSandboxNetworkStatus{Ip: sb.ip}}, nil
}

func labelsMatch(have, want map[string]string) bool {
	for k, v := range want {
		if have[k] != v {
			return false
		}
	}
	return true
}

func (f *fakeRuntime) ListPodSandbox(_ context.Context, filter *criapi.PodSandboxFilter) ([]*criapi.PodSandbox, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []*criapi.PodSandbox
	for id, sb := range f.sandboxes {
		if !labelsMatch(sb.cfg.Labels, filter.GetLabelSelector()) ||
			(filter.GetState() != nil && filter.GetState().State != sb.state) {
			continue
		}
		out = append(out, &criapi.PodSandbox{Id: id, Metadata: sb.cfg.Metadata, State: sb.state, CreatedAt: sb.created.UnixNano(), Labels: sb.cfg.Labels})
	}
	return out, nil
}

func (f *fakeRuntime) CreateContainer(_ context.Context, sandboxID string, cfg *criapi.ContainerConfig, _ *criapi.PodSandboxConfig) (string, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if err := f.createErr[cfg.Metadata.Name]; err != nil {
		return "", err
	}
	sb := f.sandboxes[sandboxID]
	if sb == nil || sb.state != criapi.PodSandboxState_SANDBOX_READY {
		return "", fmt.Errorf("sandbox %s is not ready", sandboxID)
	}
	id := f.id("c")
	f.containers[id] = &fakeContainer{cfg: cfg, sandbox: sandboxID, state: criapi.ContainerState_CONTAINER_CREATED, created: f.now(),
		logPath: filepath.Join(sb.cfg.LogDirectory, cfg.LogPath)}
	f.record("CreateContainer %s attempt=%d image=%s", cfg.Metadata.Name, cfg.Metadata.Attempt, cfg.Image.GetImage())
	return id, nil
}

func (f *fakeRuntime) StartContainer(_ context.Context, id string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	c := f.containers[id]
	if c == nil {
		return notFound("container " + id)
	}
	c.state, c.started = criapi.ContainerState_CONTAINER_RUNNING, f.now()
	f.record("StartContainer %s", c.cfg.Metadata.Name)
	return nil
}

func (f *fakeRuntime) StopContainer(_ context.Context, id string, timeout time.Duration) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	c := f.containers[id]
	if c == nil {
		return notFound("container " + id)
	}
	if c.state == criapi.ContainerState_CONTAINER_RUNNING {
		c.state, c.exitCode, c.reason, c.finished = criapi.ContainerState_CONTAINER_EXITED, 143, "Error", f.now()
	}
	c.stopTimeout = timeout
	f.record("StopContainer %s timeout=%v", c.cfg.Metadata.Name, timeout)
	return nil
}

func (f *fakeRuntime) RemoveContainer(_ context.Context, id string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	c := f.containers[id]
	if c == nil {
		return notFound("container " + id)
	}
	delete(f.containers, id)
	f.record("RemoveContainer %s attempt=%d", c.cfg.Metadata.Name, c.cfg.Metadata.Attempt)
	return nil
}

func (f *fakeRuntime) ContainerStatus(_ context.Context, id string) (*criapi.ContainerStatus, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	c := f.containers[id]
	if c == nil {
		return nil, notFound("container " + id)
	}
	st := &criapi.ContainerStatus{Id: id, Metadata: c.cfg.Metadata, State: c.state, CreatedAt: c.created.UnixNano(),
		ExitCode: c.exitCode, Reason: c.reason, Image: c.cfg.Image, ImageRef: c.cfg.Image.GetImage(), LogPath: c.logPath,
		Labels: c.cfg.Labels, Annotations: c.cfg.Annotations}
	if !c.started.IsZero() {
		st.StartedAt = c.started.UnixNano()
	}
	if !c.finished.IsZero() {
		st.FinishedAt = c.finished.UnixNano()
	}
	return st, nil
}

func (f *fakeRuntime) ListContainers(_ context.Context, filter *criapi.ContainerFilter) ([]*criapi.Container, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []*criapi.Container
	for id, c := range f.containers {
		if !labelsMatch(c.cfg.Labels, filter.GetLabelSelector()) {
			continue
		}
		out = append(out, &criapi.Container{Id: id, PodSandboxId: c.sandbox, Metadata: c.cfg.Metadata, State: c.state,
			CreatedAt: c.created.UnixNano(), Labels: c.cfg.Labels, Annotations: c.cfg.Annotations})
	}
	return out, nil
}

func (f *fakeRuntime) PullImage(_ context.Context, ref string, _ *criapi.AuthConfig, _ *criapi.PodSandboxConfig) (string, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.record("PullImage %s", ref)
	if f.pullErr != nil {
		return "", f.pullErr
	}
	if !f.pullable[ref] && f.images[ref] == "" {
		return "", status.Error(codes.NotFound, "failed to resolve reference \""+ref+"\": not found")
	}
	f.images[ref] = "sha256:" + strings.ReplaceAll(ref, "/", "_")
	return f.images[ref], nil
}

func (f *fakeRuntime) ImageStatus(_ context.Context, ref string) (*criapi.Image, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if id := f.images[ref]; id != "" {
		return &criapi.Image{Id: id, RepoTags: []string{ref}}, nil
	}
	return nil, nil
}

// exit ends a running container's main process.
func (f *fakeRuntime) exit(name string, code int32, reason string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, c := range f.containers {
		if c.cfg.Metadata.Name == name && c.state == criapi.ContainerState_CONTAINER_RUNNING {
			if reason == "" {
				reason = "Error"
				if code == 0 {
					reason = "Completed"
				}
			}
			c.state, c.exitCode, c.reason, c.finished = criapi.ContainerState_CONTAINER_EXITED, code, reason, f.now()
			return
		}
	}
	panic("no running container " + name)
}

// killSandbox makes a sandbox die (its pause process ended).
func (f *fakeRuntime) killSandbox(id string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.sandboxes[id].state = criapi.PodSandboxState_SANDBOX_NOTREADY
}

// running lists the names of running containers, sorted.
func (f *fakeRuntime) running() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []string
	for _, c := range f.containers {
		if c.state == criapi.ContainerState_CONTAINER_RUNNING {
			out = append(out, c.cfg.Metadata.Name)
		}
	}
	slices.Sort(out)
	return out
}

func (f *fakeRuntime) counts() (sandboxes, containers int) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return len(f.sandboxes), len(f.containers)
}

// fakeConfigs builds minimal CRI configs the way criconfig does.
type fakeConfigs struct{}

func (fakeConfigs) Sandbox(pod *corev1.Pod, o SandboxOptions) (*criapi.PodSandboxConfig, error) {
	return &criapi.PodSandboxConfig{
		Metadata:     &criapi.PodSandboxMetadata{Name: pod.Name, Namespace: pod.Namespace, Uid: string(pod.UID)},
		LogDirectory: o.LogDirectory,
	}, nil
}

func (fakeConfigs) Container(_ *corev1.Pod, c *corev1.Container, o ContainerOptions) (*criapi.ContainerConfig, error) {
	return &criapi.ContainerConfig{Metadata: &criapi.ContainerMetadata{Name: c.Name}, Image: &criapi.ImageSpec{Image: o.Image},
		LogPath: o.LogPath}, nil
}

func (fakeConfigs) ResolveEnv(_ context.Context, _ *corev1.Pod, c *corev1.Container, _ string, _ []string) ([]corev1.EnvVar, error) {
	for _, e := range c.Env {
		if e.ValueFrom != nil && e.ValueFrom.ConfigMapKeyRef != nil {
			return nil, fmt.Errorf("configmap %q not found", e.ValueFrom.ConfigMapKeyRef.Name)
		}
	}
	return c.Env, nil
}

func (fakeConfigs) QOSClass(*corev1.Pod) corev1.PodQOSClass { return corev1.PodQOSBestEffort }

// fakeVolumes has no volumes and records teardowns.
type fakeVolumes struct {
	mu        sync.Mutex
	teardowns []types.UID
	setupErr  error
	dirs      []types.UID
}

func (v *fakeVolumes) Setup(context.Context, *corev1.Pod) (map[string]Mount, error) {
	v.mu.Lock()
	defer v.mu.Unlock()
	return map[string]Mount{}, v.setupErr
}

func (v *fakeVolumes) Teardown(_ context.Context, uid types.UID) error {
	v.mu.Lock()
	defer v.mu.Unlock()
	v.teardowns = append(v.teardowns, uid)
	return nil
}

func (v *fakeVolumes) PodDirs() ([]types.UID, error) { return v.dirs, nil }

// fakeProbes holds probe results the test sets and records hooks run.
type fakeProbes struct {
	mu       sync.Mutex
	notReady map[string]bool
	starting map[string]bool   // startup probe not passed yet
	liveness map[string]string // container -> failed instance ID
	hookErr  error
	hooks    []string
	synced   map[types.UID][]string
	onChange func(types.UID)
}

func newFakeProbes() *fakeProbes {
	return &fakeProbes{notReady: map[string]bool{}, starting: map[string]bool{}, liveness: map[string]string{}, synced: map[types.UID][]string{}}
}

func (p *fakeProbes) Run(ctx context.Context) { <-ctx.Done() }

func (p *fakeProbes) Sync(uid types.UID, running []ProbeTarget) {
	p.mu.Lock()
	defer p.mu.Unlock()
	var names []string
	for _, t := range running {
		names = append(names, t.Container.Name)
	}
	p.synced[uid] = names
}

func (p *fakeProbes) Remove(uid types.UID) {
	p.mu.Lock()
	defer p.mu.Unlock()
	delete(p.synced, uid)
}

func (p *fakeProbes) Ready(_ types.UID, name string) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	return !p.notReady[name] && !p.starting[name]
}

func (p *fakeProbes) Started(_ types.UID, name string) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	return !p.starting[name]
}

func (p *fakeProbes) LivenessFailed(_ types.UID, name string) (string, string, bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	id, ok := p.liveness[name]
	return id, "", ok
}

func (p *fakeProbes) RunHandler(ctx context.Context, _, containerID string, h *corev1.LifecycleHandler) (string, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.hooks = append(p.hooks, strings.Join(h.Exec.Command, " "))
	if p.hookErr != nil {
		return "hook failed: " + p.hookErr.Error(), p.hookErr
	}
	return "", nil
}

var errHook = errors.New("exit status 1")
