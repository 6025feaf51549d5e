package server

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"fmt"
	"log/slog"
	"math/big"
	"net"
	"net/http"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"k8s.io/client-go/rest"
)

// testCA issues client certificates for tests.
type testCA struct {
	cert *x509.Certificate
	key  *ecdsa.PrivateKey
	pool *x509.CertPool
}

func newTestCA(t *testing.T) *testCA {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "test-ca"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		KeyUsage: x509.KeyUsageCertSign, BasicConstraintsValid: true, IsCA: true,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, key.Public(), key)
	if err != nil {
		t.Fatal(err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	pool.AddCert(cert)
	return &testCA{cert: cert, key: key, pool: pool}
}

// client issues a client certificate for cn, PEM encoded.
func (ca *testCA) client(t *testing.T, cn string) (certPEM, keyPEM []byte) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(time.Now().UnixNano()), Subject: pkix.Name{CommonName: cn, Organization: []string{"system:masters"}},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, ca.cert, key.Public(), ca.key)
	if err != nil {
		t.Fatal(err)
	}
	kder, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: kder})
}

// fakePods is the core's side of the contract, set by hand.
type fakePods struct {
	mu         sync.Mutex
	containers map[string][2]ContainerInfo // ns/pod/container -> current, previous
	sandboxes  map[string]string           // ns/pod -> sandbox ID
}

func newFakePods() *fakePods {
	return &fakePods{containers: map[string][2]ContainerInfo{}, sandboxes: map[string]string{}}
}

func (f *fakePods) set(ns, pod, name string, cur, prev ContainerInfo) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.containers[ns+"/"+pod+"/"+name] = [2]ContainerInfo{cur, prev}
}

func (f *fakePods) setSandbox(ns, pod, id string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.sandboxes[ns+"/"+pod] = id
}

func (f *fakePods) Container(_ context.Context, ns, pod, name string, previous bool) (ContainerInfo, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	c, ok := f.containers[ns+"/"+pod+"/"+name]
	if !ok {
		return ContainerInfo{}, fmt.Errorf("container %q not found in pod %q: %w", name, pod, ErrNotFound)
	}
	if previous {
		return c[1], nil
	}
	return c[0], nil
}

func (f *fakePods) Sandbox(_ context.Context, ns, pod string) (string, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	id, ok := f.sandboxes[ns+"/"+pod]
	if !ok {
		return "", fmt.Errorf("pod %q does not exist: %w", pod, ErrNotFound)
	}
	return id, nil
}

// testServer is a Server listening on loopback with a generated serving
// certificate, trusting ca for clients.
type testServer struct {
	*Server
	url string
	ca  *testCA
}

func startServer(t *testing.T, pods Pods, rt streamRuntime) *testServer {
	t.Helper()
	dir := t.TempDir()
	certFile, keyFile := filepath.Join(dir, "kubelet.crt"), filepath.Join(dir, "kubelet.key")
	if err := EnsureServingCert(certFile, keyFile, []string{"127.0.0.1"}); err != nil {
		t.Fatal(err)
	}
	ca := newTestCA(t)
	s := newServer(Config{Pods: pods, ClientCA: ca.pool, Addr: "127.0.0.1:0", CertFile: certFile, KeyFile: keyFile, Logger: testLogger(t)}, rt)
	s.logPoll, s.statusPoll = 10*time.Millisecond, 20*time.Millisecond
	cert, err := tls.LoadX509KeyPair(certFile, keyFile)
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- s.serve(ctx, tls.NewListener(ln, s.tlsConfig(cert))) }()
	t.Cleanup(func() {
		cancel()
		select {
		case err := <-done:
			if err != nil {
				t.Errorf("serve: %v", err)
			}
		case <-time.After(10 * time.Second):
			t.Error("server did not stop within 10s of its context ending")
		}
	})
	return &testServer{Server: s, url: "https://" + ln.Addr().String(), ca: ca}
}

// restConfig is what the API server would use: a client certificate for
// cn, the agent's self-signed certificate not verified.
func (ts *testServer) restConfig(t *testing.T, cn string) *rest.Config {
	certPEM, keyPEM := ts.ca.client(t, cn)
	return &rest.Config{Host: ts.url, TLSClientConfig: rest.TLSClientConfig{Insecure: true, CertData: certPEM, KeyData: keyPEM}}
}

func (ts *testServer) client(t *testing.T, cn string) *http.Client {
	t.Helper()
	c, err := rest.HTTPClientFor(ts.restConfig(t, cn))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.CloseIdleConnections)
	return c
}

func testLogger(t *testing.T) *slog.Logger {
	return slog.New(slog.NewTextHandler(testWriter{t}, &slog.HandlerOptions{Level: slog.LevelDebug}))
}

type testWriter struct{ t *testing.T }

func (w testWriter) Write(p []byte) (int, error) {
	w.t.Log(strings.TrimSpace(string(p)))
	return len(p), nil
}
