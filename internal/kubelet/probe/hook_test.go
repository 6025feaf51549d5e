package probe

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
)

func TestRunHandlerExec(t *testing.T) {
	tests := []struct {
		name    string
		setup   func(f *fakeRuntime)
		wantMsg string
	}{
		{name: "success", setup: func(*fakeRuntime) {}},
		{name: "exit 1", setup: func(f *fakeRuntime) { f.codes["sh"], f.out["sh"] = 1, "boom" },
			wantMsg: "command 'sh -c exit 1' exited with 1: boom"},
		{name: "runtime error", setup: func(f *fakeRuntime) { f.errs["sh"] = errors.New("container is not running") },
			wantMsg: "command 'sh -c exit 1' failed: container is not running"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFakeRuntime()
			tt.setup(f)
			msg, err := RunHandler(context.Background(), f, "10.0.0.1", "c1",
				&corev1.LifecycleHandler{Exec: &corev1.ExecAction{Command: []string{"sh", "-c", "exit 1"}}})
			if msg != tt.wantMsg || (err != nil) != (tt.wantMsg != "") {
				t.Errorf("got %q, %v; want %q", msg, err, tt.wantMsg)
			}
			if f.ids[0] != "c1" {
				t.Errorf("ran in %q", f.ids[0])
			}
		})
	}
}

func TestRunHookHTTP(t *testing.T) {
	type hit struct{ path, ua string }
	hits := make(chan hit, 10)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits <- hit{r.URL.Path, r.Header.Get("User-Agent")}
		w.WriteHeader(http.StatusInternalServerError) // the kubelet does not look at it
	}))
	defer srv.Close()
	host, port := hostPort(t, srv.URL)
	c := &corev1.Container{Name: "app", Ports: []corev1.ContainerPort{{Name: "admin", ContainerPort: port}}}

	msg, err := RunHook(context.Background(), nil, Target{PodIP: host, Container: c, ContainerID: "c1"},
		&corev1.LifecycleHandler{HTTPGet: &corev1.HTTPGetAction{Path: "/shutdown", Port: intstr.FromString("admin")}})
	if err != nil {
		t.Fatalf("RunHook: %v (%s)", err, msg)
	}
	if h := <-hits; h.path != "/shutdown" || h.ua != "kube-lifecycle/1.32" {
		t.Errorf("server saw %+v", h)
	}

	// Without the container, a port name cannot be resolved.
	msg, err = RunHandler(context.Background(), nil, host, "c1",
		&corev1.LifecycleHandler{HTTPGet: &corev1.HTTPGetAction{Path: "/x", Port: intstr.FromString("admin")}})
	if err == nil || msg != "HTTP lifecycle hook (/x) failed: port admin not found" {
		t.Errorf("got %q, %v", msg, err)
	}

	// A hook nobody answers fails.
	msg, err = RunHandler(context.Background(), nil, "127.0.0.1", "c1",
		&corev1.LifecycleHandler{HTTPGet: &corev1.HTTPGetAction{Path: "/x", Port: intstr.FromInt32(freePort(t))}})
	if err == nil || !strings.HasPrefix(msg, "HTTP lifecycle hook (/x) failed: ") || !strings.Contains(msg, "connection refused") {
		t.Errorf("got %q, %v", msg, err)
	}

	// HTTPS to a plain HTTP server falls back to HTTP.
	_, err = RunHandler(context.Background(), nil, host, "c1",
		&corev1.LifecycleHandler{HTTPGet: &corev1.HTTPGetAction{Scheme: corev1.URISchemeHTTPS, Path: "/tls", Port: intstr.FromInt32(port)}})
	if err != nil {
		t.Errorf("https hook to an http server: %v", err)
	}
	if h := <-hits; h.path != "/tls" {
		t.Errorf("server saw %+v", h)
	}
}

func TestRunHandlerSleep(t *testing.T) {
	msg, err := RunHandler(context.Background(), nil, "", "c1", &corev1.LifecycleHandler{Sleep: &corev1.SleepAction{Seconds: 0}})
	if err != nil {
		t.Fatalf("sleep 0: %v %s", err, msg)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan string)
	go func() {
		msg, _ := RunHandler(ctx, nil, "", "c1", &corev1.LifecycleHandler{Sleep: &corev1.SleepAction{Seconds: 3600}})
		done <- msg
	}()
	cancel()
	select {
	case msg := <-done:
		if msg != "container terminated before sleep hook finished" {
			t.Errorf("msg = %q", msg)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("sleep hook ignored its context")
	}
}

func TestRunHandlerInvalid(t *testing.T) {
	for _, h := range []*corev1.LifecycleHandler{nil, {}, {TCPSocket: &corev1.TCPSocketAction{Port: intstr.FromInt32(1)}}} {
		if msg, err := RunHandler(context.Background(), nil, "", "c1", h); err == nil || msg == "" {
			t.Errorf("handler %+v: got %q, %v; want an error", h, msg, err)
		}
	}
}
