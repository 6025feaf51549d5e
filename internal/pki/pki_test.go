package pki

import (
	"crypto/x509"
	"encoding/pem"
	"net"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

func mustEnsure(t *testing.T, dir string, opts Options) *Bundle {
	t.Helper()
	b, err := Ensure(dir, opts)
	if err != nil {
		t.Fatalf("Ensure: %v", err)
	}
	return b
}

func servingCert(b *Bundle) *x509.Certificate {
	return b.ServerTLSConfig().Certificates[0].Leaf
}

func parsePEMCert(t *testing.T, data []byte) *x509.Certificate {
	t.Helper()
	block, _ := pem.Decode(data)
	if block == nil {
		t.Fatal("no PEM block")
	}
	cert, err := x509.ParseCertificate(block.Bytes)
	if err != nil {
		t.Fatal(err)
	}
	return cert
}

func TestEnsureCreatesFilesWithModes(t *testing.T) {
	dir := t.TempDir()
	b := mustEnsure(t, dir, Options{})
	tests := []struct {
		file string
		mode os.FileMode
	}{
		{caCertFile, 0o644}, {caKeyFile, 0o600},
		{serverCertFile, 0o644}, {serverKeyFile, 0o600},
		{adminCertFile, 0o644}, {adminKeyFile, 0o600},
		{kubeletCertFile, 0o644}, {kubeletKeyFile, 0o600},
		{saKeyFile, 0o600}, {saPubFile, 0o644},
	}
	for _, tt := range tests {
		st, err := os.Stat(filepath.Join(dir, tt.file))
		if err != nil {
			t.Errorf("%s: %v", tt.file, err)
			continue
		}
		if st.Mode().Perm() != tt.mode {
			t.Errorf("%s mode = %v, want %v", tt.file, st.Mode().Perm(), tt.mode)
		}
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != len(tests) {
		t.Errorf("dir holds %d entries, want %d (temp files left behind?)", len(entries), len(tests))
	}
	ca := b.CACert()
	if ca.Subject.CommonName != CACommonName || !ca.IsCA {
		t.Errorf("CA subject %q IsCA %v", ca.Subject.CommonName, ca.IsCA)
	}
	if years := ca.NotAfter.Sub(ca.NotBefore).Hours() / 24 / 365; years < 9.9 {
		t.Errorf("CA valid %.1f years, want 10", years)
	}
	if !parsePEMCert(t, b.CAPEM()).Equal(ca) {
		t.Error("CAPEM does not hold CACert")
	}
}

func TestEnsureReloadAndReissue(t *testing.T) {
	start := time.Now()
	tests := []struct {
		name         string
		second       Options
		wantReissued bool
	}{
		{"same options reload everything", Options{Hosts: []string{"10.0.0.5"}}, false},
		{"subset of names reloads", Options{}, false},
		{"new DNS SAN re-issues", Options{Hosts: []string{"10.0.0.5", "api.example.com"}}, true},
		{"new IP SAN re-issues", Options{Hosts: []string{"10.0.0.5", "192.168.1.9"}}, true},
		{"other service CIDR re-issues", Options{Hosts: []string{"10.0.0.5"}, ServiceCIDR: "10.96.0.0/12"}, true},
		{"near expiry re-issues", Options{Hosts: []string{"10.0.0.5"}, Now: func() time.Time { return start.Add(340 * 24 * time.Hour) }}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			first := mustEnsure(t, dir, Options{Hosts: []string{"10.0.0.5"}})
			second := mustEnsure(t, dir, tt.second)
			if !first.CACert().Equal(second.CACert()) {
				t.Fatal("CA changed between calls")
			}
			reissued := !servingCert(first).Equal(servingCert(second))
			if reissued != tt.wantReissued {
				t.Fatalf("serving cert re-issued = %v, want %v", reissued, tt.wantReissued)
			}
			onDisk, err := os.ReadFile(filepath.Join(dir, serverCertFile))
			if err != nil {
				t.Fatal(err)
			}
			if !parsePEMCert(t, onDisk).Equal(servingCert(second)) {
				t.Error("server.crt on disk differs from the loaded serving cert")
			}
			if !samePublicKey(first.ServiceAccountKey().Public(), second.ServiceAccountKey().Public()) {
				t.Error("service-account key changed between calls")
			}
		})
	}
}

func TestServingCertVerifiesForEverySAN(t *testing.T) {
	hostname, err := os.Hostname()
	if err != nil {
		t.Fatal(err)
	}
	b := mustEnsure(t, t.TempDir(), Options{
		Hosts:         []string{"0.0.0.0", "skiff.example.com", "10.1.2.3"},
		ServiceCIDR:   "10.43.0.0/16,fd00:43::/108",
		ClusterDomain: "corp.local",
	})
	roots := x509.NewCertPool()
	roots.AddCert(b.CACert())
	names := []string{
		"localhost", "127.0.0.1", "::1", hostname, "skiff.example.com", "10.1.2.3",
		"kubernetes", "kubernetes.default", "kubernetes.default.svc",
		"kubernetes.default.svc.corp.local", "10.43.0.1", "fd00:43::1",
	}
	cert := servingCert(b)
	for _, name := range names {
		t.Run(name, func(t *testing.T) {
			_, err := cert.Verify(x509.VerifyOptions{
				DNSName:   name,
				Roots:     roots,
				KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
			})
			if err != nil {
				t.Errorf("verify %s: %v", name, err)
			}
		})
	}
	if slices.ContainsFunc(cert.IPAddresses, net.IP.IsUnspecified) {
		t.Error("wildcard bind address 0.0.0.0 made it into the SANs")
	}
	if _, err := cert.Verify(x509.VerifyOptions{DNSName: "other.example.com", Roots: roots}); err == nil {
		t.Error("serving cert verified for a name it was not issued for")
	}
}

func TestClientCertsVerifyAgainstPool(t *testing.T) {
	b := mustEnsure(t, t.TempDir(), Options{})
	adminPEM, _ := b.AdminCert()
	nodePEM, nodeKey, err := b.IssueClientCert("system:node:n1", []string{"system:nodes"}, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	if len(nodeKey) == 0 {
		t.Fatal("IssueClientCert returned no key")
	}
	other := mustEnsure(t, t.TempDir(), Options{})
	strangerPEM, _ := other.AdminCert()
	tests := []struct {
		name       string
		certPEM    []byte
		wantUser   string
		wantGroups []string
		wantValid  bool
	}{
		{"admin", adminPEM, AdminUser, []string{AdminGroup}, true},
		{"issued node cert", nodePEM, "system:node:n1", []string{"system:nodes"}, true},
		{"kubelet client", encodeCert(b.KubeletClientCert().Leaf), KubeletClientUser, []string{AdminGroup}, true},
		{"cert from another CA", strangerPEM, AdminUser, []string{AdminGroup}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cert := parsePEMCert(t, tt.certPEM)
			_, err := cert.Verify(x509.VerifyOptions{
				Roots:     b.ClientCertPool(),
				KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth},
			})
			if (err == nil) != tt.wantValid {
				t.Errorf("verify err = %v, want valid %v", err, tt.wantValid)
			}
			user, groups := ClientCertIdentity(cert)
			if user != tt.wantUser || !slices.Equal(groups, tt.wantGroups) {
				t.Errorf("identity = %q %v, want %q %v", user, groups, tt.wantUser, tt.wantGroups)
			}
		})
	}
}

