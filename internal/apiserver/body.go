package apiserver

import (
	"fmt"
	"net/http"
	"strings"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
)

// writeParams are the query parameters every write takes.
type writeParams struct {
	dryRun       bool
	fieldManager string
	// validation is Strict, Warn or Ignore: what unknown and duplicate
	// fields in the body do.
	validation string
}

func parseWriteParams(r *http.Request) (writeParams, error) {
	q := r.URL.Query()
	p := writeParams{validation: "Warn"}
	for _, v := range q["dryRun"] {
		if v != metav1.DryRunAll {
			return p, apierrors.NewBadRequest(fmt.Sprintf("dryRun: Unsupported value: %q: supported values: \"All\"", v))
		}
		p.dryRun = true
	}
	p.fieldManager = q.Get("fieldManager")
	if len(p.fieldManager) > 128 {
		return p, apierrors.NewBadRequest("fieldManager: Too long: may not be more than 128 bytes")
	}
	if p.fieldManager == "" {
		p.fieldManager = managerFromUserAgent(r.UserAgent())
	}
	switch v := q.Get("fieldValidation"); v {
	case "":
	case "Strict", "Warn", "Ignore":
		p.validation = v
	default:
		return p, apierrors.NewBadRequest(fmt.Sprintf("fieldValidation: Unsupported value: %q: supported values: \"Ignore\", \"Strict\", \"Warn\"", v))
	}
	return p, nil
}

// managerFromUserAgent names the field manager of a client that gave
// none, as Kubernetes does: the user agent up to its first slash.
func managerFromUserAgent(ua string) string {
	name := strings.SplitN(ua, "/", 2)[0]
	if len(name) > 128 {
		name = name[:128]
	}
	return name
}

// decodeBody reads the request body into a new object of sv's kind. Unknown
// or duplicate fields fail the request under Strict validation and come
// back as warnings under Warn.
func (a *API) decodeBody(w http.ResponseWriter, r *http.Request, sv *served, p writeParams) (runtime.Object, error) {
	data, err := readBody(r)
	if err != nil {
		return nil, err
	}
	if len(data) == 0 {
		return nil, apierrors.NewBadRequest("the request body is empty")
	}
	info, err := a.decoderFor(r)
	if err != nil {
		return nil, err
	}
	return a.decodeInto(w, info, data, sv.gvk, sv.res.New(), p.validation)
}

func (a *API) decodeInto(w http.ResponseWriter, info runtime.SerializerInfo, data []byte, gvk schema.GroupVersionKind, into runtime.Object, validation string) (runtime.Object, error) {
	dec := info.Serializer
	if validation != "Ignore" && info.StrictSerializer != nil {
		dec = info.StrictSerializer
	}
	obj, got, err := dec.Decode(data, &gvk, into)
	if strict, ok := runtime.AsStrictDecodingError(err); ok {
		if validation == "Strict" {
			return nil, apierrors.NewBadRequest(strict.Error())
		}
		for _, e := range strict.Errors() {
			warn(w, e.Error())
		}
		err = nil
	}
	if err != nil {
		return nil, apierrors.NewBadRequest(fmt.Sprintf("the body of the request could not be decoded: %v", err))
	}
	if got != nil && (got.GroupVersion() != gvk.GroupVersion() || got.Kind != gvk.Kind) {
		return nil, apierrors.NewBadRequest(fmt.Sprintf("the API version in the data (%s) does not match the expected API version (%s)", got.GroupVersion(), gvk.GroupVersion()))
	}
	return obj, nil
}

// checkTarget makes the object's namespace and name agree with the URL.
func checkTarget(obj runtime.Object, info requestInfo, namespaced bool) error {
	m, err := meta.Accessor(obj)
	if err != nil {
		return apierrors.NewBadRequest(err.Error())
	}
	if namespaced {
		switch ns := m.GetNamespace(); {
		case ns == "":
			m.SetNamespace(info.Namespace)
		case ns != info.Namespace:
			return apierrors.NewBadRequest("the namespace of the provided object does not match the namespace sent on the request")
		}
	}
	if info.Name != "" && m.GetName() != info.Name {
		if m.GetName() == "" {
			m.SetName(info.Name)
			return nil
		}
		return apierrors.NewBadRequest(fmt.Sprintf("the name of the object (%s) does not match the name on the URL (%s)", m.GetName(), info.Name))
	}
	return nil
}
