package apiserver

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
)

// serveHealth answers /healthz, /livez and /readyz (and their per-check
// paths). /readyz fails until the stores are ready; liveness only says
// the process serves.
func (a *API) serveHealth(w http.ResponseWriter, r *http.Request) {
	endpoint := strings.Split(strings.Trim(r.URL.Path, "/"), "/")[0]
	var err error
	if endpoint != "livez" && a.health != nil {
		err = a.health()
	}
	code, body := http.StatusOK, "ok"
	if err != nil {
		code, body = http.StatusInternalServerError, fmt.Sprintf("[-]storage failed: %v\n%s check failed", err, endpoint)
	} else if r.URL.Query().Has("verbose") {
		body = fmt.Sprintf("[+]ping ok\n[+]etcd ok\n[+]informer-sync ok\n%s check passed", endpoint)
	}
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(code)
	fmt.Fprint(w, body)
}

// writeJSON answers with plain JSON, for the few endpoints outside the
// scheme (/version).
func (a *API) writeJSON(w http.ResponseWriter, r *http.Request, code int, v any) {
	data, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		a.writeError(w, r, err)
		return
	}
	writeBody(w, r, code, "application/json", data)
}
