package pki

import (
	"crypto"
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"slices"
)

// ensureCA loads or creates the CA pair. The key is written before the
// certificate, so a crash in between leaves a key whose certificate is
// simply issued on the next start.
func (b *Bundle) ensureCA(dir string) error {
	certPath, keyPath := inDir(dir, caCertFile), inDir(dir, caKeyFile)
	key, err := loadOrCreateKey(keyPath)
	if err != nil {
		return err
	}
	cert, found, err := loadCert(certPath)
	if err != nil {
		return err
	}
	if found {
		if err := checkPair(certPath, keyPath, cert, key); err != nil {
			return err
		}
		if !cert.IsCA {
			return fmt.Errorf("%s is not a CA certificate", certPath)
		}
	} else {
		tmpl := caTemplate(b.now())
		if cert, err = sign(tmpl, key.Public(), tmpl, key); err != nil {
			return err
		}
		if err := writeCert(certPath, cert); err != nil {
			return err
		}
	}
	b.ca, b.caKey, b.caPEM = cert, key, encodeCert(cert)
	return nil
}

// leaf describes one CA-signed certificate kept on disk.
type leaf struct {
	certFile, keyFile string
	// template makes the certificate to issue.
	template func() *x509.Certificate
	// fits reports whether an existing certificate still says what we want.
	fits func(*x509.Certificate) bool
}

// ensureLeaf loads the leaf pair, re-issuing the certificate (with the same
// key) when it is missing, no longer fits or nears expiry.
func (b *Bundle) ensureLeaf(dir string, l leaf) (*x509.Certificate, crypto.Signer, error) {
	certPath, keyPath := inDir(dir, l.certFile), inDir(dir, l.keyFile)
	key, err := loadOrCreateKey(keyPath)
	if err != nil {
		return nil, nil, err
	}
	cert, found, err := loadCert(certPath)
	if err != nil {
		return nil, nil, err
	}
	if found {
		if err := checkPair(certPath, keyPath, cert, key); err != nil {
			return nil, nil, err
		}
		if err := cert.CheckSignatureFrom(b.ca); err != nil {
			return nil, nil, fmt.Errorf("%s is not signed by %s: %w", certPath, inDir(dir, caCertFile), err)
		}
		if l.fits(cert) && b.now().Add(renewBefore).Before(cert.NotAfter) {
			return cert, key, nil
		}
	}
	if cert, err = sign(l.template(), key.Public(), b.ca, b.caKey); err != nil {
		return nil, nil, err
	}
	return cert, key, writeCert(certPath, cert)
}

func (b *Bundle) ensureServing(dir string, want sans) error {
	cert, key, err := b.ensureLeaf(dir, leaf{
		certFile: serverCertFile,
		keyFile:  serverKeyFile,
		template: func() *x509.Certificate { return servingTemplate(want, b.now()) },
		fits:     func(c *x509.Certificate) bool { return want.coveredBy(c.DNSNames, c.IPAddresses) },
	})
	if err != nil {
		return err
	}
	b.serving = tls.Certificate{Certificate: [][]byte{cert.Raw}, PrivateKey: key, Leaf: cert}
	return nil
}

func (b *Bundle) ensureAdmin(dir string) error {
	cert, key, err := b.ensureLeaf(dir, leaf{
		certFile: adminCertFile,
		keyFile:  adminKeyFile,
		template: func() *x509.Certificate {
			return clientTemplate(AdminUser, []string{AdminGroup}, b.now(), adminValidity)
		},
		fits: func(c *x509.Certificate) bool {
			user, groups := ClientCertIdentity(c)
			return user == AdminUser && slices.Equal(groups, []string{AdminGroup})
		},
	})
	if err != nil {
		return err
	}
	keyPEM, err := encodeKey(key)
	if err != nil {
		return err
	}
	b.adminCertPEM, b.adminKeyPEM = encodeCert(cert), keyPEM
	return nil
}

// ensureKubeletClient keeps the certificate the API server presents to
// kubelets; like the admin's it is renewed at start-up near expiry.
func (b *Bundle) ensureKubeletClient(dir string) error {
	groups := []string{AdminGroup}
	cert, key, err := b.ensureLeaf(dir, leaf{
		certFile: kubeletCertFile,
		keyFile:  kubeletKeyFile,
		template: func() *x509.Certificate {
			return clientTemplate(KubeletClientUser, groups, b.now(), adminValidity)
		},
		fits: func(c *x509.Certificate) bool {
			user, got := ClientCertIdentity(c)
			return user == KubeletClientUser && slices.Equal(got, groups)
		},
	})
	if err != nil {
		return err
	}
	b.kubelet = tls.Certificate{Certificate: [][]byte{cert.Raw}, PrivateKey: key, Leaf: cert}
	return nil
}

// ensureServiceAccountKey loads or creates sa.key and keeps sa.pub, its
// public half, beside it for verifiers that only need that.
func ensureServiceAccountKey(dir string) (crypto.Signer, error) {
	keyPath, pubPath := inDir(dir, saKeyFile), inDir(dir, saPubFile)
	key, err := loadOrCreateKey(keyPath)
	if err != nil {
		return nil, err
	}
	der, found, err := readPEM(pubPath, publicKeyBlock)
	if err != nil {
		return nil, err
	}
	if !found {
		data, err := encodePublicKey(key.Public())
		if err != nil {
			return nil, err
		}
		return key, writeFileAtomic(pubPath, data, certFileMode)
	}
	pub, err := x509.ParsePKIXPublicKey(der)
	if err != nil {
		return nil, fmt.Errorf("%s: parse public key: %w", pubPath, err)
	}
	if !samePublicKey(pub, key.Public()) {
		return nil, fmt.Errorf("%s does not match private key %s", pubPath, keyPath)
	}
	return key, nil
}
