// Package pki owns the cluster's certificates: the CA, the API server's
// serving certificate, client certificates (the admin's, the one the API
// server shows to kubelets, and issued ones), the service-account signing
// key with the JWTs it signs (jwt.go), and the kubeconfig files that carry
// them. Everything lives as PEM files in one directory and is created on
// first use. It does not decide what a token's claims mean: that is the API
// server's business.
package pki

import (
	"crypto"
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"time"
)

const (
	// CACommonName names the cluster CA.
	CACommonName = "skiff-ca"
	// AdminUser and AdminGroup are the admin certificate's identity;
	// system:masters is the group Kubernetes grants everything.
	AdminUser  = "skiff-admin"
	AdminGroup = "system:masters"
	// KubeletClientUser is the identity the API server shows kubelets when
	// it proxies logs, exec, attach and port-forward to them (in
	// AdminGroup, as kubeadm issues it); agents accept only this name.
	KubeletClientUser = "kube-apiserver-kubelet-client"
	// DefaultServiceCIDR and DefaultClusterDomain apply when Options leave
	// them empty.
	DefaultServiceCIDR   = "10.43.0.0/16"
	DefaultClusterDomain = "cluster.local"

	servingCommonName = "skiff-apiserver"
)

// File names inside the PKI directory.
const (
	caCertFile      = "ca.crt"
	caKeyFile       = "ca.key"
	serverCertFile  = "server.crt"
	serverKeyFile   = "server.key"
	adminCertFile   = "admin.crt"
	adminKeyFile    = "admin.key"
	kubeletCertFile = "kubelet-client.crt"
	kubeletKeyFile  = "kubelet-client.key"
	saKeyFile       = "sa.key"
	saPubFile       = "sa.pub"
)

// Options say which names the serving certificate must carry.
type Options struct {
	// Hosts are extra DNS names and IPs (the bind address, --tls-san values).
	// localhost, loopback IPs and os.Hostname() are always added.
	Hosts []string
	// ServiceCIDR is the Service IP range, or two comma-separated for dual
	// stack; the first address of each (the "kubernetes" Service) is added.
	// Empty means DefaultServiceCIDR.
	ServiceCIDR string
	// ClusterDomain completes kubernetes.default.svc.<domain>; empty means
	// DefaultClusterDomain.
	ClusterDomain string
	// Now is the clock used to issue and renew certificates; nil means
	// time.Now. Tests set it.
	Now func() time.Time
}

// Bundle is the loaded PKI. It is safe for concurrent use: nothing in it
// changes after Ensure returns.
type Bundle struct {
	now          func() time.Time
	ca           *x509.Certificate
	caKey        crypto.Signer
	caPEM        []byte
	serving      tls.Certificate
	adminCertPEM []byte
	adminKeyPEM  []byte
	kubelet      tls.Certificate
	saKey        crypto.Signer
}

// Ensure loads the PKI in dir, creating whatever is missing. A serving
// certificate that lacks a requested name, or nears expiry, is re-issued from
// the same CA; the CA itself is never replaced. Unreadable or mismatched
// files are errors that name the file.
func Ensure(dir string, opts Options) (*Bundle, error) {
	want, err := opts.servingSANs()
	if err != nil {
		return nil, err
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("pki dir: %w", err)
	}
	b := &Bundle{now: opts.Now}
	if b.now == nil {
		b.now = time.Now
	}
	if err := b.ensureCA(dir); err != nil {
		return nil, err
	}
	if err := b.ensureServing(dir, want); err != nil {
		return nil, err
	}
	if err := b.ensureAdmin(dir); err != nil {
		return nil, err
	}
	if err := b.ensureKubeletClient(dir); err != nil {
		return nil, err
	}
	if b.saKey, err = ensureServiceAccountKey(dir); err != nil {
		return nil, err
	}
	return b, nil
}

// CACert returns the cluster CA certificate.
func (b *Bundle) CACert() *x509.Certificate { return b.ca }

// CAPEM returns the cluster CA certificate in PEM form.
func (b *Bundle) CAPEM() []byte { return slices.Clone(b.caPEM) }

// AdminCert returns the admin client certificate and key in PEM form.
func (b *Bundle) AdminCert() (certPEM, keyPEM []byte) {
	return slices.Clone(b.adminCertPEM), slices.Clone(b.adminKeyPEM)
}

// KubeletClientCert is the API server's client certificate for kubelets
// (CN KubeletClientUser, O AdminGroup), ready for a tls.Config.
func (b *Bundle) KubeletClientCert() tls.Certificate { return b.kubelet }

// ServiceAccountKey returns the key that signs service-account tokens; its
// Public() verifies them.
func (b *Bundle) ServiceAccountKey() crypto.Signer { return b.saKey }

// IssueClientCert signs a new client certificate whose identity is
// commonName (the user) and orgs (the groups), with a fresh key.
func (b *Bundle) IssueClientCert(commonName string, orgs []string, validity time.Duration) (certPEM, keyPEM []byte, err error) {
	if commonName == "" {
		return nil, nil, fmt.Errorf("issue client certificate: empty common name")
	}
	if validity <= 0 {
		return nil, nil, fmt.Errorf("issue client certificate %q: validity %v is not positive", commonName, validity)
	}
	key, err := newKey()
	if err != nil {
		return nil, nil, err
	}
	cert, err := sign(clientTemplate(commonName, orgs, b.now(), validity), key.Public(), b.ca, b.caKey)
	if err != nil {
		return nil, nil, err
	}
	keyPEM, err = encodeKey(key)
	if err != nil {
		return nil, nil, err
	}
	return encodeCert(cert), keyPEM, nil
}

func inDir(dir, name string) string { return filepath.Join(dir, name) }
