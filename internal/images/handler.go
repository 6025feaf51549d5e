package images

import (
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
)

// HandlerConfig assembles the registry's HTTP handler.
type HandlerConfig struct {
	Store *Store
	// Authorize decides each request before anything else; write is true
	// for requests that change the registry. It refuses with an error
	// made by Unauthorized or Denied. Nil allows everything.
	Authorize func(r *http.Request, write bool) error
	Logger    *slog.Logger
}

// Handler serves the registry API under /v2/.
type Handler struct {
	store     *Store
	authorize func(r *http.Request, write bool) error
	log       *slog.Logger
}

// NewHandler builds the registry's handler.
func NewHandler(cfg HandlerConfig) *Handler {
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	return &Handler{store: cfg.Store, authorize: cfg.Authorize, log: cfg.Logger}
}

// handlerFunc serves one endpoint; the error it returns is written once,
// in ServeHTTP.
type handlerFunc func(w http.ResponseWriter, r *http.Request, rt route) error

func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Docker-Distribution-API-Version", "registry/2.0")
	if err := h.serve(w, r); err != nil {
		var e *Error
		if !errors.As(err, &e) {
			h.log.Error("registry request failed", "method", r.Method, "path", r.URL.Path, "err", err)
		}
		WriteError(w, r, err)
	}
}

func (h *Handler) serve(w http.ResponseWriter, r *http.Request) error {
	write := r.Method != http.MethodGet && r.Method != http.MethodHead
	if h.authorize != nil {
		if err := h.authorize(r, write); err != nil {
			return err
		}
	}
	rt, err := parseRoute(r.URL.Path, r.URL.Query().Get("ns"))
	if err != nil {
		return err
	}
	fn := h.lookup(rt, r.Method)
	if fn == nil {
		return unsupported("%s is not supported on %s", r.Method, r.URL.Path)
	}
	return fn(w, r, rt)
}

// lookup picks the endpoint's method handler, nil when it has none.
func (h *Handler) lookup(rt route, method string) handlerFunc {
	get := method == http.MethodGet || method == http.MethodHead
	switch {
	case rt.kind == routeBase && get:
		return serveBase
	case rt.kind == routeCatalog && get:
		return h.serveCatalog
	case rt.kind == routeTags && get:
		return h.serveTags
	case rt.kind == routeManifest && get:
		return h.getManifest
	case rt.kind == routeManifest && method == http.MethodPut:
		return h.putManifest
	case rt.kind == routeBlob && get:
		return h.getBlob
	case rt.kind == routeBlob && method == http.MethodPost && rt.ref == "uploads":
		return h.startUpload // .../blobs/uploads without the trailing slash
	case rt.kind == routeUpload:
		return h.uploadHandler(method)
	}
	return nil
}

func serveBase(w http.ResponseWriter, r *http.Request, _ route) error {
	writeJSON(w, r, http.StatusOK, struct{}{})
	return nil
}

func writeJSON(w http.ResponseWriter, r *http.Request, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	if r.Method != http.MethodHead {
		_ = json.NewEncoder(w).Encode(v)
	}
}
