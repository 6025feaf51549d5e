package server

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"fmt"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"slices"
	"time"
)

const (
	servingCertValidity = 10 * 365 * 24 * time.Hour
	// renewBefore: a certificate this close to expiry is made again at start.
	renewBefore = 30 * 24 * time.Hour
)

// EnsureServingCert makes sure certFile and keyFile hold a serving
// certificate for hosts (IP addresses or DNS names). When the files are
// missing or unreadable, it writes a new self-signed ECDSA P-256
// certificate. A self-signed certificate written earlier is replaced when
// it lacks one of hosts (the node's IP changed) or nears expiry; one signed
// by someone else is the operator's and is kept as it is.
func EnsureServingCert(certFile, keyFile string, hosts []string) error {
	if len(hosts) == 0 {
		return errors.New("serving certificate: no hosts")
	}
	now := time.Now()
	if keep, err := servingCertUsable(certFile, keyFile, hosts, now); err != nil || keep {
		return err
	}
	certPEM, keyPEM, err := selfSignedCert(hosts, now)
	if err != nil {
		return err
	}
	if err := writeFileAtomic(keyFile, keyPEM, 0o600); err != nil {
		return fmt.Errorf("serving certificate: %w", err)
	}
	if err := writeFileAtomic(certFile, certPEM, 0o644); err != nil {
		return fmt.Errorf("serving certificate: %w", err)
	}
	return nil
}

// servingCertUsable reports whether the existing pair can stay. A missing
// or broken pair cannot; a pair that is there but cannot be read for other
// reasons (permissions) is an error rather than something to overwrite.
func servingCertUsable(certFile, keyFile string, hosts []string, now time.Time) (bool, error) {
	for _, f := range []string{certFile, keyFile} {
		if _, err := os.Stat(f); errors.Is(err, os.ErrNotExist) {
			return false, nil
		} else if err != nil {
			return false, fmt.Errorf("serving certificate: %w", err)
		}
	}
	pair, err := tls.LoadX509KeyPair(certFile, keyFile)
	if err != nil {
		return false, nil
	}
	cert, err := x509.ParseCertificate(pair.Certificate[0])
	if err != nil {
		return false, nil
	}
	selfSigned := bytes.Equal(cert.RawIssuer, cert.RawSubject) && cert.CheckSignatureFrom(cert) == nil
	if !selfSigned {
		return true, nil
	}
	if now.Add(renewBefore).After(cert.NotAfter) {
		return false, nil
	}
	for _, h := range hosts {
		if cert.VerifyHostname(h) != nil {
			return false, nil
		}
	}
	return true, nil
}

// selfSignedCert returns a new self-signed serving certificate and its key,
// PEM encoded. It is its own CA, so a client may pin it as a root.
func selfSignedCert(hosts []string, now time.Time) (certPEM, keyPEM []byte, err error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, nil, fmt.Errorf("serving certificate: generate key: %w", err)
	}
	serial, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 127))
	if err != nil {
		return nil, nil, fmt.Errorf("serving certificate: serial: %w", err)
	}
	tmpl := &x509.Certificate{
		SerialNumber:          serial,
		Subject:               pkix.Name{CommonName: fmt.Sprintf("%s@%d", hosts[0], now.Unix())},
		NotBefore:             now.Add(-time.Hour),
		NotAfter:              now.Add(servingCertValidity),
		KeyUsage:              x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		BasicConstraintsValid: true,
		IsCA:                  true,
	}
	for _, h := range hosts {
		if ip := net.ParseIP(h); ip != nil {
			if !slices.ContainsFunc(tmpl.IPAddresses, ip.Equal) {
				tmpl.IPAddresses = append(tmpl.IPAddresses, ip)
			}
		} else if !slices.Contains(tmpl.DNSNames, h) {
			tmpl.DNSNames = append(tmpl.DNSNames, h)
		}
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, key.Public(), key)
	if err != nil {
		return nil, nil, fmt.Errorf("serving certificate: sign: %w", err)
	}
	keyDER, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		return nil, nil, fmt.Errorf("serving certificate: encode key: %w", err)
	}
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}),
		pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: keyDER}), nil
}

// writeFileAtomic replaces path with data, so a crash leaves the old file
// or the new one, never half of either.
func writeFileAtomic(path string, data []byte, mode os.FileMode) error {
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	f, err := os.CreateTemp(dir, "."+filepath.Base(path)+".tmp*")
	if err != nil {
		return err
	}
	tmp := f.Name()
	defer os.Remove(tmp)
	if err := f.Chmod(mode); err != nil {
		f.Close()
		return err
	}
	if _, err := f.Write(data); err != nil {
		f.Close()
		return err
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	return os.Rename(tmp, path)
}
