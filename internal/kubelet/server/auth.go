package server

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net/http"
	"strings"
)

// APIServerUser is the only client the endpoint serves: the common name of
// the client certificate the API server presents to kubelets.
const APIServerUser = "kube-apiserver-kubelet-client"

// authenticate lets through only the API server: a client certificate that
// chains to the cluster CA (401 otherwise) and names APIServerUser (403
// otherwise). Both answers are plain text, worded as the kubelet's.
func (s *Server) authenticate(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		user, err := s.clientUser(r.TLS)
		if err != nil {
			s.log.Debug("kubelet server: unauthenticated request", "remote", r.RemoteAddr, "path", r.URL.Path, "err", err)
			writeText(w, http.StatusUnauthorized, "Unauthorized")
			return
		}
		if user != APIServerUser {
			s.log.Info("kubelet server: forbidden request", "user", user, "remote", r.RemoteAddr, "path", r.URL.Path)
			writeText(w, http.StatusForbidden, fmt.Sprintf("Forbidden (user=%s, verb=%s, resource=nodes, subresource=%s)",
				user, verb(r.Method), subresource(r.URL.Path)))
			return
		}
		next.ServeHTTP(w, r)
	})
}

// clientUser verifies the peer's certificate chain against the client CA
// for client authentication and returns its common name.
func (s *Server) clientUser(cs *tls.ConnectionState) (string, error) {
	if cs == nil || len(cs.PeerCertificates) == 0 {
		return "", errors.New("no client certificate")
	}
	leaf := cs.PeerCertificates[0]
	intermediates := x509.NewCertPool()
	for _, c := range cs.PeerCertificates[1:] {
		intermediates.AddCert(c)
	}
	_, err := leaf.Verify(x509.VerifyOptions{
		Roots:         s.clientCA,
		Intermediates: intermediates,
		CurrentTime:   s.now(),
		KeyUsages:     []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth},
	})
	if err != nil {
		return "", fmt.Errorf("verify client certificate %q: %w", leaf.Subject.CommonName, err)
	}
	if leaf.Subject.CommonName == "" {
		return "", errors.New("client certificate has no common name")
	}
	return leaf.Subject.CommonName, nil
}

// verb is the authorization verb of an HTTP method, as the kubelet names it.
func verb(method string) string {
	switch method {
	case http.MethodPost:
		return "create"
	case http.MethodPut:
		return "update"
	case http.MethodPatch:
		return "patch"
	case http.MethodDelete:
		return "delete"
	}
	return "get"
}

// subresource is the nodes subresource a kubelet path is authorized as.
func subresource(path string) string {
	for _, p := range []struct{ prefix, sub string }{{"/stats", "stats"}, {"/metrics", "metrics"}, {"/logs", "log"}} {
		if path == p.prefix || strings.HasPrefix(path, p.prefix+"/") {
			return p.sub
		}
	}
	return "proxy"
}

// writeText writes a plain-text answer, the form of the kubelet's 401 and
// 403 (which only a caller that is not the API server sees).
func writeText(w http.ResponseWriter, code int, msg string) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(code)
	_, _ = w.Write([]byte(msg))
}
