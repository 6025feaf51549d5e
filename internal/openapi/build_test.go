package openapi

import (
	"crypto/sha512"
	"encoding/json"
	"fmt"
	"sort"
	"strings"
	"testing"

	openapiv2 "github.com/google/gnostic-models/openapiv2"
	openapiv3 "github.com/google/gnostic-models/openapiv3"
	"google.golang.org/protobuf/proto"
	"k8s.io/apimachinery/pkg/util/strategicpatch"
	"k8s.io/kube-openapi/pkg/spec3"
	kproto "k8s.io/kube-openapi/pkg/util/proto"
	"k8s.io/kube-openapi/pkg/util/proto/validation"
)

func TestV3Index(t *testing.T) {
	d := buildSmall(t)
	var index struct {
		Paths map[string]struct {
			URL string `json:"serverRelativeURL"`
		} `json:"paths"`
	}
	if err := json.Unmarshal(d.v3Index.json, &index); err != nil {
		t.Fatal(err)
	}
	var keys []string
	for k, v := range index.Paths {
		keys = append(keys, k)
		want := fmt.Sprintf("/openapi/v3/%s?hash=%X", k, sha512.Sum512(d.v3[k].json))
		if v.URL != want {
			t.Errorf("%s: URL %s, want %s", k, v.URL, want)
		}
	}
	sort.Strings(keys)
	if got, want := strings.Join(keys, " "), "api api/v1 apis apis/apps apis/apps/v1 version"; got != want {
		t.Errorf("keys %q, want %q", got, want)
	}
}

// TestV3Documents checks what each group-version document holds: its own
// operations and only the schemas they reach.
func TestV3Documents(t *testing.T) {
	d := buildSmall(t)
	apps := openAPIOf(t, d, "apis/apps/v1")
	core := openAPIOf(t, d, "api/v1")
	op := func(doc *spec3.OpenAPI, path, method string) *spec3.Operation {
		t.Helper()
		p, ok := doc.Paths.Paths[path]
		if !ok {
			t.Fatalf("no path %s", path)
		}
		o := map[string]*spec3.Operation{"get": p.Get, "put": p.Put, "post": p.Post, "patch": p.Patch, "delete": p.Delete}[method]
		if o == nil {
			t.Fatalf("no %s %s", method, path)
		}
		return o
	}
	patchScale := op(apps, "/apis/apps/v1/namespaces/{namespace}/deployments/{name}/scale", "patch")
	tests := []struct {
		name      string
		got, want interface{}
	}{
		{"list pods", op(core, "/api/v1/namespaces/{namespace}/pods", "get").OperationId, "listCoreV1NamespacedPod"},
		{"list all pods", op(core, "/api/v1/pods", "get").OperationId, "listCoreV1PodForAllNamespaces"},
		{"read namespace", op(core, "/api/v1/namespaces/{name}", "get").OperationId, "readCoreV1Namespace"},
		{"namespace status", op(core, "/api/v1/namespaces/{name}/status", "put").OperationId, "replaceCoreV1NamespaceStatus"},
		{"delete collection", op(core, "/api/v1/namespaces/{namespace}/configmaps", "delete").OperationId, "deleteCoreV1CollectionNamespacedConfigMap"},
		{"watch list", op(apps, "/apis/apps/v1/watch/namespaces/{namespace}/deployments", "get").OperationId, "watchAppsV1NamespacedDeploymentList"},
		{"resources", op(apps, "/apis/apps/v1/", "get").OperationId, "getAppsV1APIResources"},
		{"scale id", patchScale.OperationId, "patchAppsV1NamespacedDeploymentScale"},
		{"scale kind", patchScale.Extensions["x-kubernetes-group-version-kind"], map[string]interface{}{"group": "autoscaling", "version": "v1", "kind": "Scale"}},
		{"scale action", patchScale.Extensions["x-kubernetes-action"], "patch"},
		{"smp accepted", patchScale.RequestBody.Content["application/strategic-merge-patch+json"] != nil, true},
		{"apps has PodSpec", apps.Components.Schemas["io.k8s.api.core.v1.PodSpec"] != nil, true},
		{"apps has Scale", apps.Components.Schemas[scaleDef] != nil, true},
		{"apps lacks ConfigMap", apps.Components.Schemas["io.k8s.api.core.v1.ConfigMap"] == nil, true},
		{"core lacks Deployment", core.Components.Schemas["io.k8s.api.apps.v1.Deployment"] == nil, true},
		{"core lacks Scale", core.Components.Schemas[scaleDef] == nil, true},
		{"fieldValidation", hasParam(op(apps, "/apis/apps/v1/namespaces/{namespace}/deployments/{name}", "patch"), "fieldValidation"), true},
	}
	for _, tt := range tests {
		if fmt.Sprint(tt.got) != fmt.Sprint(tt.want) {
			t.Errorf("%s: got %v, want %v", tt.name, tt.got, tt.want)
		}
	}
}

