package probe

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/types"
)

// fakeRuntime answers ExecSync from per-command settings: the command's
// first word selects an exit code (default 0) and counts the calls.
type fakeRuntime struct {
	mu    sync.Mutex
	codes map[string]int32
	errs  map[string]error
	out   map[string]string
	calls map[string]int
	// block makes commands wait for ctx, as a command that hangs would.
	block map[string]bool
	last  []string // last command run
	ids   []string // container IDs seen
}

func newFakeRuntime() *fakeRuntime {
	return &fakeRuntime{codes: map[string]int32{}, errs: map[string]error{}, out: map[string]string{},
		calls: map[string]int{}, block: map[string]bool{}}
}

func (f *fakeRuntime) ExecSync(ctx context.Context, id string, cmd []string, timeout time.Duration) ([]byte, []byte, int32, error) {
	f.mu.Lock()
	name := cmd[0]
	f.calls[name]++
	f.last = append([]string(nil), cmd...)
	f.ids = append(f.ids, id)
	code, err, out, block := f.codes[name], f.errs[name], f.out[name], f.block[name]
	f.mu.Unlock()
	if block {
		if timeout > 0 {
			var cancel context.CancelFunc
			ctx, cancel = context.WithTimeout(ctx, timeout)
			defer cancel()
		}
		<-ctx.Done()
		return nil, nil, 0, fmt.Errorf("exec: %w", ctx.Err())
	}
	return []byte(out), nil, code, err
}

func (f *fakeRuntime) set(name string, code int32) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.codes[name] = code
}

func (f *fakeRuntime) setErr(name string, err error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.errs[name] = err
}

func (f *fakeRuntime) count(name string) int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.calls[name]
}

// recorder keeps events as "Type Reason message" lines.
type recorder struct {
	mu     sync.Mutex
	events []string
	refs   []*corev1.ObjectReference
}

func (r *recorder) Event(obj runtime.Object, typ, reason, msg string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.events = append(r.events, typ+" "+reason+" "+msg)
	if ref, ok := obj.(*corev1.ObjectReference); ok {
		r.refs = append(r.refs, ref)
	}
}

func (r *recorder) Eventf(obj runtime.Object, typ, reason, format string, args ...any) {
	r.Event(obj, typ, reason, fmt.Sprintf(format, args...))
}

func (r *recorder) AnnotatedEventf(obj runtime.Object, _ map[string]string, typ, reason, format string, args ...any) {
	r.Eventf(obj, typ, reason, format, args...)
}

// has says whether an event line starts with prefix.
func (r *recorder) has(prefix string) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, e := range r.events {
		if strings.HasPrefix(e, prefix) {
			return true
		}
	}
	return false
}

func (r *recorder) all() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]string(nil), r.events...)
}

// eventually polls cond every few milliseconds until it holds or the
// deadline passes.
func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.NewTimer(10 * time.Second)
	defer deadline.Stop()
	tick := time.NewTicker(2 * time.Millisecond)
	defer tick.Stop()
	for !cond() {
		select {
		case <-deadline.C:
			t.Fatalf("timed out waiting for %s", what)
		case <-tick.C:
		}
	}
}

// changes counts onChange calls per pod.
type changes struct {
	mu sync.Mutex
	n  map[types.UID]int
}

func (c *changes) fn(uid types.UID) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.n == nil {
		c.n = map[types.UID]int{}
	}
	c.n[uid]++
}

func (c *changes) count(uid types.UID) int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.n[uid]
}

// testPod is a pod with one container "app" carrying the given probes.
func testPod(uid types.UID, c corev1.Container) *corev1.Pod {
	c.Name = "app"
	return &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Name: "web", Namespace: "ns", UID: uid},
		Spec:       corev1.PodSpec{Containers: []corev1.Container{c}},
	}
}

func execProbe(cmd string, mod func(*corev1.Probe)) *corev1.Probe {
	p := &corev1.Probe{ProbeHandler: corev1.ProbeHandler{Exec: &corev1.ExecAction{Command: []string{cmd}}},
		PeriodSeconds: 1, TimeoutSeconds: 100, SuccessThreshold: 1, FailureThreshold: 3}
	if mod != nil {
		mod(p)
	}
	return p
}

// startManager runs a manager whose API second lasts unit, stopping it
// when the test ends.
func startManager(t *testing.T, rt Runtime, rec *recorder, onChange func(types.UID), unit time.Duration) *Manager {
	t.Helper()
	m := NewManager(rt, rec, onChange)
	m.unit = unit
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		m.Run(ctx)
	}()
	t.Cleanup(func() {
		cancel()
		<-done
	})
	return m
}
