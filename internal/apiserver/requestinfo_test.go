package apiserver

import (
	"net/http/httptest"
	"testing"
)

func TestParseResourcePath(t *testing.T) {
	tests := []struct {
		method, url string
		want        requestInfo
		gvOnly, ok  bool
	}{
		{"GET", "/api/v1", requestInfo{Version: "v1"}, true, true},
		{"GET", "/apis/apps/v1", requestInfo{Group: "apps", Version: "v1"}, true, true},
		{"GET", "/api/v1/pods", requestInfo{Version: "v1", Resource: "pods", Verb: "list"}, false, true},
		{"GET", "/api/v1/namespaces/ns1/pods/web", requestInfo{Version: "v1", Namespace: "ns1", Resource: "pods", Name: "web", Verb: "get"}, false, true},
		{"GET", "/api/v1/namespaces/ns1/pods?watch=true", requestInfo{Version: "v1", Namespace: "ns1", Resource: "pods", Verb: "watch"}, false, true},
		{"GET", "/api/v1/watch/namespaces/ns1/pods", requestInfo{Version: "v1", Namespace: "ns1", Resource: "pods", Verb: "watch"}, false, true},
		{"PUT", "/api/v1/namespaces/ns1/pods/web/status", requestInfo{Version: "v1", Namespace: "ns1", Resource: "pods", Name: "web", Subresource: "status", Verb: "update"}, false, true},
		{"POST", "/api/v1/namespaces/ns1/pods/web/binding", requestInfo{Version: "v1", Namespace: "ns1", Resource: "pods", Name: "web", Subresource: "binding", Verb: "create"}, false, true},
		{"GET", "/api/v1/namespaces/ns1", requestInfo{Version: "v1", Resource: "namespaces", Name: "ns1", Verb: "get"}, false, true},
		{"PUT", "/api/v1/namespaces/ns1/finalize", requestInfo{Version: "v1", Resource: "namespaces", Name: "ns1", Subresource: "finalize", Verb: "update"}, false, true},
		{"GET", "/api/v1/namespaces/ns1/status", requestInfo{Version: "v1", Resource: "namespaces", Name: "ns1", Subresource: "status", Verb: "get"}, false, true},
		{"DELETE", "/apis/apps/v1/namespaces/ns1/deployments", requestInfo{Group: "apps", Version: "v1", Namespace: "ns1", Resource: "deployments", Verb: "deletecollection"}, false, true},
		{"DELETE", "/apis/apps/v1/namespaces/ns1/deployments/web", requestInfo{Group: "apps", Version: "v1", Namespace: "ns1", Resource: "deployments", Name: "web", Verb: "delete"}, false, true},
		{"PATCH", "/apis/apps/v1/namespaces/ns1/deployments/web/scale", requestInfo{Group: "apps", Version: "v1", Namespace: "ns1", Resource: "deployments", Name: "web", Subresource: "scale", Verb: "patch"}, false, true},
		{"GET", "/healthz", requestInfo{}, false, false},
		{"GET", "/apis/apps", requestInfo{}, false, false},
	}
	for _, tt := range tests {
		t.Run(tt.method+" "+tt.url, func(t *testing.T) {
			got, gvOnly, ok := parseResourcePath(httptest.NewRequest(tt.method, tt.url, nil))
			if ok != tt.ok || gvOnly != tt.gvOnly {
				t.Fatalf("ok=%v gvOnly=%v, want ok=%v gvOnly=%v", ok, gvOnly, tt.ok, tt.gvOnly)
			}
			if ok && got != tt.want {
				t.Errorf("got %+v, want %+v", got, tt.want)
			}
		})
	}
}
