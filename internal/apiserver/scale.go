package apiserver

import (
	"context"
	"fmt"
	"net/http"
	"strings"

	autoscalingv1 "k8s.io/api/autoscaling/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/types"

	"github.com/skiff/skiff/internal/registry/resource"
	"github.com/skiff/skiff/internal/registry/store"
)

// The scale subresource shows and sets a workload's replica count as an
// autoscaling/v1 Scale, reading and writing the paths the resource names.

var scaleGVK = autoscalingv1.SchemeGroupVersion.WithKind("Scale")

// scaleServed describes the Scale kind for decoding, patching and printing.
var scaleServed = &served{
	res: resource.Resource{
		GVR: autoscalingv1.SchemeGroupVersion.WithResource("scale"), Kind: "Scale",
		New:      func() runtime.Object { return &autoscalingv1.Scale{} },
		Strategy: scaleStrategy{},
	},
	gvk: scaleGVK,
}

// scaleStrategy prints a Scale as kubectl get --subresource=scale shows it.
type scaleStrategy struct{ resource.Base }

func (scaleStrategy) Columns() []metav1.TableColumnDefinition {
	return []metav1.TableColumnDefinition{
		{Name: "Desired", Type: "integer", Description: "Number of desired replicas"},
		{Name: "Available", Type: "integer", Description: "Number of actual replicas"},
		resource.AgeColumn,
	}
}

func (scaleStrategy) Cells(obj runtime.Object) []interface{} {
	s := obj.(*autoscalingv1.Scale)
	return []interface{}{int64(s.Spec.Replicas), int64(s.Status.Replicas), resource.Age(obj)}
}

func (a *API) serveScale(w http.ResponseWriter, r *http.Request, sv *served, info requestInfo) error {
	if sv.res.Scale == nil {
		return notFoundPath()
	}
	switch info.Verb {
	case "get":
		obj, err := sv.store.Get(r.Context(), info.Namespace, info.Name, metav1.GetOptions{})
		if err != nil {
			return err
		}
		scale, err := scaleOf(obj, sv.res.Scale)
		if err != nil {
			return err
		}
		return a.writeResult(w, r, http.StatusOK, scaleServed, scale)
	case "update", "patch":
		return a.updateScale(w, r, sv, info)
	}
	return apierrors.NewMethodNotSupported(sv.res.GVR.GroupResource(), r.Method)
}

func (a *API) updateScale(w http.ResponseWriter, r *http.Request, sv *served, info requestInfo) error {
	p, err := parseWriteParams(r)
	if err != nil {
		return err
	}
	data, err := readBody(r)
	if err != nil {
		return err
	}
	fn := func(_ context.Context, cur runtime.Object) (runtime.Object, error) {
		scale, err := scaleOf(cur, sv.res.Scale)
		if err != nil {
			return nil, err
		}
		var next runtime.Object
		if info.Verb == "update" {
			info, err := a.decoderFor(r)
			if err != nil {
				return nil, err
			}
			next, err = a.decodeInto(w, info, data, scaleGVK, &autoscalingv1.Scale{}, p.validation)
			if err != nil {
				return nil, err
			}
		} else {
			pt, _, _ := strings.Cut(r.Header.Get("Content-Type"), ";")
			if next, err = a.applyPatch(w, scaleServed, types.PatchType(pt), scale, data, p.validation); err != nil {
				return nil, err
			}
		}
		return withReplicas(cur, next.(*autoscalingv1.Scale), sv.res.Scale)
	}
	out, _, err := sv.store.Update(r.Context(), info.Namespace, info.Name, fn, store.UpdateOptions{DryRun: p.dryRun, FieldManager: p.fieldManager})
	if err != nil {
		return err
	}
	scale, err := scaleOf(out, sv.res.Scale)
	if err != nil {
		return err
	}
	return a.writeResult(w, r, http.StatusOK, scaleServed, scale)
}

// scaleOf reads the Scale of a workload.
func scaleOf(obj runtime.Object, paths *resource.Scale) (*autoscalingv1.Scale, error) {
	u, err := runtime.DefaultUnstructuredConverter.ToUnstructured(obj)
	if err != nil {
		return nil, apierrors.NewInternalError(err)
	}
	m, _ := meta.Accessor(obj)
	s := &autoscalingv1.Scale{ObjectMeta: metav1.ObjectMeta{
		Name: m.GetName(), Namespace: m.GetNamespace(), UID: m.GetUID(),
		ResourceVersion: m.GetResourceVersion(), CreationTimestamp: m.GetCreationTimestamp(),
	}}
	spec, _, _ := unstructured.NestedInt64(u, strings.Split(paths.SpecReplicas, ".")...)
	status, _, _ := unstructured.NestedInt64(u, strings.Split(paths.StatusReplicas, ".")...)
	s.Spec.Replicas, s.Status.Replicas = int32(spec), int32(status)
	sel, err := selectorString(u, paths.Selector)
	if err != nil {
		return nil, apierrors.NewInternalError(err)
	}
	s.Status.Selector = sel
	return s, nil
}

// selectorString renders a label selector or a plain label map at path.
func selectorString(u map[string]interface{}, path string) (string, error) {
	raw, found, _ := unstructured.NestedFieldNoCopy(u, strings.Split(path, ".")...)
	if !found {
		return "", nil
	}
	m, ok := raw.(map[string]interface{})
	if !ok {
		return "", fmt.Errorf("selector at %s is not an object", path)
	}
	if _, ok := m["matchLabels"]; ok || m["matchExpressions"] != nil {
		var ls metav1.LabelSelector
		if err := runtime.DefaultUnstructuredConverter.FromUnstructured(m, &ls); err != nil {
			return "", err
		}
		sel, err := metav1.LabelSelectorAsSelector(&ls)
		if err != nil {
			return "", err
		}
		return sel.String(), nil
	}
	set := labels.Set{}
	for k, v := range m {
		s, _ := v.(string)
		set[k] = s
	}
	return labels.SelectorFromSet(set).String(), nil
}

// withReplicas sets the desired replicas of a workload from a Scale,
// keeping the Scale's resourceVersion as the update's precondition.
func withReplicas(cur runtime.Object, scale *autoscalingv1.Scale, paths *resource.Scale) (runtime.Object, error) {
	u, err := runtime.DefaultUnstructuredConverter.ToUnstructured(cur)
	if err != nil {
		return nil, apierrors.NewInternalError(err)
	}
	if err := unstructured.SetNestedField(u, int64(scale.Spec.Replicas), strings.Split(paths.SpecReplicas, ".")...); err != nil {
		return nil, apierrors.NewInternalError(err)
	}
	out := cur.DeepCopyObject()
	if err := runtime.DefaultUnstructuredConverter.FromUnstructured(u, out); err != nil {
		return nil, apierrors.NewInternalError(err)
	}
	m, _ := meta.Accessor(out)
	m.SetResourceVersion(scale.ResourceVersion)
	return out, nil
}
