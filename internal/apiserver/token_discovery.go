package apiserver

import (
	"encoding/json"
	"net/http"

	"github.com/skiff/skiff/internal/pki"
)

// Service account issuer discovery: the OpenID Connect documents with
// which others verify this server's service-account tokens, at the paths
// kube-apiserver serves them on (to authenticated clients).

const (
	oidcConfigPath = "/.well-known/openid-configuration"
	oidcJWKSPath   = "/openid/v1/jwks"
)

type oidcConfig struct {
	Issuer           string   `json:"issuer"`
	JWKSURI          string   `json:"jwks_uri"`
	ResponseTypes    []string `json:"response_types_supported"`
	SubjectTypes     []string `json:"subject_types_supported"`
	SigningAlgValues []string `json:"id_token_signing_alg_values_supported"`
}

// serveOIDC answers the discovery document and the key set.
func (a *API) serveOIDC(w http.ResponseWriter, r *http.Request) {
	t := a.tokens
	if t.key == nil {
		a.writeError(w, r, notFoundPath())
		return
	}
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		a.writeError(w, r, statusError(http.StatusMethodNotAllowed, "MethodNotAllowed", "the server does not allow this method on the requested resource"))
		return
	}
	var doc any
	contentType := "application/json"
	switch r.URL.Path {
	case oidcConfigPath:
		doc = oidcConfig{
			Issuer: t.issuer, JWKSURI: t.jwksURI,
			ResponseTypes: []string{"id_token"}, SubjectTypes: []string{"public"},
			SigningAlgValues: []string{"ES256"},
		}
	default:
		jwk, err := pki.PublicJWK(t.key.Public())
		if err != nil {
			a.writeError(w, r, err)
			return
		}
		doc = struct {
			Keys []pki.JWK `json:"keys"`
		}{[]pki.JWK{jwk}}
		contentType = "application/jwk-set+json"
	}
	data, err := json.Marshal(doc)
	if err != nil {
		a.writeError(w, r, err)
		return
	}
	w.Header().Set("Cache-Control", "public, max-age=3600")
	writeBody(w, r, http.StatusOK, contentType, data)
}
