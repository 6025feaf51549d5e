package server

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"io"
	"net"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/skiff/skiff/internal/kubelet/runtime"
)

func TestAuthentication(t *testing.T) {
	ts := startServer(t, newFakePods(), newFakeRuntime(t))
	other := newTestCA(t)
	clientWith := func(ca *testCA, cn string) *http.Client {
		if ca == nil {
			return &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{InsecureSkipVerify: true}}}
		}
		certPEM, keyPEM := ca.client(t, cn)
		pair, err := tls.X509KeyPair(certPEM, keyPEM)
		if err != nil {
			t.Fatal(err)
		}
		return &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{InsecureSkipVerify: true, Certificates: []tls.Certificate{pair}}}}
	}
	for _, tc := range []struct {
		name         string
		client       *http.Client
		method, path string
		code         int
		body         string
	}{
		{"no certificate", clientWith(nil, ""), "GET", "/healthz", 401, "Unauthorized"},
		{"another CA", clientWith(other, APIServerUser), "GET", "/healthz", 401, "Unauthorized"},
		{"another user", clientWith(ts.ca, "system:node:n1"), "GET", "/containerLogs/ns/p/c", 403,
			"Forbidden (user=system:node:n1, verb=get, resource=nodes, subresource=proxy)"},
		{"another user posting", clientWith(ts.ca, "admin"), "POST", "/exec/ns/p/c", 403,
			"Forbidden (user=admin, verb=create, resource=nodes, subresource=proxy)"},
		{"the API server", clientWith(ts.ca, APIServerUser), "GET", "/healthz", 200, "ok"},
		{"unknown path", clientWith(ts.ca, APIServerUser), "GET", "/pods", 404, "404 page not found\n"},
		{"wrong method", clientWith(ts.ca, APIServerUser), "DELETE", "/exec/ns/p/c", 405, "Method Not Allowed\n"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			req, _ := http.NewRequest(tc.method, ts.url+tc.path, nil)
			resp, err := tc.client.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			b, _ := io.ReadAll(resp.Body)
			if resp.StatusCode != tc.code || string(b) != tc.body {
				t.Errorf("%s %s = %d %q, want %d %q", tc.method, tc.path, resp.StatusCode, b, tc.code, tc.body)
			}
		})
	}
}

func TestNewRejectsMissingConfig(t *testing.T) {
	rt, err := runtime.Dial("unix:///nonexistent.sock") // does not connect until used
	if err != nil {
		t.Fatal(err)
	}
	defer rt.Close()
	full := Config{Pods: newFakePods(), Runtime: rt, ClientCA: x509.NewCertPool(), Addr: ":10250", CertFile: "c", KeyFile: "k"}
	for _, tc := range []struct {
		name string
		edit func(*Config)
		want string
	}{
		{"pods", func(c *Config) { c.Pods = nil }, "Pods"},
		{"runtime", func(c *Config) { c.Runtime = nil }, "Runtime"},
		{"ca", func(c *Config) { c.ClientCA = nil }, "ClientCA"},
		{"addr", func(c *Config) { c.Addr = "" }, "Addr"},
		{"key", func(c *Config) { c.KeyFile = "" }, "KeyFile"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := full
			tc.edit(&c)
			if _, err := New(c); err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("New = %v, want an error naming %s", err, tc.want)
			}
		})
	}
}

// TestRun serves on the configured address until the context ends.
func TestRun(t *testing.T) {
	dir := t.TempDir()
	certFile, keyFile := filepath.Join(dir, "kubelet.crt"), filepath.Join(dir, "kubelet.key")
	if err := EnsureServingCert(certFile, keyFile, []string{"127.0.0.1"}); err != nil {
		t.Fatal(err)
	}
	rt, err := runtime.Dial("unix:///nonexistent.sock")
	if err != nil {
		t.Fatal(err)
	}
	defer rt.Close()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	ca := newTestCA(t)
	s, err := New(Config{Pods: newFakePods(), Runtime: rt, ClientCA: ca.pool, Addr: addr, CertFile: certFile, KeyFile: keyFile, Logger: testLogger(t)})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- s.Run(ctx) }()
	ts := &testServer{url: "https://" + addr, ca: ca}
	c := ts.client(t, APIServerUser)
	// Poll until the listener is up.
	deadline := time.After(10 * time.Second)
	tick := time.NewTicker(20 * time.Millisecond)
	defer tick.Stop()
	for {
		resp, err := c.Get(ts.url + "/healthz")
		if err == nil {
			b, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode != 200 || string(b) != "ok" {
				t.Errorf("healthz = %d %q", resp.StatusCode, b)
			}
			break
		}
		select {
		case <-deadline:
			t.Fatalf("server not answering: %v", err)
		case <-tick.C:
		}
	}
	cancel()
	if err := <-done; err != nil {
		t.Errorf("Run = %v after its context ended", err)
	}
	// A second server on the same address fails to listen, with a reason.
	busy, err := net.Listen("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer busy.Close()
	if err := s.Run(context.Background()); err == nil || !strings.Contains(err.Error(), "address already in use") {
		t.Errorf("Run on a busy address = %v", err)
	}
}
