package volume

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"sync"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/util/validation"
	"k8s.io/client-go/kubernetes"
	"k8s.io/utils/clock"
)

// Config is what a Manager needs.
type Config struct {
	// Client reads ConfigMaps, Secrets, PVCs, PVs and the Node, and
	// requests service account tokens.
	Client kubernetes.Interface
	// RootDir holds one directory per pod (DIR/pods).
	RootDir string
	// NodeName is this node: its allocatable resources stand in for
	// container limits that are not set (downwardAPI resourceFieldRef).
	NodeName string
	Logger   *slog.Logger
	// Clock decides when service account tokens are refreshed; nil is the
	// real clock.
	Clock clock.PassiveClock
}

// Mount is one pod volume as the container runtime bind-mounts it.
type Mount struct {
	HostPath string
	// ReadOnly is the volume's own read-only-ness (configMap, secret,
	// downwardAPI and projected volumes always, a claim when its pod says
	// so), on top of what each volumeMount asks for.
	ReadOnly bool
}

// VolumeError is one volume that could not be set up. Its message is the
// text of the kubelet's FailedMount event.
type VolumeError struct {
	Volume string
	Err    error
}

func (e *VolumeError) Error() string {
	return fmt.Sprintf("MountVolume.SetUp failed for volume %q : %v", e.Volume, e.Err)
}

func (e *VolumeError) Unwrap() error { return e.Err }

// Errors lists the volumes a Setup error is about, one per FailedMount
// event; nil if err is not from Setup.
func Errors(err error) []*VolumeError {
	var out []*VolumeError
	if joined, ok := err.(interface{ Unwrap() []error }); ok {
		for _, e := range joined.Unwrap() {
			var ve *VolumeError
			if errors.As(e, &ve) {
				out = append(out, ve)
			}
		}
		return out
	}
	var ve *VolumeError
	if errors.As(err, &ve) {
		out = append(out, ve)
	}
	return out
}

// Manager sets up and tears down the volumes of the pods on this node. It is
// safe for concurrent use; calls for one pod are serialized.
type Manager struct {
	client   kubernetes.Interface
	root     string
	nodeName string
	log      *slog.Logger
	clock    clock.PassiveClock
	tokens   *tokenCache

	mu       sync.Mutex
	podLocks map[types.UID]*podLock
	// owned records local persistent volumes whose ownership was already
	// given to the pod's fsGroup ("uid/volume"): the kubelet does that once
	// per pod, not on every sync.
	owned map[string]bool
}

type podLock struct {
	mu   sync.Mutex
	refs int
}

// New returns a Manager. It touches nothing until Setup.
func New(cfg Config) *Manager {
	log := cfg.Logger
	if log == nil {
		log = slog.Default()
	}
	clk := cfg.Clock
	if clk == nil {
		clk = clock.RealClock{}
	}
	return &Manager{
		client:   cfg.Client,
		root:     cfg.RootDir,
		nodeName: cfg.NodeName,
		log:      log,
		clock:    clk,
		tokens:   newTokenCache(cfg.Client, clk, log),
		podLocks: map[types.UID]*podLock{},
		owned:    map[string]bool{},
	}
}

