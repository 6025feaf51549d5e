package apiserver

import (
	"context"
	"crypto/tls"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strconv"
	"sync"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/rest"

	"github.com/skiff/skiff/internal/pki"
	"github.com/skiff/skiff/internal/registry/builtin"
	"github.com/skiff/skiff/internal/scheme"
)

// fakeObjects is a clusterObjects over maps, for tests without storage.
type fakeObjects struct {
	mu       sync.Mutex
	pods     map[string]*corev1.Pod
	nodes    map[string]*corev1.Node
	secrets  map[string]*corev1.Secret
	accounts map[string]*corev1.ServiceAccount
}

func newFakeObjects() *fakeObjects {
	return &fakeObjects{pods: map[string]*corev1.Pod{}, nodes: map[string]*corev1.Node{},
		secrets: map[string]*corev1.Secret{}, accounts: map[string]*corev1.ServiceAccount{}}
}

func (f *fakeObjects) add(objs ...any) *fakeObjects {
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, o := range objs {
		switch o := o.(type) {
		case *corev1.Pod:
			f.pods[o.Namespace+"/"+o.Name] = o
		case *corev1.Node:
			f.nodes[o.Name] = o
		case *corev1.Secret:
			f.secrets[o.Namespace+"/"+o.Name] = o
		case *corev1.ServiceAccount:
			f.accounts[o.Namespace+"/"+o.Name] = o
		}
	}
	return f
}

func (f *fakeObjects) remove(resource, key string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	switch resource {
	case "pods":
		delete(f.pods, key)
	case "nodes":
		delete(f.nodes, key)
	case "secrets":
		delete(f.secrets, key)
	case "serviceaccounts":
		delete(f.accounts, key)
	}
}

func lookup[T any](f *fakeObjects, m map[string]T, resource, key, name string) (T, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if v, ok := m[key]; ok {
		return v, nil
	}
	var zero T
	return zero, apierrors.NewNotFound(schema.GroupResource{Resource: resource}, name)
}

func (f *fakeObjects) pod(_ context.Context, ns, name string, _ bool) (*corev1.Pod, error) {
	p, err := lookup(f, f.pods, "pods", ns+"/"+name, name)
	if err != nil {
		return nil, err
	}
	return p.DeepCopy(), nil
}

func (f *fakeObjects) node(_ context.Context, name string, _ bool) (*corev1.Node, error) {
	n, err := lookup(f, f.nodes, "nodes", name, name)
	if err != nil {
		return nil, err
	}
	return n.DeepCopy(), nil
}

func (f *fakeObjects) secret(_ context.Context, ns, name string, _ bool) (*corev1.Secret, error) {
	s, err := lookup(f, f.secrets, "secrets", ns+"/"+name, name)
	if err != nil {
		return nil, err
	}
	return s.DeepCopy(), nil
}

func (f *fakeObjects) serviceAccount(_ context.Context, ns, name string, _ bool) (*corev1.ServiceAccount, error) {
	sa, err := lookup(f, f.accounts, "serviceaccounts", ns+"/"+name, name)
	if err != nil {
		return nil, err
	}
	return sa.DeepCopy(), nil
}

// testServer is an API serving pods, nodes and service accounts over
// HTTPS from fake objects, without storage, with an admin client.
type testServer struct {
	api     *API
	bundle  *pki.Bundle
	objects *fakeObjects
	srv     *httptest.Server
	client  *http.Client
	rest    *rest.Config
}

type testServerOptions struct {
	noKubeletCert bool
	now           func() time.Time
}

