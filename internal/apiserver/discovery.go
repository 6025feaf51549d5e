package apiserver

import (
	"encoding/json"
	"net/http"
	"sort"

	apidiscoveryv2 "k8s.io/api/apidiscovery/v2"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
)

// Discovery tells clients which groups, versions and resources exist, in
// both forms kubectl knows: the legacy documents (/api, /apis, one per group
// version) and the aggregated one (one document for all of /apis) that
// kubectl asks for first because it saves round trips.

var mainVerbs = metav1.Verbs{"create", "delete", "deletecollection", "get", "list", "patch", "update", "watch"}

// connectVerbs are those of the streams proxied to kubelets (GET or POST).
var connectVerbs = metav1.Verbs{"create", "get"}

// subresourceInfo describes one subresource for discovery.
type subresourceInfo struct {
	name  string
	gvk   schema.GroupVersionKind
	verbs metav1.Verbs
}

func (a *API) subresources(sv *served) []subresourceInfo {
	var out []subresourceInfo
	if sv.res.Status {
		out = append(out, subresourceInfo{"status", sv.gvk, metav1.Verbs{"get", "patch", "update"}})
	}
	if sv.res.Scale != nil {
		out = append(out, subresourceInfo{"scale", schema.GroupVersionKind{Group: "autoscaling", Version: "v1", Kind: "Scale"}, metav1.Verbs{"get", "patch", "update"}})
	}
	for _, x := range extraSubresources[sv.res.GVR] {
		out = append(out, x)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].name < out[j].name })
	return out
}

// extraSubresources are the action subresources served beside status and
// scale.
var extraSubresources = map[schema.GroupVersionResource][]subresourceInfo{
	{Version: "v1", Resource: "pods"}: {
		{"attach", schema.GroupVersionKind{Version: "v1", Kind: "PodAttachOptions"}, connectVerbs},
		{"binding", schema.GroupVersionKind{Version: "v1", Kind: "Binding"}, metav1.Verbs{"create"}},
		{"eviction", schema.GroupVersionKind{Group: "policy", Version: "v1", Kind: "Eviction"}, metav1.Verbs{"create"}},
		{"exec", schema.GroupVersionKind{Version: "v1", Kind: "PodExecOptions"}, connectVerbs},
		{"log", schema.GroupVersionKind{Version: "v1", Kind: "Pod"}, metav1.Verbs{"get"}},
		{"portforward", schema.GroupVersionKind{Version: "v1", Kind: "PodPortForwardOptions"}, connectVerbs},
	},
	{Version: "v1", Resource: "nodes"}: {
		{"proxy", schema.GroupVersionKind{Version: "v1", Kind: "NodeProxyOptions"}, metav1.Verbs{"create", "delete", "get", "patch", "update"}},
	},
	{Version: "v1", Resource: "serviceaccounts"}: {
		{"token", schema.GroupVersionKind{Group: "authentication.k8s.io", Version: "v1", Kind: "TokenRequest"}, metav1.Verbs{"create"}},
	},
	{Version: "v1", Resource: "namespaces"}: {
		{"finalize", schema.GroupVersionKind{Version: "v1", Kind: "Namespace"}, metav1.Verbs{"update"}},
	},
	{Group: "certificates.k8s.io", Version: "v1", Resource: "certificatesigningrequests"}: {
		{"approval", schema.GroupVersionKind{Group: "certificates.k8s.io", Version: "v1", Kind: "CertificateSigningRequest"}, metav1.Verbs{"get", "patch", "update"}},
	},
}

// aggregatedAccept is true when the client asks for aggregated discovery.
func aggregatedAccept(r *http.Request) bool {
	for _, c := range parseAccept(r.Header.Get("Accept")) {
		if c.params["g"] == "apidiscovery.k8s.io" && c.params["v"] == "v2" && c.params["as"] == "APIGroupDiscoveryList" {
			return true
		}
		if c.mediaType == mediaJSON && c.params["as"] == "" {
			return false
		}
	}
	return false
}

func (a *API) serveLegacyDiscovery(w http.ResponseWriter, r *http.Request) {
	if aggregatedAccept(r) {
		a.writeAggregated(w, r, true)
		return
	}
	a.writeObject(w, r, http.StatusOK, schema.GroupVersion{Version: "v1"}, &metav1.APIVersions{
		Versions:                   []string{"v1"},
		ServerAddressByClientCIDRs: []metav1.ServerAddressByClientCIDR{{ClientCIDR: "0.0.0.0/0", ServerAddress: r.Host}},
	})
}

func (a *API) serveGroupsDiscovery(w http.ResponseWriter, r *http.Request) {
	if aggregatedAccept(r) {
		a.writeAggregated(w, r, false)
		return
	}
	list := &metav1.APIGroupList{}
	for _, g := range a.groupNames() {
		list.Groups = append(list.Groups, a.apiGroup(g))
	}
	a.writeObject(w, r, http.StatusOK, schema.GroupVersion{Version: "v1"}, list)
}

