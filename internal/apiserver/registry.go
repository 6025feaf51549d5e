package apiserver

import (
	"net/http"
	"slices"

	"github.com/skiff/skiff/internal/images"
	"github.com/skiff/skiff/internal/pki"
)

// The API server also serves the cluster's image registry at /v2/ (see
// package images), on the same port and with the same client
// certificates: any client the cluster CA vouches for may pull (nodes'
// containerd uses the node's certificate), and only the admin group may
// push. Its errors are the registry's JSON, not metav1.Status, because
// registry clients read those.

// newRegistry serves the image store in cfg.ImagesDir; nil when the
// server has no registry.
func newRegistry(cfg Config) (http.Handler, error) {
	if cfg.ImagesDir == "" {
		return nil, nil
	}
	st, err := images.Open(cfg.ImagesDir)
	if err != nil {
		return nil, err
	}
	return images.NewHandler(images.HandlerConfig{Store: st, Authorize: authorizeRegistry, Logger: cfg.Logger}), nil
}

// serveRegistry routes /v2/ to the registry, which authenticates the
// client itself so that every answer, 401 included, is in its format.
func (a *API) serveRegistry(w http.ResponseWriter, r *http.Request) {
	if a.registry == nil {
		images.WriteError(w, r, &images.Error{Code: "NAME_UNKNOWN", Status: http.StatusNotFound, Message: "this server hosts no image registry"})
		return
	}
	a.registry.ServeHTTP(w, r)
}

// authorizeRegistry lets authenticated clients read and admins write.
func authorizeRegistry(r *http.Request, write bool) error {
	if !authenticated(r) {
		return images.Unauthorized("a client certificate signed by the cluster CA is required")
	}
	user, groups := requestUser(r)
	if write && !slices.Contains(groups, pki.AdminGroup) {
		return images.Denied("user %q may not push images: pushing needs the %s group", user, pki.AdminGroup)
	}
	return nil
}