func newTestServer(t *testing.T, objs *fakeObjects, o testServerOptions) *testServer {
	t.Helper()
	bundle, err := pki.Ensure(filepath.Join(t.TempDir(), "pki"), pki.Options{})
	if err != nil {
		t.Fatal(err)
	}
	sch, err := scheme.New()
	if err != nil {
		t.Fatal(err)
	}
	cfg := Config{Logger: slog.New(slog.NewTextHandler(io.Discard, nil)), ServiceAccountKey: bundle.ServiceAccountKey()}
	if !o.noKubeletCert {
		cert := bundle.KubeletClientCert()
		cfg.KubeletClientCert = &cert
	}
	a := newAPI(sch, cfg)
	a.objects, a.tokens.objects = objs, objs
	if o.now != nil {
		a.tokens.now = o.now
	}
	for _, res := range builtin.Resources() {
		switch res.GVR.GroupResource().String() {
		case "pods", "nodes", "serviceaccounts":
			if _, err := a.serve(res); err != nil {
				t.Fatal(err)
			}
		}
	}
	srv := httptest.NewUnstartedServer(withAccessLog(a.log, a))
	srv.TLS = bundle.ServerTLSConfig()
	srv.StartTLS()
	t.Cleanup(srv.Close)
	t.Cleanup(a.kubelets.close)
	certPEM, keyPEM := bundle.AdminCert()
	rc := &rest.Config{Host: srv.URL, TLSClientConfig: rest.TLSClientConfig{CAData: bundle.CAPEM(), CertData: certPEM, KeyData: keyPEM}}
	client, err := rest.HTTPClientFor(rc)
	if err != nil {
		t.Fatal(err)
	}
	return &testServer{api: a, bundle: bundle, objects: objs, srv: srv, client: client, rest: rc}
}

// fakeAgent is a node agent's HTTPS endpoint that, like the real one,
// accepts only the API server's kubelet client certificate.
type fakeAgent struct {
	srv  *httptest.Server
	mu   sync.Mutex
	reqs []*http.Request
}

func newFakeAgent(t *testing.T, bundle *pki.Bundle, h http.HandlerFunc) *fakeAgent {
	t.Helper()
	ag := &fakeAgent{}
	ag.srv = httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if len(r.TLS.VerifiedChains) == 0 || r.TLS.VerifiedChains[0][0].Subject.CommonName != pki.KubeletClientUser {
			http.Error(w, "Forbidden", http.StatusForbidden)
			return
		}
		ag.mu.Lock()
		ag.reqs = append(ag.reqs, r.Clone(context.Background()))
		ag.mu.Unlock()
		h(w, r)
	}))
	ag.srv.TLS = &tls.Config{ClientAuth: tls.RequireAndVerifyClientCert, ClientCAs: bundle.ClientCertPool()}
	ag.srv.StartTLS()
	t.Cleanup(ag.srv.Close)
	return ag
}

// last is the last request the agent saw.
func (ag *fakeAgent) last(t *testing.T) *http.Request {
	t.Helper()
	ag.mu.Lock()
	defer ag.mu.Unlock()
	if len(ag.reqs) == 0 {
		t.Fatal("the agent saw no request")
	}
	return ag.reqs[len(ag.reqs)-1]
}

func (ag *fakeAgent) count() int {
	ag.mu.Lock()
	defer ag.mu.Unlock()
	return len(ag.reqs)
}

// port is the agent's port, as a Node publishes it.
func (ag *fakeAgent) port(t *testing.T) int32 {
	_, p, err := net.SplitHostPort(ag.srv.Listener.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	n, _ := strconv.Atoi(p)
	return int32(n)
}

func testNode(name string, port int32) *corev1.Node {
	return &corev1.Node{
		ObjectMeta: metav1.ObjectMeta{Name: name, UID: "node-uid-" + "1"},
		Status: corev1.NodeStatus{
			Addresses:       []corev1.NodeAddress{{Type: corev1.NodeHostName, Address: "localhost"}, {Type: corev1.NodeInternalIP, Address: "127.0.0.1"}},
			DaemonEndpoints: corev1.NodeDaemonEndpoints{KubeletEndpoint: corev1.DaemonEndpoint{Port: port}},
		},
	}
}

func runningPod(ns, name, node string, containers ...string) *corev1.Pod {
	p := &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name, UID: "pod-uid-1"},
		Spec:       corev1.PodSpec{NodeName: node, ServiceAccountName: "default"},
		Status:     corev1.PodStatus{Phase: corev1.PodRunning},
	}
	for _, c := range containers {
		p.Spec.Containers = append(p.Spec.Containers, corev1.Container{Name: c, Image: "busybox"})
		p.Status.ContainerStatuses = append(p.Status.ContainerStatuses, corev1.ContainerStatus{
			Name: c, ContainerID: "containerd://" + c, State: corev1.ContainerState{Running: &corev1.ContainerStateRunning{}},
		})
	}
	return p
}