func TestIssueClientCertRejectsBadInput(t *testing.T) {
	b := mustEnsure(t, t.TempDir(), Options{})
	tests := []struct {
		name     string
		cn       string
		validity time.Duration
	}{
		{"empty common name", "", time.Hour},
		{"zero validity", "u", 0},
		{"negative validity", "u", -time.Hour},
	}
	for _, tt := range tests {
		if _, _, err := b.IssueClientCert(tt.cn, nil, tt.validity); err == nil {
			t.Errorf("%s: no error", tt.name)
		}
	}
}

func TestEnsureBadFilesNameTheFile(t *testing.T) {
	garbage := []byte("-----BEGIN PRIVATE KEY-----\nbm90IGEga2V5\n-----END PRIVATE KEY-----\n")
	tests := []struct {
		name     string
		damage   func(t *testing.T, dir string)
		wantFile string
	}{
		{"corrupt CA key", writeFile(caKeyFile, garbage), caKeyFile},
		{"CA key not PEM", writeFile(caKeyFile, []byte("hello")), caKeyFile},
		{"corrupt server key", writeFile(serverKeyFile, garbage), serverKeyFile},
		{"corrupt SA key", writeFile(saKeyFile, garbage), saKeyFile},
		{"truncated CA cert", truncate(caCertFile), caCertFile},
		{"truncated admin cert", truncate(adminCertFile), adminCertFile},
		{"sa.pub not PEM", writeFile(saPubFile, []byte("x")), saPubFile},
		{"server key swapped for admin key", copyFile(adminKeyFile, serverKeyFile), serverCertFile},
		{"sa.pub of another key", copyFile(caCertFile, saPubFile), saPubFile},
		{"server cert from another CA", foreignServerCert, serverCertFile},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			mustEnsure(t, dir, Options{})
			tt.damage(t, dir)
			_, err := Ensure(dir, Options{})
			if err == nil {
				t.Fatal("Ensure succeeded on damaged files")
			}
			if !strings.Contains(err.Error(), filepath.Join(dir, tt.wantFile)) {
				t.Errorf("error %q does not name %s", err, tt.wantFile)
			}
		})
	}
}

