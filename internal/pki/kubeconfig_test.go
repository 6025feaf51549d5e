package pki

import (
	"bytes"
	"crypto/tls"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"testing"
	"time"

	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/clientcmd"
)

func TestWriteKubeconfigRoundTrips(t *testing.T) {
	b := mustEnsure(t, t.TempDir(), Options{})
	certPEM, keyPEM := b.AdminCert()
	path := filepath.Join(t.TempDir(), "sub", "kubeconfig.yaml")
	if err := WriteKubeconfig(path, "https://127.0.0.1:6443", b.CAPEM(), certPEM, keyPEM, "skiff", "admin"); err != nil {
		t.Fatal(err)
	}
	st, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if st.Mode().Perm() != 0o600 {
		t.Errorf("mode = %v, want 0600", st.Mode().Perm())
	}
	cfg, err := clientcmd.LoadFromFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if cfg.CurrentContext != "skiff" {
		t.Fatalf("current-context = %q", cfg.CurrentContext)
	}
	ctx := cfg.Contexts[cfg.CurrentContext]
	cluster, user := cfg.Clusters[ctx.Cluster], cfg.AuthInfos[ctx.AuthInfo]
	if ctx.Cluster != "skiff" || ctx.AuthInfo != "admin" || cluster == nil || user == nil {
		t.Fatalf("context = %+v", ctx)
	}
	checks := []struct {
		name      string
		got, want []byte
	}{
		{"server", []byte(cluster.Server), []byte("https://127.0.0.1:6443")},
		{"certificate-authority-data", cluster.CertificateAuthorityData, b.CAPEM()},
		{"client-certificate-data", user.ClientCertificateData, certPEM},
		{"client-key-data", user.ClientKeyData, keyPEM},
	}
	for _, c := range checks {
		if !bytes.Equal(c.got, c.want) {
			t.Errorf("%s differs after round trip", c.name)
		}
	}
}

func TestWriteKubeconfigRejectsMissingNames(t *testing.T) {
	path := filepath.Join(t.TempDir(), "kubeconfig")
	if err := WriteKubeconfig(path, "", nil, nil, nil, "c", "u"); err == nil {
		t.Error("empty server URL accepted")
	}
	if err := WriteKubeconfig(path, "https://x", nil, nil, nil, "c", ""); err == nil {
		t.Error("empty user name accepted")
	}
}

// TestHandshakeWithKubeconfig runs a server on ServerTLSConfig and connects
// to it the way client-go does, from a kubeconfig file. The handler answers
// 401 without a client certificate, as the API server will.
func TestHandshakeWithKubeconfig(t *testing.T) {
	b := mustEnsure(t, t.TempDir(), Options{})
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if len(r.TLS.PeerCertificates) == 0 {
			http.Error(w, "Unauthorized", http.StatusUnauthorized)
			return
		}
		user, _ := ClientCertIdentity(r.TLS.PeerCertificates[0])
		io.WriteString(w, user)
	}))
	srv.TLS = b.ServerTLSConfig()
	srv.EnableHTTP2 = true
	srv.StartTLS()
	defer srv.Close()

	adminCert, adminKey := b.AdminCert()
	nodeCert, nodeKey, err := b.IssueClientCert("system:node:n1", []string{"system:nodes"}, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	strangerCert, strangerKey := mustEnsure(t, t.TempDir(), Options{}).AdminCert()
	tests := []struct {
		name       string
		cert, key  []byte
		wantErr    bool
		wantStatus int
		wantBody   string
	}{
		{"admin", adminCert, adminKey, false, http.StatusOK, AdminUser},
		{"issued node cert", nodeCert, nodeKey, false, http.StatusOK, "system:node:n1"},
		{"no client cert reaches the handler", nil, nil, false, http.StatusUnauthorized, "Unauthorized\n"},
		{"cert from another CA is refused", strangerCert, strangerKey, true, 0, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "kubeconfig")
			if err := WriteKubeconfig(path, srv.URL, b.CAPEM(), tt.cert, tt.key, "skiff", "u"); err != nil {
				t.Fatal(err)
			}
			client := kubeconfigClient(t, path)
			resp, err := client.Get(srv.URL + "/whoami")
			if tt.wantErr {
				if err == nil {
					resp.Body.Close()
					t.Fatal("request succeeded")
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			body, _ := io.ReadAll(resp.Body)
			if resp.StatusCode != tt.wantStatus || string(body) != tt.wantBody {
				t.Errorf("got %d %q, want %d %q", resp.StatusCode, body, tt.wantStatus, tt.wantBody)
			}
			if resp.ProtoMajor != 2 {
				t.Errorf("protocol %s, want HTTP/2 (NextProtos)", resp.Proto)
			}
		})
	}
}

// kubeconfigClient builds an HTTP client exactly from client-go's view of
// the kubeconfig: BuildConfigFromFlags, then rest.TLSConfigFor.
func kubeconfigClient(t *testing.T, path string) *http.Client {
	t.Helper()
	cfg, err := clientcmd.BuildConfigFromFlags("", path)
	if err != nil {
		t.Fatal(err)
	}
	tlsCfg, err := rest.TLSConfigFor(cfg)
	if err != nil {
		t.Fatal(err)
	}
	if tlsCfg == nil || tlsCfg.RootCAs == nil {
		t.Fatal("kubeconfig gave no CA to trust")
	}
	transport := &http.Transport{TLSClientConfig: tlsCfg, ForceAttemptHTTP2: true}
	t.Cleanup(transport.CloseIdleConnections)
	return &http.Client{Transport: transport, Timeout: 10 * time.Second}
}

func TestServerTLSConfigShape(t *testing.T) {
	cfg := mustEnsure(t, t.TempDir(), Options{}).ServerTLSConfig()
	if cfg.ClientAuth != tls.VerifyClientCertIfGiven || cfg.MinVersion != tls.VersionTLS12 || cfg.ClientCAs == nil {
		t.Errorf("ClientAuth %v MinVersion %x ClientCAs %v", cfg.ClientAuth, cfg.MinVersion, cfg.ClientCAs)
	}
	if len(cfg.NextProtos) != 2 || cfg.NextProtos[0] != "h2" || cfg.NextProtos[1] != "http/1.1" {
		t.Errorf("NextProtos = %v", cfg.NextProtos)
	}
}
