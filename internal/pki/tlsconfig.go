package pki

import (
	"crypto/tls"
	"crypto/x509"
)

// ServerTLSConfig is the API server's TLS configuration. It asks for a
// client certificate but does not require one: a certificate that is given
// must chain to the CA, and a request without one reaches the HTTP layer,
// which answers 401 itself (so /healthz and friends stay open).
func (b *Bundle) ServerTLSConfig() *tls.Config {
	return &tls.Config{
		MinVersion:   tls.VersionTLS12,
		Certificates: []tls.Certificate{b.serving},
		ClientAuth:   tls.VerifyClientCertIfGiven,
		ClientCAs:    b.ClientCertPool(),
		NextProtos:   []string{"h2", "http/1.1"},
	}
}

// ClientCertPool holds the CA that signs client certificates.
func (b *Bundle) ClientCertPool() *x509.CertPool {
	pool := x509.NewCertPool()
	pool.AddCert(b.ca)
	return pool
}

// ClientCertIdentity is the Kubernetes identity a client certificate
// carries: the common name is the user, the organizations are the groups.
func ClientCertIdentity(cert *x509.Certificate) (user string, groups []string) {
	return cert.Subject.CommonName, append([]string(nil), cert.Subject.Organization...)
}