func (a *API) serveGroupDiscovery(w http.ResponseWriter, r *http.Request, group string) {
	g := a.apiGroup(group)
	if len(g.Versions) == 0 {
		a.writeError(w, r, notFoundPath())
		return
	}
	a.writeObject(w, r, http.StatusOK, schema.GroupVersion{Version: "v1"}, &g)
}

// groupNames lists the non-core groups in discovery order.
func (a *API) groupNames() []string {
	var out []string
	seen := map[string]bool{}
	for _, gv := range a.order {
		if gv.Group != "" && !seen[gv.Group] {
			seen[gv.Group] = true
			out = append(out, gv.Group)
		}
	}
	return out
}

func (a *API) apiGroup(group string) metav1.APIGroup {
	g := metav1.APIGroup{Name: group}
	for _, gv := range a.order {
		if gv.Group != group {
			continue
		}
		v := metav1.GroupVersionForDiscovery{GroupVersion: gv.String(), Version: gv.Version}
		g.Versions = append(g.Versions, v)
		if g.PreferredVersion.Version == "" {
			g.PreferredVersion = v
		}
	}
	return g
}

func (a *API) serveResourceList(w http.ResponseWriter, r *http.Request, gv schema.GroupVersion) {
	svs, ok := a.byGV[gv]
	if !ok {
		a.writeError(w, r, notFoundPath())
		return
	}
	list := &metav1.APIResourceList{GroupVersion: gv.String()}
	for _, sv := range svs {
		res := sv.res
		list.APIResources = append(list.APIResources, metav1.APIResource{
			Name: res.GVR.Resource, SingularName: res.Singular, Namespaced: res.Namespaced,
			Kind: res.Kind, Verbs: mainVerbs, ShortNames: res.ShortNames, Categories: res.Categories,
			StorageVersionHash: storageVersionHash(sv.gvk),
		})
		for _, sub := range a.subresources(sv) {
			ar := metav1.APIResource{Name: res.GVR.Resource + "/" + sub.name, Namespaced: res.Namespaced, Kind: sub.gvk.Kind, Verbs: sub.verbs}
			if sub.gvk.GroupVersion() != gv {
				ar.Group, ar.Version = sub.gvk.Group, sub.gvk.Version
			}
			list.APIResources = append(list.APIResources, ar)
		}
	}
	a.writeObject(w, r, http.StatusOK, schema.GroupVersion{Version: "v1"}, list)
}

// writeAggregated answers with the aggregated discovery document for the
// core group (legacy) or for every other group.
func (a *API) writeAggregated(w http.ResponseWriter, r *http.Request, legacy bool) {
	doc := apidiscoveryv2.APIGroupDiscoveryList{
		TypeMeta: metav1.TypeMeta{Kind: "APIGroupDiscoveryList", APIVersion: "apidiscovery.k8s.io/v2"},
	}
	groups := a.groupNames()
	if legacy {
		groups = []string{""}
	}
	for _, group := range groups {
		doc.Items = append(doc.Items, a.groupDiscovery(group))
	}
	data, err := json.Marshal(doc)
	if err != nil {
		a.writeError(w, r, err)
		return
	}
	w.Header().Set("Vary", "Accept")
	writeBody(w, r, http.StatusOK, "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList", data)
}

func (a *API) groupDiscovery(group string) apidiscoveryv2.APIGroupDiscovery {
	g := apidiscoveryv2.APIGroupDiscovery{ObjectMeta: metav1.ObjectMeta{Name: group}}
	for _, gv := range a.order {
		if gv.Group != group {
			continue
		}
		v := apidiscoveryv2.APIVersionDiscovery{Version: gv.Version, Freshness: apidiscoveryv2.DiscoveryFreshnessCurrent}
		for _, sv := range a.byGV[gv] {
			v.Resources = append(v.Resources, a.resourceDiscovery(sv))
		}
		g.Versions = append(g.Versions, v)
	}
	return g
}

func (a *API) resourceDiscovery(sv *served) apidiscoveryv2.APIResourceDiscovery {
	scope := apidiscoveryv2.ScopeCluster
	if sv.res.Namespaced {
		scope = apidiscoveryv2.ScopeNamespace
	}
	kind := metav1.GroupVersionKind{Group: sv.gvk.Group, Version: sv.gvk.Version, Kind: sv.gvk.Kind}
	d := apidiscoveryv2.APIResourceDiscovery{
		Resource: sv.res.GVR.Resource, ResponseKind: &kind, Scope: scope,
		SingularResource: sv.res.Singular, Verbs: mainVerbs,
		ShortNames: sv.res.ShortNames, Categories: sv.res.Categories,
	}
	for _, sub := range a.subresources(sv) {
		k := metav1.GroupVersionKind{Group: sub.gvk.Group, Version: sub.gvk.Version, Kind: sub.gvk.Kind}
		d.Subresources = append(d.Subresources, apidiscoveryv2.APISubresourceDiscovery{
			Subresource: sub.name, ResponseKind: &k, Verbs: sub.verbs,
		})
	}
	return d
}
