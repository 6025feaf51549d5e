package images

import "strings"

// routeKind is which endpoint of the registry API a path names.
type routeKind int

const (
	routeBase routeKind = iota
	routeCatalog
	routeTags
	routeManifest
	routeBlob
	routeUpload
)

// route is a parsed registry path. Repository names contain slashes, so
// the endpoint is read from the end of the path.
type route struct {
	kind routeKind
	// name is the repository as the URL spells it; repo is the stored one.
	name string
	repo string
	// ref is the tag or digest of a manifest, the digest of a blob, or the
	// id of an upload ("" when a POST starts one).
	ref string
}

// parseRoute reads a request path (it starts with /v2) and the ns query
// parameter.
func parseRoute(path, ns string) (route, error) {
	rest, ok := strings.CutPrefix(path, "/v2/")
	if path == "/v2" || (ok && rest == "") {
		return route{kind: routeBase}, nil
	}
	if !ok {
		return route{}, notFound()
	}
	if rest == "_catalog" {
		return route{kind: routeCatalog}, nil
	}
	rt, ok := endpoint(strings.Split(rest, "/"))
	if !ok || rt.name == "" {
		return route{}, notFound()
	}
	repo, err := RepositoryFor(rt.name, ns)
	if err != nil {
		return route{}, err
	}
	rt.repo = repo
	return rt, nil
}

// endpoint matches the trailing segments of a path to an endpoint.
func endpoint(segs []string) (route, bool) {
	n := len(segs)
	name := func(k int) string { return strings.Join(segs[:n-k], "/") }
	switch {
	case n >= 3 && segs[n-2] == "tags" && segs[n-1] == "list":
		return route{kind: routeTags, name: name(2)}, true
	case n >= 3 && segs[n-2] == "manifests":
		return route{kind: routeManifest, name: name(2), ref: segs[n-1]}, true
	case n >= 4 && segs[n-3] == "blobs" && segs[n-2] == "uploads":
		return route{kind: routeUpload, name: name(3), ref: segs[n-1]}, true
	case n >= 3 && segs[n-2] == "blobs":
		return route{kind: routeBlob, name: name(2), ref: segs[n-1]}, true
	}
	return route{}, false
}
