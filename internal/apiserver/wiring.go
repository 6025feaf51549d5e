package apiserver

import (
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"log"
	"log/slog"
	"strings"

	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/util/managedfields"
	"sigs.k8s.io/structured-merge-diff/v4/fieldpath"

	"github.com/skiff/skiff/internal/registry/resource"
	"github.com/skiff/skiff/internal/registry/store"
	"github.com/skiff/skiff/internal/scheme"
)

func newAPI(sch *runtime.Scheme, cfg Config) *API {
	a := &API{
		scheme:    sch,
		codecs:    scheme.Codecs(sch),
		params:    runtime.NewParameterCodec(sch),
		resources: map[schema.GroupVersionResource]*served{},
		byGV:      map[schema.GroupVersion][]*served{},
		version:   cfg.Version,
		log:       cfg.Logger,
		evictions: cfg.Evictions,
	}
	a.jsonInfo, _ = a.serializerFor(mediaJSON, false)
	a.objects = storeObjects{a}
	a.kubelets = newKubeletProxy(cfg.KubeletClientCert, cfg.Logger)
	a.tokens = newTokenIssuer(cfg, a.objects)
	a.typeConverter = newTypeConverter(sch)
	a.encoded = newEncodedEvents()
	return a
}

// serve registers a resource for routing and discovery and builds its
// field managers.
func (a *API) serve(res resource.Resource) (*served, error) {
	gv := res.GVR.GroupVersion()
	sv := &served{res: res, gvk: gv.WithKind(res.Kind), fields: map[string]*managedfields.FieldManager{}}
	subresources := []string{""}
	if res.Status {
		subresources = append(subresources, "status")
	}
	for _, sub := range subresources {
		fm, err := managedfields.NewDefaultFieldManager(a.typeConverter, fieldConvertor{a.scheme}, strategyDefaulter{res.Strategy}, a.scheme, sv.gvk, gv, sub, resetFields(gv, res.Status, sub))
		if err != nil {
			return nil, fmt.Errorf("field manager for %s: %w", res.GVR, err)
		}
		sv.fields[sub] = fm
	}
	if _, ok := a.byGV[gv]; !ok {
		a.order = append(a.order, gv)
	}
	a.byGV[gv] = append(a.byGV[gv], sv)
	a.resources[res.GVR] = sv
	return sv, nil
}

// resetFields names the fields a write through one endpoint cannot set, so
// that managedFields never claim them: status for the main resource of a
// kind with a status subresource, and spec for the status subresource.
func resetFields(gv schema.GroupVersion, hasStatus bool, subresource string) map[fieldpath.APIVersion]fieldpath.Filter {
	var path string
	switch {
	case subresource == "status":
		path = "spec"
	case hasStatus:
		path = "status"
	default:
		return nil
	}
	return map[fieldpath.APIVersion]fieldpath.Filter{
		fieldpath.APIVersion(gv.String()): fieldpath.NewExcludeSetFilter(fieldpath.NewSet(fieldpath.MakePathOrDie(path))),
	}
}

// strategyDefaulter lets server-side apply default objects the way the
// resource's strategy does.
type strategyDefaulter struct{ s resource.Strategy }

func (d strategyDefaulter) Default(obj runtime.Object) { d.s.Default(obj) }

func (a *API) store(gvr schema.GroupVersionResource) *store.Store {
	if sv := a.resources[gvr]; sv != nil {
		return sv.store
	}
	return nil
}

// storageVersionHash is the opaque hash discovery publishes so clients can
// tell when a resource's storage version changes.
func storageVersionHash(gvk schema.GroupVersionKind) string {
	sum := sha256.Sum256([]byte(gvk.Group + "/" + gvk.Version + "/" + gvk.Kind))
	return base64.StdEncoding.EncodeToString(sum[:8])
}

// slogErrorLog routes net/http's own error log (TLS handshake failures and
// the like) to slog at debug level: they are the client's problem.
func slogErrorLog(l *slog.Logger) *log.Logger {
	return log.New(slogWriter{l}, "", 0)
}

type slogWriter struct{ l *slog.Logger }

func (w slogWriter) Write(p []byte) (int, error) {
	w.l.Debug("http server", "msg", strings.TrimSpace(string(p)))
	return len(p), nil
}