// Setup makes every volume of the pod, or refreshes it: configMap, secret,
// downwardAPI and projected contents are rewritten atomically when they
// changed, and service account tokens are renewed when 80% of their life has
// passed. It is idempotent; the core calls it on every pod sync, and a
// running pod sees updates only as often as that happens.
//
// It returns one Mount per volume name. It tries every volume even when one
// fails, so the others are ready when the failing one recovers; the error
// then joins one *VolumeError per failed volume (Errors lists them).
func (m *Manager) Setup(ctx context.Context, pod *corev1.Pod) (map[string]Mount, error) {
	podDir, err := m.podDir(pod.UID)
	if err != nil {
		return nil, err
	}
	unlock := m.lockPod(pod.UID)
	defer unlock()

	mounts := make(map[string]Mount, len(pod.Spec.Volumes))
	var errs []error
	for i := range pod.Spec.Volumes {
		v := &pod.Spec.Volumes[i]
		mnt, err := m.setupVolume(ctx, pod, podDir, v)
		if err != nil {
			errs = append(errs, &VolumeError{Volume: v.Name, Err: err})
			continue
		}
		mounts[v.Name] = mnt
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	return mounts, nil
}

func (m *Manager) setupVolume(ctx context.Context, pod *corev1.Pod, podDir string, v *corev1.Volume) (Mount, error) {
	if errs := validation.IsDNS1123Label(v.Name); len(errs) > 0 {
		return Mount{}, fmt.Errorf("invalid volume name %q: %s", v.Name, errs[0])
	}
	dir := filepath.Join(podDir, "volumes", v.Name)
	src := &v.VolumeSource
	switch {
	case src.EmptyDir != nil:
		return m.setupEmptyDir(pod, dir, src.EmptyDir)
	case src.ConfigMap != nil:
		return m.setupConfigMap(ctx, pod, dir, src.ConfigMap)
	case src.Secret != nil:
		return m.setupSecret(ctx, pod, dir, src.Secret)
	case src.DownwardAPI != nil:
		return m.setupDownwardAPI(ctx, pod, dir, src.DownwardAPI)
	case src.Projected != nil:
		return m.setupProjected(ctx, pod, dir, src.Projected)
	case src.HostPath != nil:
		return setupHostPath(src.HostPath)
	case src.PersistentVolumeClaim != nil:
		return m.setupClaim(ctx, pod, v.Name, src.PersistentVolumeClaim)
	}
	return Mount{}, fmt.Errorf("volume type %s is not supported by skiff", sourceType(src))
}

// Teardown unmounts everything below the pod's directory (its tmpfs
// volumes) and removes DIR/pods/<uid>/volumes, and forgets the pod's
// tokens. The rest of DIR/pods/<uid> (the core's files) stays for the core
// to remove. Call it once the pod's containers are gone; a pod with nothing
// here is not an error.
func (m *Manager) Teardown(ctx context.Context, podUID types.UID) error {
	podDir, err := m.podDir(podUID)
	if err != nil {
		return err
	}
	unlock := m.lockPod(podUID)
	defer unlock()

	m.tokens.forgetPod(podUID)
	m.mu.Lock()
	for k := range m.owned {
		if filepath.Dir(k) == string(podUID) {
			delete(m.owned, k)
		}
	}
	m.mu.Unlock()

	if _, err := os.Lstat(podDir); errors.Is(err, os.ErrNotExist) {
		return nil
	}
	if err := unmountBelow(podDir, m.log); err != nil {
		return fmt.Errorf("tear down volumes of pod %s: %w", podUID, err)
	}
	if err := os.RemoveAll(filepath.Join(podDir, "volumes")); err != nil {
		return fmt.Errorf("tear down volumes of pod %s: %w", podUID, err)
	}
	m.log.Debug("tore down pod volumes", "podUID", podUID)
	return nil
}

// PodDirs lists the pods that have a directory DIR/pods/<uid>, so the core
// can tear down and remove those it no longer knows (after a restart).
func (m *Manager) PodDirs() ([]types.UID, error) {
	entries, err := os.ReadDir(m.root)
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("list pod dirs: %w", err)
	}
	var uids []types.UID
	for _, e := range entries {
		if e.IsDir() {
			uids = append(uids, types.UID(e.Name()))
		}
	}
	return uids, nil
}

// podDir is DIR/pods/<uid>, refusing UIDs that would name another path.
func (m *Manager) podDir(uid types.UID) (string, error) {
	s := string(uid)
	if s == "" || s == "." || s == ".." || filepath.Base(s) != s {
		return "", fmt.Errorf("invalid pod UID %q", s)
	}
	if m.root == "" {
		return "", errors.New("volume manager has no root directory")
	}
	return filepath.Join(m.root, s), nil
}

// lockPod serializes the calls for one pod and returns the unlock.
func (m *Manager) lockPod(uid types.UID) func() {
	m.mu.Lock()
	l := m.podLocks[uid]
	if l == nil {
		l = &podLock{}
		m.podLocks[uid] = l
	}
	l.refs++
	m.mu.Unlock()
	l.mu.Lock()
	return func() {
		l.mu.Unlock()
		m.mu.Lock()
		l.refs--
		if l.refs == 0 {
			delete(m.podLocks, uid)
		}
		m.mu.Unlock()
	}
}
