package openapi

import (
	"reflect"
	"strings"

	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/kube-openapi/pkg/util"
)

// defName is the definition name Kubernetes gives a Go type: the package
// path with its domain reversed, then the type name
// (k8s.io/api/core/v1.Pod -> io.k8s.api.core.v1.Pod).
func defName(t reflect.Type) string {
	return util.ToRESTFriendlyName(t.PkgPath() + "." + t.Name())
}

// groupWords is the group as operation IDs and tags spell it: "" is
// "core", ".k8s.io" is dropped and dotted words are joined in camel case
// (rbac.authorization.k8s.io -> rbacAuthorization).
func groupWords(group string) string {
	if group == "" {
		return "core"
	}
	parts := strings.Split(strings.TrimSuffix(group, ".k8s.io"), ".")
	for i := 1; i < len(parts); i++ {
		parts[i] = upperFirst(parts[i])
	}
	return strings.Join(parts, "")
}

// opPrefix is the group-version part of operation IDs (CoreV1, AppsV1,
// RbacAuthorizationV1).
func opPrefix(gv schema.GroupVersion) string {
	return upperFirst(groupWords(gv.Group)) + upperFirst(gv.Version)
}

// tag is the operation tag (core_v1, rbacAuthorization_v1).
func tag(gv schema.GroupVersion) string {
	return groupWords(gv.Group) + "_" + gv.Version
}

// gvPath is the key of a group-version in /openapi/v3 (api/v1, apis/apps/v1)
// and, with a leading slash, its URL prefix.
func gvPath(gv schema.GroupVersion) string {
	if gv.Group == "" {
		return "api/" + gv.Version
	}
	return "apis/" + gv.Group + "/" + gv.Version
}

func upperFirst(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}
