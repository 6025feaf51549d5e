package apiserver

import (
	"errors"
	"log/slog"
	"net/http"
	"strings"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/runtime/serializer"
	"k8s.io/apimachinery/pkg/util/managedfields"
	"k8s.io/apimachinery/pkg/version"

	"github.com/skiff/skiff/internal/registry/resource"
	"github.com/skiff/skiff/internal/registry/store"
)

// served is one resource the API serves: its rules, its store and the
// field managers that track managedFields for writes to it.
type served struct {
	res    resource.Resource
	store  *store.Store
	gvk    schema.GroupVersionKind
	fields map[string]*managedfields.FieldManager // by subresource ("" or "status")
}

func (s *served) gv() schema.GroupVersion { return s.res.GVR.GroupVersion() }

// API is the HTTP face of the resources: routing, content negotiation,
// discovery, and the verbs on each resource.
type API struct {
	scheme    *runtime.Scheme
	codecs    serializer.CodecFactory
	params    runtime.ParameterCodec
	jsonInfo  runtime.SerializerInfo
	resources map[schema.GroupVersionResource]*served
	// order keeps group versions in discovery order (core first).
	order   []schema.GroupVersion
	byGV    map[schema.GroupVersion][]*served
	openapi http.Handler
	version version.Info
	log     *slog.Logger
	// health reports readiness problems; nil when ready.
	health        func() error
	typeConverter managedfields.TypeConverter
	evictions     EvictionChecker
	registry      http.Handler // the image registry at /v2/ (registry.go)
	// objects reads pods, nodes and service accounts for kubelet proxying
	// and tokens; kubelets reaches node agents (proxy.go); tokens issues
	// and verifies service-account tokens (token.go, authn.go).
	objects  clusterObjects
	kubelets *kubeletProxy
	tokens   *tokenIssuer
	// encoded shares the encoding of watch events among watchers.
	encoded *encodedEvents
}

// ServeHTTP routes a request. Health and version endpoints are public;
// everything else needs an authenticated client.
func (a *API) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	defer a.recoverPanic(w, r)
	path := r.URL.Path
	switch {
	case path == "/healthz" || path == "/livez" || path == "/readyz" ||
		strings.HasPrefix(path, "/healthz/") || strings.HasPrefix(path, "/livez/") || strings.HasPrefix(path, "/readyz/"):
		a.serveHealth(w, r)
		return
	case path == "/version" || path == "/version/":
		a.writeJSON(w, r, http.StatusOK, a.version)
		return
	case path == "/v2" || strings.HasPrefix(path, "/v2/"): // authenticates itself, answers in the registry's format
		a.serveRegistry(w, r)
		return
	}
	r, err := a.authenticateBearer(r)
	if err != nil {
		a.writeError(w, r, err)
		return
	}
	if !authenticated(r) {
		a.writeError(w, r, apierrors.NewUnauthorized("Unauthorized"))
		return
	}
	switch {
	case path == oidcConfigPath || path == oidcJWKSPath:
		a.serveOIDC(w, r)
	case path == "/api" || path == "/api/":
		a.serveLegacyDiscovery(w, r)
	case path == "/apis" || path == "/apis/":
		a.serveGroupsDiscovery(w, r)
	case strings.HasPrefix(path, "/openapi/"):
		a.openapi.ServeHTTP(w, r)
	case strings.HasPrefix(path, "/debug/pprof/"):
		serveProfiling(w, r)
	case strings.HasPrefix(path, "/apis/") && len(splitPath(path)) == 2:
		a.serveGroupDiscovery(w, r, splitPath(path)[1])
	default:
		a.serveAPIPath(w, r)
	}
}

// authenticated is true for clients with a certificate the TLS layer
// verified against the cluster CA, or a verified bearer token (authn.go).
func authenticated(r *http.Request) bool {
	if _, ok := tokenUser(r); ok {
		return true
	}
	return r.TLS != nil && len(r.TLS.VerifiedChains) > 0
}

// requestUser is the authenticated user: the client certificate's common
// name, and its organizations as groups; or the bearer token's user.
func requestUser(r *http.Request) (string, []string) {
	if u, ok := tokenUser(r); ok {
		return u.name, append([]string(nil), u.groups...)
	}
	if !authenticated(r) {
		return "system:anonymous", []string{"system:unauthenticated"}
	}
	cert := r.TLS.VerifiedChains[0][0]
	return cert.Subject.CommonName, append(append([]string{}, cert.Subject.Organization...), "system:authenticated")
}

func (a *API) serveAPIPath(w http.ResponseWriter, r *http.Request) {
	info, gvOnly, ok := parseResourcePath(r)
	if !ok {
		a.writeError(w, r, notFoundPath())
		return
	}
	if gvOnly {
		a.serveResourceList(w, r, schema.GroupVersion{Group: info.Group, Version: info.Version})
		return
	}
	sv := a.resources[schema.GroupVersionResource{Group: info.Group, Version: info.Version, Resource: info.Resource}]
	if sv == nil || (info.Namespace != "" && !sv.res.Namespaced) {
		a.writeError(w, r, notFoundPath())
		return
	}
	a.serveResource(w, r, sv, info)
}

func notFoundPath() error {
	return statusError(http.StatusNotFound, metav1.StatusReasonNotFound, "the server could not find the requested resource")
}

func (a *API) recoverPanic(w http.ResponseWriter, r *http.Request) {
	if v := recover(); v != nil {
		if v == http.ErrAbortHandler {
			panic(v)
		}
		a.log.Error("panic serving request", "method", r.Method, "path", r.URL.Path, "panic", v)
		a.writeError(w, r, apierrors.NewInternalError(errPanic))
	}
}

var errPanic = errors.New("the server hit an unexpected error while serving the request")
