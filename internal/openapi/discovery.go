package openapi

import (
	"k8s.io/apimachinery/pkg/runtime/schema"
)

// discoveryOp is a GET of a discovery document; these carry no kind.
func discoveryOp(path, id, description, ref string) pathItem {
	return pathItem{path: path, ops: []operation{{
		method: "get", id: id, description: description,
		produces: objectTypes(), responses: ok(ref),
	}}}
}

// groupVersionRoot is /apis/<group>/<version>/, the resource list.
func groupVersionRoot(gv schema.GroupVersion) pathItem {
	return discoveryOp("/"+gvPath(gv)+"/", "get"+opPrefix(gv)+"APIResources", "get available resources", resourceList)
}

// rootDocs are the version-independent discovery paths, keyed by their
// /openapi/v3 name: "api", "apis", "apis/<group>" and "version".
func rootDocs(groups []string) map[string][]pathItem {
	docs := map[string][]pathItem{
		"api":     {discoveryOp("/api/", "getCoreAPIVersions", "get available API versions", apiVersionsDef)},
		"apis":    {discoveryOp("/apis/", "getAPIVersions", "get available API versions", apiGroupList)},
		"version": {discoveryOp("/version/", "getCodeVersion", "get the version information for this server", versionInfoDef)},
	}
	for _, g := range groups {
		id := "get" + upperFirst(groupWords(g)) + "APIGroup"
		docs["apis/"+g] = []pathItem{discoveryOp("/apis/"+g+"/", id, "get information of a group", apiGroupDef)}
	}
	return docs
}
