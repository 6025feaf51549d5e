package apiserver

import (
	"net/http"
	"strings"
)

// requestInfo is what a resource path and method ask for.
type requestInfo struct {
	// Group and Version of the API ("" group for /api/v1).
	Group, Version string
	Namespace      string
	Resource       string
	Name           string
	Subresource    string
	// Verb is the Kubernetes verb: get, list, watch, create, update,
	// patch, delete, deletecollection.
	Verb string
}

// parseResourcePath reads /api/v1/... and /apis/<group>/<version>/...
// paths. ok is false for paths that are not under a group version; rest is
// true when the path names the group version itself (discovery).
func parseResourcePath(r *http.Request) (info requestInfo, gvOnly bool, ok bool) {
	parts := splitPath(r.URL.Path)
	switch {
	case len(parts) >= 2 && parts[0] == "api":
		info.Version, parts = parts[1], parts[2:]
	case len(parts) >= 3 && parts[0] == "apis":
		info.Group, info.Version, parts = parts[1], parts[2], parts[3:]
	default:
		return info, false, false
	}
	if len(parts) == 0 {
		return info, true, true
	}
	watchPath := false
	if parts[0] == "watch" {
		watchPath, parts = true, parts[1:]
	}
	// namespaces/<ns>/<resource>/... is a namespaced path, except for the
	// namespace object itself (namespaces/<name>[/<subresource>]).
	if len(parts) >= 3 && parts[0] == "namespaces" && parts[2] != "status" && parts[2] != "finalize" {
		info.Namespace, parts = parts[1], parts[2:]
	}
	if len(parts) == 0 {
		return info, false, false
	}
	info.Resource = parts[0]
	if len(parts) > 1 {
		info.Name = parts[1]
	}
	if len(parts) > 2 {
		info.Subresource = strings.Join(parts[2:], "/")
	}
	info.Verb = verbFor(r, info.Name != "", watchPath)
	return info, false, true
}

func verbFor(r *http.Request, named, watchPath bool) string {
	switch r.Method {
	case http.MethodGet, http.MethodHead:
		if watchPath || isTrue(r.URL.Query().Get("watch")) {
			return "watch"
		}
		if named {
			return "get"
		}
		return "list"
	case http.MethodPost:
		return "create"
	case http.MethodPut:
		return "update"
	case http.MethodPatch:
		return "patch"
	case http.MethodDelete:
		if named {
			return "delete"
		}
		return "deletecollection"
	}
	return ""
}

func isTrue(s string) bool { return s == "true" || s == "1" }

func splitPath(p string) []string {
	p = strings.Trim(p, "/")
	if p == "" {
		return nil
	}
	return strings.Split(p, "/")
}
