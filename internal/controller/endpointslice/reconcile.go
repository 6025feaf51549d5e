package endpointslice

import (
	"maps"
	"sort"

	corev1 "k8s.io/api/core/v1"
	discoveryv1 "k8s.io/api/discovery/v1"
	"k8s.io/apimachinery/pkg/api/equality"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"
)

// Labels and limits of the slices this controller manages.
const (
	managedBy    = "endpointslice-controller.k8s.io"
	maxEndpoints = 100
)

// changes is what a reconcile asks of the API.
type changes struct {
	create []*discoveryv1.EndpointSlice
	update []*discoveryv1.EndpointSlice
	delete []*discoveryv1.EndpointSlice
}

// reconcile turns the existing slices of svc into the desired groups with
// little churn: endpoints stay in the slice that holds them, new ones fill
// slices with room before new slices are made, and emptied slices go. A
// service without endpoints keeps one empty placeholder slice, as in
// Kubernetes.
func reconcile(svc *corev1.Service, existing []*discoveryv1.EndpointSlice, groups map[string]*group) changes {
	var ch changes
	byGroup := map[string][]*discoveryv1.EndpointSlice{}
	for _, s := range existing {
		k := groupKey(s.AddressType, s.Ports)
		byGroup[k] = append(byGroup[k], s)
	}
	keys := sortedKeys(groups)
	for _, k := range keys {
		reconcileGroup(svc, byGroup[k], groups[k], &ch)
		delete(byGroup, k)
	}
	var stale []*discoveryv1.EndpointSlice
	for _, k := range sortedKeys(byGroup) {
		stale = append(stale, byGroup[k]...)
	}
	if len(groups) == 0 {
		stale = keepPlaceholder(svc, stale, &ch)
	}
	ch.delete = append(ch.delete, stale...)
	return ch
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

func reconcileGroup(svc *corev1.Service, slices []*discoveryv1.EndpointSlice, g *group, ch *changes) {
	want := map[string]discoveryv1.Endpoint{}
	for _, e := range g.endpoints {
		want[endpointID(e)] = e
	}
	sort.Slice(slices, func(i, j int) bool { return slices[i].Name < slices[j].Name })
	kept := make([][]discoveryv1.Endpoint, len(slices))
	for i, s := range slices {
		for _, e := range s.Endpoints {
			id := endpointID(e)
			if fresh, ok := want[id]; ok {
				kept[i] = append(kept[i], fresh)
				delete(want, id)
			}
		}
	}
	var rest []discoveryv1.Endpoint
	for _, e := range g.endpoints {
		if _, ok := want[endpointID(e)]; ok {
			rest = append(rest, e)
		}
	}
	for i := range kept {
		room := maxEndpoints - len(kept[i])
		if room > 0 && len(rest) > 0 {
			n := min(room, len(rest))
			kept[i], rest = append(kept[i], rest[:n]...), rest[n:]
		}
	}
	for i, s := range slices {
		if len(kept[i]) == 0 {
			ch.delete = append(ch.delete, s)
			continue
		}
		if next, changed := withEndpoints(svc, s, g, kept[i]); changed {
			ch.update = append(ch.update, next)
		}
	}
	for len(rest) > 0 {
		n := min(maxEndpoints, len(rest))
		ch.create = append(ch.create, newSlice(svc, g.addressType, g.ports, rest[:n]))
		rest = rest[n:]
	}
}

// keepPlaceholder keeps (or makes) the one empty slice of a service
// without endpoints and returns the slices still to delete.
func keepPlaceholder(svc *corev1.Service, stale []*discoveryv1.EndpointSlice, ch *changes) []*discoveryv1.EndpointSlice {
	for i, s := range stale {
		if len(s.Endpoints) == 0 && len(s.Ports) == 0 {
			empty := &group{addressType: s.AddressType}
			if next, changed := withEndpoints(svc, s, empty, nil); changed {
				ch.update = append(ch.update, next)
			}
			return append(stale[:i:i], stale[i+1:]...)
		}
	}
	ch.create = append(ch.create, newSlice(svc, discoveryv1.AddressTypeIPv4, nil, nil))
	return stale
}

func newSlice(svc *corev1.Service, t discoveryv1.AddressType, ports []discoveryv1.EndpointPort, eps []discoveryv1.Endpoint) *discoveryv1.EndpointSlice {
	return &discoveryv1.EndpointSlice{
		ObjectMeta: metav1.ObjectMeta{
			GenerateName:    svc.Name + "-",
			Namespace:       svc.Namespace,
			Labels:          sliceLabels(svc),
			OwnerReferences: []metav1.OwnerReference{ownerRef(svc)},
		},
		AddressType: t,
		Ports:       ports,
		Endpoints:   eps,
	}
}

// withEndpoints returns a copy of s holding eps with current labels and
// ports, and whether that differs from s.
func withEndpoints(svc *corev1.Service, s *discoveryv1.EndpointSlice, g *group, eps []discoveryv1.Endpoint) (*discoveryv1.EndpointSlice, bool) {
	next := s.DeepCopy()
	next.Endpoints = eps
	next.Ports = g.ports
	next.Labels = sliceLabels(svc)
	next.OwnerReferences = []metav1.OwnerReference{ownerRef(svc)}
	changed := !equality.Semantic.DeepEqual(s.Endpoints, next.Endpoints) ||
		!equality.Semantic.DeepEqual(s.Labels, next.Labels) ||
		!equality.Semantic.DeepEqual(s.OwnerReferences, next.OwnerReferences) ||
		len(s.Ports) != len(next.Ports)
	return next, changed
}

func sliceLabels(svc *corev1.Service) map[string]string {
	l := maps.Clone(svc.Labels)
	if l == nil {
		l = map[string]string{}
	}
	l[discoveryv1.LabelServiceName] = svc.Name
	l[discoveryv1.LabelManagedBy] = managedBy
	if svc.Spec.ClusterIP == corev1.ClusterIPNone {
		l[corev1.IsHeadlessService] = ""
	}
	return l
}

func ownerRef(svc *corev1.Service) metav1.OwnerReference {
	return metav1.OwnerReference{
		APIVersion: "v1", Kind: "Service", Name: svc.Name, UID: svc.UID,
		Controller: ptr.To(true), BlockOwnerDeletion: ptr.To(true),
	}
}
