// Package core holds the rules of the core/v1 ("legacy" group) resources:
// their names as discovery reports them, their defaults, validation, table
// columns and selectable fields, each written to match Kubernetes 1.32.
//
// Pod template defaulting and validation are exported so that the apps and
// batch strategies can apply the same rules to their templates.
package core

import (
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"

	"github.com/skiff/skiff/internal/registry/resource"
)

// Resources returns every core/v1 resource skiff serves. componentstatuses
// and bindings are left out: the first is deprecated, the second is only a
// subresource-like create verb served elsewhere.
func Resources() []resource.Resource {
	return []resource.Resource{
		podResource(),
		serviceResource(),
		namespaceResource(),
		configMapResource(),
		secretResource(),
		nodeResource(),
		eventResource(),
		endpointsResource(),
		persistentVolumeResource(),
		persistentVolumeClaimResource(),
		serviceAccountResource(),
		resourceQuotaResource(),
		limitRangeResource(),
		podTemplateResource(),
		replicationControllerResource(),
	}
}

// gvr names a core/v1 resource.
func gvr(plural string) schema.GroupVersionResource {
	return corev1.SchemeGroupVersion.WithResource(plural)
}

// newResource fills the fields every core resource shares.
func newResource(plural, kind string, namespaced bool, newObj, newList func() runtime.Object, s resource.Strategy) resource.Resource {
	return resource.Resource{
		GVR:        gvr(plural),
		Kind:       kind,
		Singular:   lowerKind(kind),
		Namespaced: namespaced,
		New:        newObj,
		NewList:    newList,
		Strategy:   s,
	}
}

func lowerKind(kind string) string {
	b := []byte(kind)
	for i, c := range b {
		if c >= 'A' && c <= 'Z' {
			b[i] = c + 'a' - 'A'
		}
	}
	return string(b)
}
