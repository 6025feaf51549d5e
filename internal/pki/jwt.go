package pki

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"crypto/x509"
	"encoding/asn1"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"math/big"
	"strings"
)

// Service-account tokens are JSON Web Tokens in compact form, signed with
// ES256 by the service-account key (ECDSA P-256, as Ensure creates it).
// This file only signs and checks signatures; which claims a token carries
// and what they mean belongs to the API server.

// ErrInvalidToken is wrapped by every VerifyJWT failure.
var ErrInvalidToken = errors.New("invalid token")

// jwtAlgorithm is the one signature algorithm skiff signs and accepts.
const jwtAlgorithm = "ES256"

// maxTokenBytes bounds the tokens VerifyJWT parses, so a huge bearer
// header costs no decoding work.
const maxTokenBytes = 16 << 10

type jwtHeader struct {
	Algorithm string `json:"alg"`
	KeyID     string `json:"kid,omitempty"`
}

var b64 = base64.RawURLEncoding

// KeyID names a public key in tokens ("kid") and key sets: the unpadded
// base64url SHA-256 of its PKIX encoding, as Kubernetes computes it.
func KeyID(pub crypto.PublicKey) (string, error) {
	der, err := x509.MarshalPKIXPublicKey(pub)
	if err != nil {
		return "", fmt.Errorf("key id: %w", err)
	}
	sum := sha256.Sum256(der)
	return b64.EncodeToString(sum[:]), nil
}

// p256 returns pub as a P-256 ECDSA key, the only kind ES256 allows.
func p256(pub crypto.PublicKey) (*ecdsa.PublicKey, error) {
	k, ok := pub.(*ecdsa.PublicKey)
	if !ok || k.Curve != elliptic.P256() {
		return nil, fmt.Errorf("service-account key must be ECDSA P-256 for %s, not %T", jwtAlgorithm, pub)
	}
	return k, nil
}

// SignJWT encodes claims as JSON and signs them with key (ECDSA P-256),
// naming the key by KeyID in the header.
func SignJWT(key crypto.Signer, claims any) (string, error) {
	if _, err := p256(key.Public()); err != nil {
		return "", err
	}
	kid, err := KeyID(key.Public())
	if err != nil {
		return "", err
	}
	header, err := json.Marshal(jwtHeader{Algorithm: jwtAlgorithm, KeyID: kid})
	if err != nil {
		return "", fmt.Errorf("sign token: %w", err)
	}
	payload, err := json.Marshal(claims)
	if err != nil {
		return "", fmt.Errorf("sign token: encode claims: %w", err)
	}
	input := b64.EncodeToString(header) + "." + b64.EncodeToString(payload)
	digest := sha256.Sum256([]byte(input))
	der, err := key.Sign(rand.Reader, digest[:], crypto.SHA256)
	if err != nil {
		return "", fmt.Errorf("sign token: %w", err)
	}
	// crypto.Signer gives ASN.1; JWS wants R and S as two 32-byte numbers.
	var sig struct{ R, S *big.Int }
	if rest, err := asn1.Unmarshal(der, &sig); err != nil || len(rest) > 0 {
		return "", fmt.Errorf("sign token: unexpected ECDSA signature encoding")
	}
	raw := make([]byte, 64)
	sig.R.FillBytes(raw[:32])
	sig.S.FillBytes(raw[32:])
	return input + "." + b64.EncodeToString(raw), nil
}

// VerifyJWT checks that token is an ES256 JWT signed by pub's key and
// decodes its payload into claims. It checks nothing in the claims (expiry
// and audience are the caller's). Every failure wraps ErrInvalidToken.
func VerifyJWT(token string, pub crypto.PublicKey, claims any) error {
	key, err := p256(pub)
	if err != nil {
		return err
	}
	if len(token) > maxTokenBytes {
		return fmt.Errorf("%w: longer than %d bytes", ErrInvalidToken, maxTokenBytes)
	}
	parts := strings.Split(token, ".")
	if len(parts) != 3 {
		return fmt.Errorf("%w: not a compact JWT", ErrInvalidToken)
	}
	var h jwtHeader
	if err := decodeSegment(parts[0], &h); err != nil {
		return fmt.Errorf("%w: header: %v", ErrInvalidToken, err)
	}
	if h.Algorithm != jwtAlgorithm {
		return fmt.Errorf("%w: algorithm %q, want %s", ErrInvalidToken, h.Algorithm, jwtAlgorithm)
	}
	if kid, _ := KeyID(pub); h.KeyID != "" && h.KeyID != kid {
		return fmt.Errorf("%w: signed by another key", ErrInvalidToken)
	}
	sig, err := b64.DecodeString(parts[2])
	if err != nil || len(sig) != 64 {
		return fmt.Errorf("%w: malformed signature", ErrInvalidToken)
	}
	digest := sha256.Sum256([]byte(parts[0] + "." + parts[1]))
	r, s := new(big.Int).SetBytes(sig[:32]), new(big.Int).SetBytes(sig[32:])
	if !ecdsa.Verify(key, digest[:], r, s) {
		return fmt.Errorf("%w: bad signature", ErrInvalidToken)
	}
	if err := decodeSegment(parts[1], claims); err != nil {
		return fmt.Errorf("%w: claims: %v", ErrInvalidToken, err)
	}
	return nil
}

func decodeSegment(seg string, into any) error {
	data, err := b64.DecodeString(seg)
	if err != nil {
		return err
	}
	return json.Unmarshal(data, into)
}

// JWK is a public key as a JSON Web Key, the form OIDC discovery
// publishes (/openid/v1/jwks).
type JWK struct {
	Use       string `json:"use"`
	KeyType   string `json:"kty"`
	KeyID     string `json:"kid"`
	Curve     string `json:"crv"`
	Algorithm string `json:"alg"`
	X         string `json:"x"`
	Y         string `json:"y"`
}

// PublicJWK describes pub (ECDSA P-256) as a signing JWK.
func PublicJWK(pub crypto.PublicKey) (JWK, error) {
	key, err := p256(pub)
	if err != nil {
		return JWK{}, err
	}
	kid, err := KeyID(pub)
	if err != nil {
		return JWK{}, err
	}
	// The uncompressed point is 0x04 || X || Y, 32 bytes each.
	point, err := key.Bytes()
	if err != nil {
		return JWK{}, fmt.Errorf("public key: %w", err)
	}
	return JWK{
		Use: "sig", KeyType: "EC", KeyID: kid, Curve: "P-256", Algorithm: jwtAlgorithm,
		X: b64.EncodeToString(point[1:33]), Y: b64.EncodeToString(point[33:]),
	}, nil
}
