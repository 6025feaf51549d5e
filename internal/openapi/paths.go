package openapi

import (
	"k8s.io/apimachinery/pkg/runtime/schema"
)

// Definition names of the apimachinery types operations refer to.
const (
	metaPrefix     = "io.k8s.apimachinery.pkg.apis.meta.v1."
	statusDef      = metaPrefix + "Status"
	deleteOptsDef  = metaPrefix + "DeleteOptions"
	watchEventDef  = metaPrefix + "WatchEvent"
	patchDef       = metaPrefix + "Patch"
	resourceList   = metaPrefix + "APIResourceList"
	apiGroupDef    = metaPrefix + "APIGroup"
	apiGroupList   = metaPrefix + "APIGroupList"
	apiVersionsDef = metaPrefix + "APIVersions"
	versionInfoDef = "io.k8s.apimachinery.pkg.version.Info"
	scaleDef       = "io.k8s.api.autoscaling.v1.Scale"
)

// objectTypes are the media types an operation on one object produces.
func objectTypes() []string {
	return []string{"application/json", "application/yaml", "application/vnd.kubernetes.protobuf"}
}

// listTypes add the watch streams a list operation can produce.
func listTypes() []string {
	return append(objectTypes(), "application/json;stream=watch", "application/vnd.kubernetes.protobuf;stream=watch")
}

// patchTypes are the patch formats a patch operation accepts; kubectl
// apply uses the v3 document for strategic merge only when the
// strategic-merge-patch type is among them.
func patchTypes() []string {
	return []string{
		"application/json-patch+json",
		"application/merge-patch+json",
		"application/strategic-merge-patch+json",
		"application/apply-patch+yaml",
	}
}

// response is one status code of an operation and the definition it returns.
type response struct {
	code int
	ref  string
}

// operation is one HTTP method on one path.
type operation struct {
	method      string // get, put, post, patch, delete
	id          string
	description string
	action      string // x-kubernetes-action; "" for discovery operations
	gvk         *schema.GroupVersionKind
	params      []param
	body        string // definition name of the request body
	consumes    []string
	produces    []string
	responses   []response
}

// pathItem is one URL template with its shared parameters.
type pathItem struct {
	path   string
	params []param
	ops    []operation
}

// refs calls fn for every definition the path item names.
func (p pathItem) refs(fn func(string)) {
	for _, op := range p.ops {
		if op.body != "" {
			fn(op.body)
		}
		for _, r := range op.responses {
			fn(r.ref)
		}
	}
}

func ok(ref string) []response { return []response{{200, ref}} }

func codes(ref string, cs ...int) []response {
	out := make([]response, len(cs))
	for i, c := range cs {
		out[i] = response{c, ref}
	}
	return out
}

func responseDescription(code int) string {
	switch code {
	case 200:
		return "OK"
	case 201:
		return "Created"
	case 202:
		return "Accepted"
	}
	return "Unauthorized"
}
