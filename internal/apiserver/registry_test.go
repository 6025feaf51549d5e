package apiserver

import (
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"testing"
	"time"

	"github.com/skiff/skiff/internal/pki"
)

// TestRegistryAuth drives /v2/ through API.ServeHTTP over TLS with real
// cluster certificates: no certificate is 401, any cluster certificate
// may read, only system:masters may push, and errors are the registry's.
func TestRegistryAuth(t *testing.T) {
	dir := t.TempDir()
	bundle, err := pki.Ensure(filepath.Join(dir, "pki"), pki.Options{})
	if err != nil {
		t.Fatal(err)
	}
	registry, err := newRegistry(Config{ImagesDir: filepath.Join(dir, "images"), Logger: slog.Default()})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewUnstartedServer(&API{registry: registry, log: slog.Default()})
	srv.TLS = bundle.ServerTLSConfig()
	srv.StartTLS()
	defer srv.Close()
	adminCert, adminKey := bundle.AdminCert()
	clients := map[string]*http.Client{
		"anonymous": registryClient(t, bundle, nil, nil),
		"admin":     registryClient(t, bundle, adminCert, adminKey),
		"node":      issuedClient(t, bundle, "system:node:n1", []string{"system:nodes"}),
	}
	cases := []struct {
		who, method, path string
		wantStatus        int
		wantCode          string
	}{
		{"anonymous", "GET", "/v2/", 401, "UNAUTHORIZED"},
		{"anonymous", "HEAD", "/v2/library/busybox/manifests/1.36?ns=docker.io", 401, ""},
		{"node", "GET", "/v2/", 200, ""},
		{"node", "GET", "/v2/_catalog", 200, ""},
		{"node", "GET", "/v2/library/busybox/manifests/1.36?ns=docker.io", 404, "MANIFEST_UNKNOWN"},
		{"node", "POST", "/v2/docker.io/library/busybox/blobs/uploads/", 403, "DENIED"},
		{"admin", "POST", "/v2/docker.io/library/busybox/blobs/uploads/", 202, ""},
		{"admin", "GET", "/v2", 200, ""},
	}
	for _, c := range cases {
		req, _ := http.NewRequest(c.method, srv.URL+c.path, nil)
		resp, err := clients[c.who].Do(req)
		if err != nil {
			t.Fatalf("%s %s %s: %v", c.who, c.method, c.path, err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != c.wantStatus {
			t.Errorf("%s %s %s: %d, want %d (%s)", c.who, c.method, c.path, resp.StatusCode, c.wantStatus, body)
			continue
		}
		if c.wantCode != "" {
			var e struct{ Errors []struct{ Code string } }
			if json.Unmarshal(body, &e) != nil || len(e.Errors) != 1 || e.Errors[0].Code != c.wantCode {
				t.Errorf("%s %s %s: body %s, want code %s", c.who, c.method, c.path, body, c.wantCode)
			}
		}
	}
}

func TestNoRegistry(t *testing.T) {
	a := &API{log: slog.Default()}
	w := httptest.NewRecorder()
	a.ServeHTTP(w, httptest.NewRequest("GET", "/v2/", nil))
	if w.Code != http.StatusNotFound {
		t.Errorf("GET /v2/ without a registry: %d, want 404", w.Code)
	}
}

func issuedClient(t *testing.T, b *pki.Bundle, user string, groups []string) *http.Client {
	t.Helper()
	cert, key, err := b.IssueClientCert(user, groups, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	return registryClient(t, b, cert, key)
}

func registryClient(t *testing.T, b *pki.Bundle, certPEM, keyPEM []byte) *http.Client {
	t.Helper()
	roots := x509.NewCertPool()
	roots.AppendCertsFromPEM(b.CAPEM())
	cfg := &tls.Config{RootCAs: roots, MinVersion: tls.VersionTLS12}
	if certPEM != nil {
		pair, err := tls.X509KeyPair(certPEM, keyPEM)
		if err != nil {
			t.Fatal(err)
		}
		cfg.Certificates = []tls.Certificate{pair}
	}
	return &http.Client{Transport: &http.Transport{TLSClientConfig: cfg}}
}
