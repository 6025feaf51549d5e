package pki

import (
	"crypto"
	"crypto/tls"
	"testing"
	"time"
)

// TestKubeletClientCertRenewal: the kubelet client certificate survives a
// restart unchanged and is re-issued with the same key near expiry.
func TestKubeletClientCertRenewal(t *testing.T) {
	start := time.Now()
	tests := []struct {
		name        string
		now         func() time.Time
		wantReissue bool
	}{
		{"restart reloads", nil, false},
		{"near expiry re-issues", func() time.Time { return start.Add(340 * 24 * time.Hour) }, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			first := mustEnsure(t, dir, Options{}).KubeletClientCert()
			second := mustEnsure(t, dir, Options{Now: tt.now}).KubeletClientCert()
			if got := !first.Leaf.Equal(second.Leaf); got != tt.wantReissue {
				t.Fatalf("re-issued = %v, want %v", got, tt.wantReissue)
			}
			if !samePublicKey(first.Leaf.PublicKey, second.Leaf.PublicKey) {
				t.Error("key changed")
			}
			if _, err := tls.X509KeyPair(encodeCert(second.Leaf), mustEncodeKey(t, second)); err != nil {
				t.Errorf("certificate and key do not pair: %v", err)
			}
		})
	}
}

func mustEncodeKey(t *testing.T, c tls.Certificate) []byte {
	t.Helper()
	data, err := encodeKey(c.PrivateKey.(crypto.Signer))
	if err != nil {
		t.Fatal(err)
	}
	return data
}
