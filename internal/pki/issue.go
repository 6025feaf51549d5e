package pki

import (
	"crypto"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"fmt"
	"math/big"
	"time"
)

const (
	caValidity      = 10 * 365 * 24 * time.Hour
	servingValidity = 365 * 24 * time.Hour
	adminValidity   = 365 * 24 * time.Hour
	// renewBefore re-issues a leaf certificate at start-up once it is this
	// close to expiry, so a cluster restarted now and then never serves an
	// expired certificate.
	renewBefore = 30 * 24 * time.Hour
	// backdate makes fresh certificates valid on machines whose clocks lag.
	backdate = time.Hour
)

func newSerial() (*big.Int, error) {
	serial, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 127))
	if err != nil {
		return nil, fmt.Errorf("certificate serial number: %w", err)
	}
	return serial, nil
}

func caTemplate(now time.Time) *x509.Certificate {
	return &x509.Certificate{
		Subject:               pkix.Name{CommonName: CACommonName},
		NotBefore:             now.Add(-backdate),
		NotAfter:              now.Add(caValidity),
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageCRLSign | x509.KeyUsageDigitalSignature,
		BasicConstraintsValid: true,
		IsCA:                  true,
	}
}

func servingTemplate(s sans, now time.Time) *x509.Certificate {
	return &x509.Certificate{
		Subject:               pkix.Name{CommonName: servingCommonName},
		NotBefore:             now.Add(-backdate),
		NotAfter:              now.Add(servingValidity),
		KeyUsage:              x509.KeyUsageDigitalSignature,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		BasicConstraintsValid: true,
		DNSNames:              s.dns,
		IPAddresses:           s.ips,
	}
}

func clientTemplate(commonName string, orgs []string, now time.Time, validity time.Duration) *x509.Certificate {
	return &x509.Certificate{
		Subject:               pkix.Name{CommonName: commonName, Organization: append([]string(nil), orgs...)},
		NotBefore:             now.Add(-backdate),
		NotAfter:              now.Add(validity),
		KeyUsage:              x509.KeyUsageDigitalSignature,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth},
		BasicConstraintsValid: true,
	}
}

// sign creates a certificate from tmpl for pub, signed by parent's key.
// A self-signed certificate passes tmpl as its own parent.
func sign(tmpl *x509.Certificate, pub crypto.PublicKey, parent *x509.Certificate, parentKey crypto.Signer) (*x509.Certificate, error) {
	serial, err := newSerial()
	if err != nil {
		return nil, err
	}
	tmpl.SerialNumber = serial
	der, err := x509.CreateCertificate(rand.Reader, tmpl, parent, pub, parentKey)
	if err != nil {
		return nil, fmt.Errorf("sign certificate %q: %w", tmpl.Subject.CommonName, err)
	}
	return x509.ParseCertificate(der)
}

// loadCert parses the certificate in path; found is false when the file
// does not exist.
func loadCert(path string) (cert *x509.Certificate, found bool, err error) {
	der, found, err := readPEM(path, certBlock)
	if err != nil || !found {
		return nil, found, err
	}
	cert, err = x509.ParseCertificate(der)
	if err != nil {
		return nil, true, fmt.Errorf("%s: parse certificate: %w", path, err)
	}
	return cert, true, nil
}

func writeCert(path string, cert *x509.Certificate) error {
	return writeFileAtomic(path, encodeCert(cert), certFileMode)
}

// checkPair fails when the certificate in certPath was not made for key,
// which happens when one file of a pair was replaced by hand.
func checkPair(certPath, keyPath string, cert *x509.Certificate, key crypto.Signer) error {
	if !samePublicKey(cert.PublicKey, key.Public()) {
		return fmt.Errorf("%s does not match private key %s", certPath, keyPath)
	}
	return nil
}
