package openapi

import (
	"k8s.io/apimachinery/pkg/runtime/schema"
)

// kindRefs names the definitions of one resource's kind and list kind.
type kindRefs struct {
	object, list string
}

// routes builds the path items of one resource: the collection and item
// paths, the all-namespaces list, the deprecated watch paths, and the
// status and scale subresources, with Kubernetes' operation IDs
// (listAppsV1NamespacedDeployment, patchCoreV1NamespacedPodStatus).
type routes struct {
	ps     paramSets
	gv     schema.GroupVersion
	kind   string
	plural string
	scope  string // "Namespaced" or ""
	refs   kindRefs
	prefix string // URL of the group-version
	idPart string // group-version in operation IDs
}

func (r routes) gvk() *schema.GroupVersionKind {
	gvk := r.gv.WithKind(r.kind)
	return &gvk
}

func (r routes) id(verb, suffix string) string {
	return verb + r.idPart + r.scope + r.kind + suffix
}

// scopeParams are the path parameters every path of the resource shares.
func (r routes) scopeParams(item bool) []param {
	var out []param
	if item {
		out = append(out, pathParam("name", "name of the "+r.kind))
	}
	if r.scope != "" {
		out = append(out, namespaceParam())
	}
	return append(out, prettyParam())
}

// base is the collection URL; namespaced resources live under
// /namespaces/{namespace}.
func (r routes) base(watch bool) string {
	p := r.prefix
	if watch {
		p += "/watch"
	}
	if r.scope != "" {
		p += "/namespaces/{namespace}"
	}
	return p + "/" + r.plural
}

func (r routes) collection() pathItem {
	return pathItem{path: r.base(false), params: r.scopeParams(false), ops: []operation{
		{method: "get", id: r.id("list", ""), description: "list or watch objects of kind " + r.kind, action: "list",
			params: r.ps.list, produces: listTypes(), responses: ok(r.refs.list)},
		{method: "post", id: r.id("create", ""), description: "create a " + r.kind, action: "post",
			params: r.ps.create, body: r.refs.object, responses: codes(r.refs.object, 200, 201, 202)},
		{method: "delete", id: "delete" + r.idPart + "Collection" + r.scope + r.kind, description: "delete collection of " + r.kind,
			action: "deletecollection", params: r.ps.deleteCollection, body: deleteOptsDef, responses: ok(statusDef)},
	}}
}

func (r routes) item() pathItem {
	return pathItem{path: r.base(false) + "/{name}", params: r.scopeParams(true), ops: []operation{
		{method: "get", id: r.id("read", ""), description: "read the specified " + r.kind, action: "get", responses: ok(r.refs.object)},
		{method: "put", id: r.id("replace", ""), description: "replace the specified " + r.kind, action: "put",
			params: r.ps.update, body: r.refs.object, responses: codes(r.refs.object, 200, 201)},
		{method: "patch", id: r.id("patch", ""), description: "partially update the specified " + r.kind, action: "patch",
			params: r.ps.patch, body: patchDef, consumes: patchTypes(), responses: codes(r.refs.object, 200, 201)},
		{method: "delete", id: r.id("delete", ""), description: "delete a " + r.kind, action: "delete",
			params: r.ps.delete, body: deleteOptsDef, responses: codes(statusDef, 200, 202)},
	}}
}

// watches are the deprecated /watch/ paths kubectl no longer uses but
// Kubernetes still publishes.
func (r routes) watches() []pathItem {
	list := pathItem{path: r.base(true), params: concat(r.ps.watch, r.scopeParams(false)), ops: []operation{
		{method: "get", id: r.id("watch", "List"), description: "watch individual changes to a list of " + r.kind + ". deprecated: use the 'watch' parameter with a list operation instead.",
			action: "watchlist", produces: listTypes(), responses: ok(watchEventDef)},
	}}
	one := pathItem{path: r.base(true) + "/{name}", params: concat(r.ps.watch, r.scopeParams(true)), ops: []operation{
		{method: "get", id: r.id("watch", ""), description: "watch changes to an object of kind " + r.kind + ". deprecated: use the 'watch' parameter with a list operation instead, filtered to a single item with the 'fieldSelector' parameter.",
			action: "watch", produces: listTypes(), responses: ok(watchEventDef)},
	}}
	return []pathItem{list, one}
}

// allNamespaces are the cross-namespace list and watch of a namespaced
// resource (/api/v1/pods).
func (r routes) allNamespaces() []pathItem {
	id := func(verb, suffix string) string { return verb + r.idPart + r.kind + suffix + "ForAllNamespaces" }
	params := concat(r.ps.list, []param{prettyParam()})
	return []pathItem{
		{path: r.prefix + "/" + r.plural, params: params, ops: []operation{
			{method: "get", id: id("list", ""), description: "list or watch objects of kind " + r.kind, action: "list",
				produces: listTypes(), responses: ok(r.refs.list)}}},
		{path: r.prefix + "/watch/" + r.plural, params: params, ops: []operation{
			{method: "get", id: id("watch", "List"), description: "watch individual changes to a list of " + r.kind + ". deprecated: use the 'watch' parameter with a list operation instead.",
				action: "watchlist", produces: listTypes(), responses: ok(watchEventDef)}}},
	}
}

// subresource is /status or /scale: read, replace and patch of ref, with
// the operations' kind set to gvk (autoscaling/v1 Scale for scale).
func (r routes) subresource(name, idSuffix, ref string, gvk *schema.GroupVersionKind) pathItem {
	what := name + " of the specified " + r.kind
	return pathItem{path: r.base(false) + "/{name}/" + name, params: r.scopeParams(true), ops: []operation{
		{method: "get", id: r.id("read", idSuffix), description: "read " + what, action: "get", gvk: gvk, responses: ok(ref)},
		{method: "put", id: r.id("replace", idSuffix), description: "replace " + what, action: "put", gvk: gvk,
			params: r.ps.update, body: ref, responses: codes(ref, 200, 201)},
		{method: "patch", id: r.id("patch", idSuffix), description: "partially update " + what, action: "patch", gvk: gvk,
			params: r.ps.patch, body: patchDef, consumes: patchTypes(), responses: codes(ref, 200, 201)},
	}}
}

// all returns every path item of the resource, with the kind's GVK set on
// each operation that does not name its own.
func (r routes) all(status, scale bool) []pathItem {
	items := []pathItem{r.collection(), r.item()}
	items = append(items, r.watches()...)
	if r.scope != "" {
		items = append(items, r.allNamespaces()...)
	}
	if status {
		items = append(items, r.subresource("status", "Status", r.refs.object, nil))
	}
	if scale {
		gvk := schema.GroupVersionKind{Group: "autoscaling", Version: "v1", Kind: "Scale"}
		items = append(items, r.subresource("scale", "Scale", scaleDef, &gvk))
	}
	for i := range items {
		for j := range items[i].ops {
			op := &items[i].ops[j]
			if op.gvk == nil {
				op.gvk = r.gvk()
			}
			op.params = append([]param(nil), op.params...)
		}
		items[i].params = append([]param(nil), items[i].params...)
	}
	return items
}

// concat returns a new slice, so shared parameter lists are never aliased.
func concat(a, b []param) []param {
	out := make([]param, 0, len(a)+len(b))
	return append(append(out, a...), b...)
}