func hasParam(op *spec3.Operation, name string) bool {
	for _, p := range op.Parameters {
		if p.Name == name {
			return true
		}
	}
	return false
}

// TestProtobuf decodes the protobuf forms as client-go does and resolves
// every model kube-openapi's validation reads.
func TestProtobuf(t *testing.T) {
	d, err := Build(allResources(), Info{Title: "Kubernetes", Version: "v1.32.0"})
	if err != nil {
		t.Fatal(err)
	}
	b, err := d.v2.protobuf()
	if err != nil {
		t.Fatal(err)
	}
	var doc openapiv2.Document
	if err := proto.Unmarshal(b, &doc); err != nil {
		t.Fatal(err)
	}
	models, err := kproto.NewOpenAPIData(&doc)
	if err != nil {
		t.Fatalf("kube-openapi rejects the v2 document: %v", err)
	}
	deployment := models.LookupModel("io.k8s.api.apps.v1.Deployment")
	if deployment == nil {
		t.Fatal("no Deployment model")
	}
	manifest := map[string]interface{}{"apiVersion": "apps/v1", "kind": "Deployment",
		"spec": map[string]interface{}{"replicas": "x"}}
	if errs := validation.ValidateModel(manifest, deployment, "Deployment"); len(errs) != 3 {
		t.Errorf("want 3 errors (replicas type, missing selector and template), got %v", errs)
	}
	for key, enc := range d.v3 {
		b, err := enc.protobuf()
		if err != nil {
			t.Fatalf("%s: %v", key, err)
		}
		var doc3 openapiv3.Document
		if err := proto.Unmarshal(b, &doc3); err != nil {
			t.Fatalf("%s: %v", key, err)
		}
		if doc3.GetOpenapi() != "3.0.0" || len(doc3.GetPaths().GetPath()) == 0 {
			t.Errorf("%s: protobuf document has version %q and %d paths", key, doc3.GetOpenapi(), len(doc3.GetPaths().GetPath()))
		}
	}
}

// TestStrategicMergeFromV3 computes a patch as kubectl apply does from the
// v3 document: containers merge by name instead of being replaced.
func TestStrategicMergeFromV3(t *testing.T) {
	doc := openAPIOf(t, buildSmall(t), "apis/apps/v1")
	meta := strategicpatch.PatchMetaFromOpenAPIV3{Schema: doc.Components.Schemas["io.k8s.api.apps.v1.Deployment"], SchemaList: doc.Components.Schemas}
	original := []byte(`{"spec":{"template":{"spec":{"containers":[{"name":"a","image":"x"},{"name":"b","image":"y"}]}}}}`)
	modified := []byte(`{"spec":{"template":{"spec":{"containers":[{"name":"a","image":"z"},{"name":"b","image":"y"}]}}}}`)
	patch, err := strategicpatch.CreateThreeWayMergePatch(original, modified, original, meta, false)
	if err != nil {
		t.Fatal(err)
	}
	want := `{"spec":{"template":{"spec":{"$setElementOrder/containers":[{"name":"a"},{"name":"b"}],"containers":[{"image":"z","name":"a"}]}}}}`
	if string(patch) != want {
		t.Errorf("patch %s, want %s", patch, want)
	}
}
