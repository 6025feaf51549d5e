package apiserver

import (
	"encoding/json"
	"io"
	"net/http"
	"slices"
	"testing"

	apidiscoveryv2 "k8s.io/api/apidiscovery/v2"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// TestStreamSubresourceDiscovery: the proxied and token subresources are
// listed as kube-apiserver lists them, in both discovery forms.
func TestStreamSubresourceDiscovery(t *testing.T) {
	ts := newTestServer(t, newFakeObjects(), testServerOptions{})
	want := map[string]struct {
		kind, group, version string
		verbs                []string
	}{
		"pods/attach":           {"PodAttachOptions", "", "", []string{"create", "get"}},
		"pods/exec":             {"PodExecOptions", "", "", []string{"create", "get"}},
		"pods/log":              {"Pod", "", "", []string{"get"}},
		"pods/portforward":      {"PodPortForwardOptions", "", "", []string{"create", "get"}},
		"nodes/proxy":           {"NodeProxyOptions", "", "", []string{"create", "delete", "get", "patch", "update"}},
		"serviceaccounts/token": {"TokenRequest", "authentication.k8s.io", "v1", []string{"create"}},
	}
	resp, err := ts.client.Get(ts.srv.URL + "/api/v1")
	if err != nil {
		t.Fatal(err)
	}
	var list metav1.APIResourceList
	decodeBody(t, resp, &list)
	found := 0
	for _, r := range list.APIResources {
		w, ok := want[r.Name]
		if !ok {
			continue
		}
		found++
		if r.Kind != w.kind || r.Group != w.group || r.Version != w.version || !slices.Equal(r.Verbs, w.verbs) {
			t.Errorf("%s: %+v", r.Name, r)
		}
	}
	if found != len(want) {
		t.Errorf("legacy discovery lists %d of %d", found, len(want))
	}

	req, _ := http.NewRequest("GET", ts.srv.URL+"/api", nil)
	req.Header.Set("Accept", "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList")
	resp, err = ts.client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	var agg apidiscoveryv2.APIGroupDiscoveryList
	decodeBody(t, resp, &agg)
	found = 0
	for _, r := range agg.Items[0].Versions[0].Resources {
		for _, s := range r.Subresources {
			if w, ok := want[r.Resource+"/"+s.Subresource]; ok {
				found++
				if s.ResponseKind.Kind != w.kind || !slices.Equal(s.Verbs, w.verbs) {
					t.Errorf("%s/%s: %+v", r.Resource, s.Subresource, s)
				}
			}
		}
	}
	if found != len(want) {
		t.Errorf("aggregated discovery lists %d of %d", found, len(want))
	}
}

func decodeBody(t *testing.T, resp *http.Response, into any) {
	t.Helper()
	defer resp.Body.Close()
	data, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != 200 {
		t.Fatalf("%d %s", resp.StatusCode, data)
	}
	if err := json.Unmarshal(data, into); err != nil {
		t.Fatal(err)
	}
}
