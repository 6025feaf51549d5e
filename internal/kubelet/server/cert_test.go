package server

import (
	"bytes"
	"crypto/tls"
	"crypto/x509"
	"os"
	"path/filepath"
	"testing"
)

func TestEnsureServingCert(t *testing.T) {
	dir := t.TempDir()
	certFile, keyFile := filepath.Join(dir, "pki", "kubelet.crt"), filepath.Join(dir, "pki", "kubelet.key")
	read := func() (cert, key []byte) {
		t.Helper()
		c, err := os.ReadFile(certFile)
		if err != nil {
			t.Fatal(err)
		}
		k, err := os.ReadFile(keyFile)
		if err != nil {
			t.Fatal(err)
		}
		return c, k
	}

	if err := EnsureServingCert(certFile, keyFile, []string{"10.0.0.5", "node-1", "10.0.0.5"}); err != nil {
		t.Fatal(err)
	}
	c1, k1 := read()
	pair, err := tls.X509KeyPair(c1, k1)
	if err != nil {
		t.Fatal(err)
	}
	cert, _ := x509.ParseCertificate(pair.Certificate[0])
	if len(cert.IPAddresses) != 1 || cert.VerifyHostname("10.0.0.5") != nil || cert.VerifyHostname("node-1") != nil {
		t.Errorf("certificate names %v %v, want 10.0.0.5 once and node-1", cert.IPAddresses, cert.DNSNames)
	}
	if cert.PublicKeyAlgorithm != x509.ECDSA || !cert.IsCA {
		t.Errorf("certificate is %v, CA=%v; want a self-signed ECDSA CA", cert.PublicKeyAlgorithm, cert.IsCA)
	}
	if st, _ := os.Stat(keyFile); st.Mode().Perm() != 0o600 {
		t.Errorf("key mode %v, want 0600", st.Mode().Perm())
	}

	// Same hosts: kept as it is.
	if err := EnsureServingCert(certFile, keyFile, []string{"node-1"}); err != nil {
		t.Fatal(err)
	}
	if c, k := read(); !bytes.Equal(c, c1) || !bytes.Equal(k, k1) {
		t.Error("a usable certificate was replaced")
	}
	// A new node IP: made again.
	if err := EnsureServingCert(certFile, keyFile, []string{"10.0.0.6"}); err != nil {
		t.Fatal(err)
	}
	c2, _ := read()
	if bytes.Equal(c2, c1) {
		t.Error("certificate not replaced for a new host")
	}
	// Broken files: made again.
	if err := os.WriteFile(certFile, []byte("junk"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := EnsureServingCert(certFile, keyFile, []string{"10.0.0.6"}); err != nil {
		t.Fatal(err)
	}
	if c, k := read(); bytes.Equal(c, []byte("junk")) {
		t.Error("broken certificate kept")
	} else if _, err := tls.X509KeyPair(c, k); err != nil {
		t.Errorf("new pair does not load: %v", err)
	}
}

func TestEnsureServingCertKeepsOperatorCert(t *testing.T) {
	dir := t.TempDir()
	certFile, keyFile := filepath.Join(dir, "kubelet.crt"), filepath.Join(dir, "kubelet.key")
	ca := newTestCA(t)
	c, k := ca.client(t, "someone") // signed by a CA: not ours to replace
	if err := os.WriteFile(certFile, c, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(keyFile, k, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := EnsureServingCert(certFile, keyFile, []string{"10.0.0.7"}); err != nil {
		t.Fatal(err)
	}
	if got, _ := os.ReadFile(certFile); !bytes.Equal(got, c) {
		t.Error("a certificate signed by a CA was replaced")
	}
	if err := EnsureServingCert(certFile, keyFile, nil); err == nil {
		t.Error("no hosts accepted")
	}
}
