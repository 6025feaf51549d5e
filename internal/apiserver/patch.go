package apiserver

import (
	"bytes"
	"context"
	"fmt"
	"mime"
	"net/http"

	jsonpatch "gopkg.in/evanphx/json-patch.v4"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/util/strategicpatch"
	"sigs.k8s.io/yaml"

	"github.com/skiff/skiff/internal/registry/store"
)

// patch applies a JSON patch, merge patch, strategic merge patch or
// server-side apply to the stored object, with the same concurrency and
// validation as an update.
func (a *API) patch(w http.ResponseWriter, r *http.Request, sv *served, info requestInfo, subresource string) error {
	p, err := parseWriteParams(r)
	if err != nil {
		return err
	}
	data, err := readBody(r)
	if err != nil {
		return err
	}
	pt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if err != nil {
		pt = r.Header.Get("Content-Type")
	}
	force := isTrue(r.URL.Query().Get("force"))
	if force && types.PatchType(pt) != types.ApplyPatchType {
		return apierrors.NewBadRequest("force: Invalid value: true: may not be specified for non-apply patch")
	}
	opts := store.UpdateOptions{DryRun: p.dryRun, FieldManager: p.fieldManager, Subresource: subresource}
	var fn store.UpdateFunc
	switch types.PatchType(pt) {
	case types.JSONPatchType, types.MergePatchType, types.StrategicMergePatchType:
		fn = func(_ context.Context, cur runtime.Object) (runtime.Object, error) {
			obj, err := a.applyPatch(w, sv, types.PatchType(pt), cur, data, p.validation)
			if err != nil {
				return nil, err
			}
			return obj, sameTarget(obj, info)
		}
	case types.ApplyPatchType:
		if r.URL.Query().Get("fieldManager") == "" {
			return apierrors.NewInvalid(metav1.SchemeGroupVersion.WithKind("PatchOptions").GroupKind(), "", fieldManagerRequired)
		}
		opts.CreateIfMissing, opts.SkipFieldManager = subresource == "", true
		fn = func(_ context.Context, cur runtime.Object) (runtime.Object, error) {
			return a.apply(sv, info, subresource, cur, data, p.fieldManager, force)
		}
	default:
		return statusError(http.StatusUnsupportedMediaType, metav1.StatusReasonUnsupportedMediaType,
			fmt.Sprintf("the body of the request was in an unknown format - accepted media types include: %s, %s, %s, %s", types.JSONPatchType, types.MergePatchType, types.StrategicMergePatchType, types.ApplyPatchType))
	}
	out, created, err := sv.store.Update(r.Context(), info.Namespace, info.Name, fn, opts)
	if err != nil {
		return err
	}
	code := http.StatusOK
	if created {
		code = http.StatusCreated
	}
	return a.writeResult(w, r, code, sv, out)
}

// applyPatch patches the JSON form of cur and decodes the result.
func (a *API) applyPatch(w http.ResponseWriter, sv *served, pt types.PatchType, cur runtime.Object, patch []byte, validation string) (runtime.Object, error) {
	var buf bytes.Buffer
	if err := a.codecs.EncoderForVersion(a.jsonInfo.Serializer, sv.gv()).Encode(cur, &buf); err != nil {
		return nil, apierrors.NewInternalError(err)
	}
	var patched []byte
	var err error
	switch pt {
	case types.JSONPatchType:
		var ops jsonpatch.Patch
		if ops, err = jsonpatch.DecodePatch(patch); err != nil {
			return nil, apierrors.NewBadRequest(err.Error())
		}
		if patched, err = ops.Apply(buf.Bytes()); err != nil {
			// Kubernetes' wording, with the reason in the causes.
			return nil, apierrors.NewGenericServerResponse(http.StatusUnprocessableEntity, "", schema.GroupResource{}, "", err.Error(), 0, false)
		}
	case types.MergePatchType:
		if patched, err = jsonpatch.MergePatch(buf.Bytes(), patch); err != nil {
			return nil, apierrors.NewBadRequest(err.Error())
		}
	case types.StrategicMergePatchType:
		if patched, err = strategicpatch.StrategicMergePatch(buf.Bytes(), patch, sv.res.New()); err != nil {
			return nil, apierrors.NewBadRequest(err.Error())
		}
	}
	return a.decodeInto(w, a.jsonInfo, patched, sv.gvk, sv.res.New(), validation)
}

// sameTarget refuses a patch that renames its object or moves it to
// another namespace.
func sameTarget(obj runtime.Object, info requestInfo) error {
	m, err := meta.Accessor(obj)
	if err != nil {
		return apierrors.NewBadRequest(err.Error())
	}
	if m.GetName() != info.Name {
		return apierrors.NewBadRequest(fmt.Sprintf("the name of the object (%s) does not match the name on the URL (%s)", m.GetName(), info.Name))
	}
	if m.GetNamespace() != info.Namespace {
		return apierrors.NewBadRequest(fmt.Sprintf("the namespace of the object (%s) does not match the namespace on the URL (%s)", m.GetNamespace(), info.Namespace))
	}
	return nil
}

var fieldManagerRequired = fieldErrors("fieldManager", "is required for apply patch")

// apply runs a server-side apply of the YAML or JSON configuration in data
// against cur (nil: the object does not exist yet).
func (a *API) apply(sv *served, info requestInfo, subresource string, cur runtime.Object, data []byte, manager string, force bool) (runtime.Object, error) {
	cfg := &unstructured.Unstructured{}
	if err := yaml.Unmarshal(data, &cfg.Object); err != nil {
		return nil, apierrors.NewBadRequest(fmt.Sprintf("error decoding YAML: %v", err))
	}
	if cfg.Object == nil {
		return nil, apierrors.NewBadRequest("the apply configuration is empty")
	}
	if gvk := cfg.GroupVersionKind(); gvk != sv.gvk {
		return nil, apierrors.NewBadRequest(fmt.Sprintf("apply configuration is for %s, the URL for %s", gvk, sv.gvk))
	}
	if cfg.GetName() != info.Name {
		return nil, apierrors.NewBadRequest(fmt.Sprintf("the name of the object (%s) does not match the name on the URL (%s)", cfg.GetName(), info.Name))
	}
	if sv.res.Namespaced && cfg.GetNamespace() != "" && cfg.GetNamespace() != info.Namespace {
		return nil, apierrors.NewBadRequest("the namespace of the provided object does not match the namespace sent on the request")
	}
	live := cur
	if live == nil {
		live = sv.res.New()
		m, _ := meta.Accessor(live)
		m.SetName(info.Name)
		m.SetNamespace(info.Namespace)
	}
	out, err := sv.fields[subresource].Apply(live, cfg, manager, force)
	if err != nil {
		if isAPIStatus(err) {
			return nil, err
		}
		return nil, statusError(http.StatusUnprocessableEntity, metav1.StatusReasonInvalid, err.Error())
	}
	if cur == nil {
		m, _ := meta.Accessor(out)
		m.SetNamespace(info.Namespace)
	}
	return out, nil
}
