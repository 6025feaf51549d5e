package pki

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"math/big"
	"strings"
	"testing"
)

type testClaims struct {
	Subject string   `json:"sub"`
	Aud     []string `json:"aud"`
}

func TestJWTRoundTrip(t *testing.T) {
	key := mustEnsure(t, t.TempDir(), Options{}).ServiceAccountKey()
	token, err := SignJWT(key, testClaims{Subject: "system:serviceaccount:ns:sa", Aud: []string{"x"}})
	if err != nil {
		t.Fatal(err)
	}
	header, _ := base64.RawURLEncoding.DecodeString(strings.Split(token, ".")[0])
	kid, _ := KeyID(key.Public())
	if want := `{"alg":"ES256","kid":"` + kid + `"}`; string(header) != want {
		t.Errorf("header = %s, want %s", header, want)
	}
	var got testClaims
	if err := VerifyJWT(token, key.Public(), &got); err != nil {
		t.Fatal(err)
	}
	if got.Subject != "system:serviceaccount:ns:sa" || len(got.Aud) != 1 || got.Aud[0] != "x" {
		t.Errorf("claims = %+v", got)
	}
}

func TestVerifyJWTRejects(t *testing.T) {
	key := mustEnsure(t, t.TempDir(), Options{}).ServiceAccountKey()
	other := mustEnsure(t, t.TempDir(), Options{}).ServiceAccountKey()
	good, err := SignJWT(key, testClaims{Subject: "a"})
	if err != nil {
		t.Fatal(err)
	}
	byOther, err := SignJWT(other, testClaims{Subject: "a"})
	if err != nil {
		t.Fatal(err)
	}
	parts := strings.Split(good, ".")
	enc := base64.RawURLEncoding.EncodeToString
	tampered := parts[0] + "." + enc([]byte(`{"sub":"b"}`)) + "." + parts[2]
	noneAlg := enc([]byte(`{"alg":"none"}`)) + "." + parts[1] + "."
	// The other key's signature under a header claiming our key id.
	otherSig := parts[0] + "." + parts[1] + "." + strings.Split(byOther, ".")[2]
	tests := map[string]string{
		"garbage":         "not-a-token",
		"two parts":       parts[0] + "." + parts[1],
		"tampered claims": tampered,
		"alg none":        noneAlg,
		"other key":       byOther,
		"other signature": otherSig,
		"huge":            strings.Repeat("a", maxTokenBytes+1),
	}
	for name, token := range tests {
		t.Run(name, func(t *testing.T) {
			var c testClaims
			if err := VerifyJWT(token, key.Public(), &c); !errors.Is(err, ErrInvalidToken) {
				t.Errorf("err = %v, want ErrInvalidToken", err)
			}
		})
	}
}

// TestSignJWTIsStandardES256 checks the signature with crypto/ecdsa
// directly: R||S over the first two segments.
func TestSignJWTIsStandardES256(t *testing.T) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	token, err := SignJWT(key, map[string]string{"k": "v"})
	if err != nil {
		t.Fatal(err)
	}
	parts := strings.Split(token, ".")
	sig, _ := base64.RawURLEncoding.DecodeString(parts[2])
	sum := sha256Sum(parts[0] + "." + parts[1])
	if !ecdsa.Verify(&key.PublicKey, sum, new(big.Int).SetBytes(sig[:32]), new(big.Int).SetBytes(sig[32:])) {
		t.Error("signature does not verify")
	}
}

func TestNonP256KeysRefused(t *testing.T) {
	rsaKey, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := SignJWT(rsaKey, nil); err == nil {
		t.Error("RSA key signed")
	}
	if _, err := PublicJWK(rsaKey.Public()); err == nil {
		t.Error("RSA key became a JWK")
	}
}

func TestPublicJWK(t *testing.T) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	jwk, err := PublicJWK(key.Public())
	if err != nil {
		t.Fatal(err)
	}
	x, _ := base64.RawURLEncoding.DecodeString(jwk.X)
	y, _ := base64.RawURLEncoding.DecodeString(jwk.Y)
	if new(big.Int).SetBytes(x).Cmp(key.X) != 0 || new(big.Int).SetBytes(y).Cmp(key.Y) != 0 {
		t.Error("x, y differ from the key")
	}
	kid, _ := KeyID(key.Public())
	if jwk.KeyType != "EC" || jwk.Curve != "P-256" || jwk.Algorithm != "ES256" || jwk.Use != "sig" || jwk.KeyID != kid {
		t.Errorf("jwk = %+v", jwk)
	}
}

func sha256Sum(s string) []byte {
	sum := sha256.Sum256([]byte(s))
	return sum[:]
}
