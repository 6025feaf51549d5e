package openapi

import (
	"fmt"
	"reflect"
	"sort"
	"strings"

	autoscalingv1 "k8s.io/api/autoscaling/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/version"

	"github.com/skiff/skiff/internal/registry/resource"
)

// apiModel is everything the documents are emitted from: the definitions
// and, per /openapi/v3 key ("api/v1", "apis/apps/v1", "apis", ...), the
// path items of that document.
type apiModel struct {
	defs map[string]*typeDef
	docs map[string][]pathItem
}

// buildModel walks the resources' Go types and lays out their paths.
func buildModel(w *walker, resources []resource.Resource, ps paramSets) (*apiModel, error) {
	m := &apiModel{defs: w.defs, docs: map[string][]pathItem{}}
	gvs := map[schema.GroupVersion]bool{}
	for _, r := range resources {
		refs, err := defineKinds(w, r)
		if err != nil {
			return nil, err
		}
		gv := r.GVR.GroupVersion()
		key := gvPath(gv)
		if !gvs[gv] {
			gvs[gv] = true
			m.docs[key] = append(m.docs[key], groupVersionRoot(gv))
		}
		m.docs[key] = append(m.docs[key], resourceRoutes(ps, r, refs).all(r.Status, r.Scale != nil)...)
	}
	if err := defineMeta(w, resources, sortedGVs(gvs)); err != nil {
		return nil, err
	}
	for key, items := range rootDocs(groupsOf(gvs)) {
		m.docs[key] = items
	}
	return m, nil
}

func resourceRoutes(ps paramSets, r resource.Resource, refs kindRefs) routes {
	gv := r.GVR.GroupVersion()
	rt := routes{ps: ps, gv: gv, kind: r.Kind, plural: r.GVR.Resource, refs: refs,
		prefix: "/" + gvPath(gv), idPart: opPrefix(gv)}
	if r.Namespaced {
		rt.scope = "Namespaced"
	}
	return rt
}

// defineKinds defines a resource's object and list types and records
// their group-version-kinds.
func defineKinds(w *walker, r resource.Resource) (kindRefs, error) {
	if r.New == nil || r.NewList == nil {
		return kindRefs{}, fmt.Errorf("resource %s: New and NewList are required", r.GVR)
	}
	gv := r.GVR.GroupVersion()
	obj, err := w.defineKind(reflect.TypeOf(r.New()), gv.WithKind(r.Kind))
	if err != nil {
		return kindRefs{}, fmt.Errorf("resource %s: %w", r.GVR, err)
	}
	list, err := w.defineKind(reflect.TypeOf(r.NewList()), gv.WithKind(r.Kind+"List"))
	if err != nil {
		return kindRefs{}, fmt.Errorf("resource %s list: %w", r.GVR, err)
	}
	return kindRefs{object: obj, list: list}, nil
}

// defineKind defines t and adds gvk to its x-kubernetes-group-version-kind.
func (w *walker) defineKind(t reflect.Type, gvks ...schema.GroupVersionKind) (string, error) {
	name, err := w.define(deref(t))
	if err != nil {
		return "", err
	}
	d := w.defs[name]
	for _, gvk := range gvks {
		if !containsGVK(d.gvks, gvk) {
			d.gvks = append(d.gvks, gvk)
		}
	}
	return name, nil
}

func containsGVK(list []schema.GroupVersionKind, gvk schema.GroupVersionKind) bool {
	for _, g := range list {
		if g == gvk {
			return true
		}
	}
	return false
}

// defineMeta defines the apimachinery types every group-version's
// operations use. DeleteOptions and WatchEvent are registered in every
// served group-version, so they list them all, as in Kubernetes.
func defineMeta(w *walker, resources []resource.Resource, gvs []schema.GroupVersion) error {
	core := schema.GroupVersion{Version: "v1"}
	everywhere := func(kind string) []schema.GroupVersionKind {
		out := []schema.GroupVersionKind{core.WithKind(kind)}
		for _, gv := range gvs {
			if gv != core {
				out = append(out, gv.WithKind(kind))
			}
		}
		return out
	}
	types := []struct {
		t    reflect.Type
		gvks []schema.GroupVersionKind
	}{
		{reflect.TypeOf(metav1.Status{}), []schema.GroupVersionKind{core.WithKind("Status")}},
		{reflect.TypeOf(metav1.DeleteOptions{}), everywhere("DeleteOptions")},
		{reflect.TypeOf(metav1.WatchEvent{}), everywhere("WatchEvent")},
		{reflect.TypeOf(metav1.Patch{}), nil},
		{reflect.TypeOf(metav1.APIResourceList{}), []schema.GroupVersionKind{core.WithKind("APIResourceList")}},
		{reflect.TypeOf(metav1.APIGroup{}), []schema.GroupVersionKind{core.WithKind("APIGroup")}},
		{reflect.TypeOf(metav1.APIGroupList{}), []schema.GroupVersionKind{core.WithKind("APIGroupList")}},
		{reflect.TypeOf(metav1.APIVersions{}), []schema.GroupVersionKind{core.WithKind("APIVersions")}},
		{reflect.TypeOf(version.Info{}), nil},
	}
	if hasScale(resources) {
		types = append(types, struct {
			t    reflect.Type
			gvks []schema.GroupVersionKind
		}{reflect.TypeOf(autoscalingv1.Scale{}), []schema.GroupVersionKind{autoscalingv1.SchemeGroupVersion.WithKind("Scale")}})
	}
	for _, x := range types {
		if _, err := w.defineKind(x.t, x.gvks...); err != nil {
			return err
		}
	}
	return nil
}

func hasScale(resources []resource.Resource) bool {
	for _, r := range resources {
		if r.Scale != nil {
			return true
		}
	}
	return false
}

func sortedGVs(set map[schema.GroupVersion]bool) []schema.GroupVersion {
	out := make([]schema.GroupVersion, 0, len(set))
	for gv := range set {
		out = append(out, gv)
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Group != out[j].Group {
			return out[i].Group < out[j].Group
		}
		return out[i].Version < out[j].Version
	})
	return out
}

func groupsOf(set map[schema.GroupVersion]bool) []string {
	seen := map[string]bool{}
	var out []string
	for _, gv := range sortedGVs(set) {
		if gv.Group != "" && !seen[gv.Group] {
			seen[gv.Group] = true
			out = append(out, gv.Group)
		}
	}
	return out
}

// docTag is the operation tag of a /openapi/v3 key ("apis/apps/v1" ->
// apps_v1, "api" -> core, "apis/apps" -> apps).
func docTag(key string) string {
	parts := strings.Split(key, "/")
	switch {
	case len(parts) == 2 && parts[0] == "api":
		return tag(schema.GroupVersion{Version: parts[1]})
	case len(parts) == 3:
		return tag(schema.GroupVersion{Group: parts[1], Version: parts[2]})
	case len(parts) == 2:
		return groupWords(parts[1])
	case key == "api":
		return "core"
	}
	return key
}
