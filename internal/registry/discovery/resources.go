// Package discovery holds the rules of discovery.k8s.io/v1 endpointslices,
// the addresses behind Services that proxies and DNS read.
package discovery

import (
	discoveryv1 "k8s.io/api/discovery/v1"
	"k8s.io/apimachinery/pkg/runtime"

	"github.com/skiff/skiff/internal/registry/resource"
)

// Resources returns discovery.k8s.io/v1 endpointslices as Kubernetes 1.32
// serves them.
func Resources() []resource.Resource {
	return []resource.Resource{{
		GVR:        discoveryv1.SchemeGroupVersion.WithResource("endpointslices"),
		Kind:       "EndpointSlice",
		Singular:   "endpointslice",
		Namespaced: true,
		New:        func() runtime.Object { return &discoveryv1.EndpointSlice{} },
		NewList:    func() runtime.Object { return &discoveryv1.EndpointSliceList{} },
		Strategy:   EndpointSliceStrategy{},
	}}
}