func writeFile(name string, data []byte) func(*testing.T, string) {
	return func(t *testing.T, dir string) {
		if err := os.WriteFile(filepath.Join(dir, name), data, 0o600); err != nil {
			t.Fatal(err)
		}
	}
}

func truncate(name string) func(*testing.T, string) {
	return func(t *testing.T, dir string) {
		data, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			t.Fatal(err)
		}
		// Keep the PEM armour valid but cut the DER inside it.
		block, _ := pem.Decode(data)
		block.Bytes = block.Bytes[:len(block.Bytes)/2]
		writeFile(name, pem.EncodeToMemory(block))(t, dir)
	}
}

func copyFile(from, to string) func(*testing.T, string) {
	return func(t *testing.T, dir string) {
		data, err := os.ReadFile(filepath.Join(dir, from))
		if err != nil {
			t.Fatal(err)
		}
		if from == caCertFile {
			// Turn the certificate into a PUBLIC KEY block of the CA's key.
			data, err = encodePublicKey(parsePEMCert(t, data).PublicKey)
			if err != nil {
				t.Fatal(err)
			}
		}
		writeFile(to, data)(t, dir)
	}
}

// foreignServerCert replaces server.crt/server.key with a pair from another
// PKI directory, so the pair matches but the CA does not.
func foreignServerCert(t *testing.T, dir string) {
	other := t.TempDir()
	mustEnsure(t, other, Options{})
	for _, name := range []string{serverCertFile, serverKeyFile} {
		data, err := os.ReadFile(filepath.Join(other, name))
		if err != nil {
			t.Fatal(err)
		}
		writeFile(name, data)(t, dir)
	}
}

func TestEnsureRejectsBadServiceCIDR(t *testing.T) {
	for _, cidr := range []string{"nonsense", "10.0.0.5/32", "10.43.0.0/16,"} {
		if _, err := Ensure(t.TempDir(), Options{ServiceCIDR: cidr}); err == nil {
			t.Errorf("ServiceCIDR %q: no error", cidr)
		}
	}
}

func TestFirstIP(t *testing.T) {
	tests := []struct{ cidr, want string }{
		{"10.43.0.0/16", "10.43.0.1"},
		{"10.96.0.0/12", "10.96.0.1"},
		{"10.0.0.255/23", "10.0.0.1"},
		{"fd00::/108", "fd00::1"},
	}
	for _, tt := range tests {
		got, err := firstIP(tt.cidr)
		if err != nil || got.String() != tt.want {
			t.Errorf("firstIP(%s) = %v, %v; want %s", tt.cidr, got, err, tt.want)
		}
	}
}
