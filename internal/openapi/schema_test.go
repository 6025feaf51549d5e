package openapi

import (
	"encoding/json"
	"reflect"
	"testing"

	"k8s.io/kube-openapi/pkg/spec3"
	"k8s.io/kube-openapi/pkg/validation/spec"
)

func buildSmall(t *testing.T) *Docs {
	t.Helper()
	d, err := Build(smallResources(), Info{Title: "Kubernetes", Version: "v1.32.0"})
	if err != nil {
		t.Fatal(err)
	}
	return d
}

func swaggerOf(t *testing.T, d *Docs) *spec.Swagger {
	t.Helper()
	var s spec.Swagger
	if err := json.Unmarshal(d.v2.json, &s); err != nil {
		t.Fatal(err)
	}
	return &s
}

func openAPIOf(t *testing.T, d *Docs, key string) *spec3.OpenAPI {
	t.Helper()
	doc, ok := d.v3[key]
	if !ok {
		t.Fatalf("no v3 document %q", key)
	}
	var s spec3.OpenAPI
	if err := json.Unmarshal(doc.json, &s); err != nil {
		t.Fatal(err)
	}
	return &s
}

// TestDefinitions checks representative definitions in both dialects.
func TestDefinitions(t *testing.T) {
	d := buildSmall(t)
	v2 := swaggerOf(t, d).Definitions
	v3 := openAPIOf(t, d, "apis/apps/v1").Components.Schemas
	core3 := openAPIOf(t, d, "api/v1").Components.Schemas
	prop := func(defs map[string]spec.Schema, def, field string) spec.Schema {
		t.Helper()
		s, ok := defs[def].Properties[field]
		if !ok {
			t.Fatalf("%s has no property %s", def, field)
		}
		return s
	}
	deref := func(m map[string]*spec.Schema) map[string]spec.Schema {
		out := map[string]spec.Schema{}
		for k, v := range m {
			out[k] = *v
		}
		return out
	}
	v3d, core3d := deref(v3), deref(core3)

	strategy2 := prop(v2, "io.k8s.api.apps.v1.DeploymentSpec", "strategy")
	strategy3 := prop(v3d, "io.k8s.api.apps.v1.DeploymentSpec", "strategy")
	containers := prop(v2, "io.k8s.api.core.v1.PodSpec", "containers")
	labels := prop(v2, "io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta", "labels")
	finalizers := prop(v2, "io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta", "finalizers")
	tests := []struct {
		name      string
		got, want interface{}
	}{
		{"v2 strategy $ref", strategy2.Ref.String(), "#/definitions/io.k8s.api.apps.v1.DeploymentStrategy"},
		{"v2 strategy description", strategy2.Description, "The deployment strategy to use to replace existing pods with new ones."},
		{"v2 strategy patch strategy", strategy2.Extensions["x-kubernetes-patch-strategy"], "retainKeys"},
		{"v3 strategy allOf", strategy3.AllOf[0].Ref.String(), "#/components/schemas/io.k8s.api.apps.v1.DeploymentStrategy"},
		{"v3 strategy description", strategy3.Description, strategy2.Description},
		{"v3 strategy default", strategy3.Default, map[string]interface{}{}},
		{"containers type", []string(containers.Type), []string{"array"}},
		{"containers items", containers.Items.Schema.Ref.String(), "#/definitions/io.k8s.api.core.v1.Container"},
		{"containers merge key", containers.Extensions["x-kubernetes-patch-merge-key"], "name"},
		{"containers patch strategy", containers.Extensions["x-kubernetes-patch-strategy"], "merge"},
		{"containers list type", containers.Extensions["x-kubernetes-list-type"], "map"},
		{"containers list keys", containers.Extensions["x-kubernetes-list-map-keys"], []interface{}{"name"}},
		{"finalizers list type", finalizers.Extensions["x-kubernetes-list-type"], "set"},
		{"labels", labels.AdditionalProperties.Schema.Type[0], "string"},
		{"PodSpec required", v2["io.k8s.api.core.v1.PodSpec"].Required, []string{"containers"}},
		{"DeploymentSpec required", v2["io.k8s.api.apps.v1.DeploymentSpec"].Required, []string{"selector", "template"}},
		{"Container required", v2["io.k8s.api.core.v1.Container"].Required, []string{"name"}},
		{"Deployment required", v2["io.k8s.api.apps.v1.Deployment"].Required, []string(nil)},
		{"OwnerReference required", v2["io.k8s.apimachinery.pkg.apis.meta.v1.OwnerReference"].Required, []string{"apiVersion", "kind", "name", "uid"}},
		{"LabelSelector map type", v2["io.k8s.apimachinery.pkg.apis.meta.v1.LabelSelector"].Extensions["x-kubernetes-map-type"], "atomic"},
		{"Quantity v2", []string(v2["io.k8s.apimachinery.pkg.api.resource.Quantity"].Type), []string{"string"}},
		{"Quantity v3 oneOf", len(core3d["io.k8s.apimachinery.pkg.api.resource.Quantity"].OneOf), 2},
		{"Quantity v3 second", []string(core3d["io.k8s.apimachinery.pkg.api.resource.Quantity"].OneOf[1].Type), []string{"number"}},
		{"IntOrString v2 format", v2["io.k8s.apimachinery.pkg.util.intstr.IntOrString"].Format, "int-or-string"},
		{"IntOrString v3 first", []string(v3d["io.k8s.apimachinery.pkg.util.intstr.IntOrString"].OneOf[0].Type), []string{"integer"}},
		{"Time", v2["io.k8s.apimachinery.pkg.apis.meta.v1.Time"].Format, "date-time"},
		{"RawExtension", []string(v2["io.k8s.apimachinery.pkg.runtime.RawExtension"].Type), []string{"object"}},
		{"int32", prop(v2, "io.k8s.api.apps.v1.DeploymentSpec", "replicas").Format, "int32"},
		{"int64", prop(v2, "io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta", "generation").Format, "int64"},
		{"[]byte", prop(v2, "io.k8s.api.core.v1.ConfigMap", "binaryData").AdditionalProperties.Schema.Format, "byte"},
		{"inlined TypeMeta", prop(v2, "io.k8s.api.core.v1.Pod", "kind").Type[0], "string"},
		{"Deployment GVK", v2["io.k8s.api.apps.v1.Deployment"].Extensions["x-kubernetes-group-version-kind"],
			[]interface{}{map[string]interface{}{"group": "apps", "version": "v1", "kind": "Deployment"}}},
		{"DeploymentList GVK kind", v2["io.k8s.api.apps.v1.DeploymentList"].Extensions["x-kubernetes-group-version-kind"].([]interface{})[0].(map[string]interface{})["kind"], "DeploymentList"},
		{"DeleteOptions GVKs", len(v2["io.k8s.apimachinery.pkg.apis.meta.v1.DeleteOptions"].Extensions["x-kubernetes-group-version-kind"].([]interface{})), 2},
	}
	for _, tt := range tests {
		if !reflect.DeepEqual(tt.got, tt.want) {
			t.Errorf("%s: got %#v, want %#v", tt.name, tt.got, tt.want)
		}
	}
}

// TestRequiredTable checks fields Kubernetes leaves optional despite
// lacking omitempty.
func TestRequiredTable(t *testing.T) {
	d, err := Build(allResources(), Info{})
	if err != nil {
		t.Fatal(err)
	}
	defs := swaggerOf(t, d).Definitions
	tests := []struct {
		def  string
		want []string
	}{
		{"io.k8s.api.rbac.v1.Role", nil},
		{"io.k8s.api.rbac.v1.PolicyRule", []string{"verbs"}},
		{"io.k8s.api.core.v1.Event", []string{"involvedObject"}},
		{"io.k8s.api.core.v1.ConfigMap", nil},
		{"io.k8s.api.discovery.v1.EndpointSlice", []string{"addressType", "endpoints"}},
		{"io.k8s.api.apps.v1.StatefulSetStatus", []string{"replicas"}},
		{"io.k8s.api.networking.v1.HTTPIngressPath", []string{"pathType", "backend"}},
	}
	for _, tt := range tests {
		if got := defs[tt.def].Required; !reflect.DeepEqual(got, tt.want) {
			t.Errorf("%s required = %v, want %v", tt.def, got, tt.want)
		}
	}
}
