package openapi

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/skiff/skiff/internal/registry/resource"
)

// fakeDiscovery serves the legacy discovery documents of resources, enough
// for kubectl to map names to kinds.
func fakeDiscovery(resources []resource.Resource) http.Handler {
	lists := map[string]*metav1.APIResourceList{}
	groups := &metav1.APIGroupList{}
	for _, r := range resources {
		gv := r.GVR.GroupVersion()
		l := lists["/"+gvPath(gv)]
		if l == nil {
			l = &metav1.APIResourceList{GroupVersion: gv.String()}
			lists["/"+gvPath(gv)] = l
			if gv.Group != "" {
				groups.Groups = append(groups.Groups, metav1.APIGroup{Name: gv.Group,
					Versions:         []metav1.GroupVersionForDiscovery{{GroupVersion: gv.String(), Version: gv.Version}},
					PreferredVersion: metav1.GroupVersionForDiscovery{GroupVersion: gv.String(), Version: gv.Version}})
			}
		}
		l.APIResources = append(l.APIResources, metav1.APIResource{Name: r.GVR.Resource, Kind: r.Kind,
			Namespaced: r.Namespaced, SingularName: strings.ToLower(r.Kind),
			Verbs: []string{"create", "delete", "deletecollection", "get", "list", "patch", "update", "watch"}})
	}
	docs := map[string]interface{}{
		"/api":     &metav1.APIVersions{Versions: []string{"v1"}},
		"/apis":    groups,
		"/version": map[string]string{"major": "1", "minor": "32", "gitVersion": "v1.32.0"},
	}
	for p, l := range lists {
		docs[p] = l
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		doc, ok := docs[strings.TrimSuffix(r.URL.Path, "/")]
		if !ok {
			w.WriteHeader(http.StatusNotFound)
			doc = &metav1.Status{TypeMeta: metav1.TypeMeta{Kind: "Status", APIVersion: "v1"},
				Status: metav1.StatusFailure, Reason: metav1.StatusReasonNotFound, Code: http.StatusNotFound}
		}
		_ = json.NewEncoder(w).Encode(doc)
	})
}

// kubectlServer serves the documents of resources beside fake discovery.
func kubectlServer(t *testing.T, resources []resource.Resource, info Info) *httptest.Server {
	t.Helper()
	docs, err := Build(resources, info)
	if err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	mux.Handle("/openapi/", docs)
	mux.Handle("/", fakeDiscovery(resources))
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	return srv
}

// kubectl runs the real kubectl against url with a private cache.
func kubectl(t *testing.T, url string, args ...string) (string, error) {
	t.Helper()
	path, err := exec.LookPath("kubectl")
	if err != nil {
		t.Skip("kubectl is not on the PATH")
	}
	dir := t.TempDir()
	cmd := exec.Command(path, append([]string{"--server", url, "--cache-dir", filepath.Join(dir, "cache")}, args...)...)
	cmd.Env = append(os.Environ(), "HOME="+dir, "KUBECONFIG="+filepath.Join(dir, "none"))
	out, err := cmd.CombinedOutput()
	return string(out), err
}

func TestKubectlExplain(t *testing.T) {
	srv := kubectlServer(t, smallResources(), Info{Title: "Kubernetes", Version: "v1.32.0"})
	tests := []struct {
		args []string
		want []string
	}{
		{[]string{"explain", "deployment.spec.strategy"}, []string{
			"GROUP:      apps", "KIND:       Deployment", "VERSION:    v1",
			"FIELD: strategy <DeploymentStrategy>",
			"The deployment strategy to use to replace existing pods with new ones.",
			"rollingUpdate\t<RollingUpdateDeployment>", "type\t<string>",
		}},
		{[]string{"explain", "pods.spec.containers"}, []string{
			"KIND:       Pod", "FIELD: containers <[]Container>",
			"name\t<string> -required-", "image\t<string>", "ports\t<[]ContainerPort>",
			"resources\t<ResourceRequirements>",
		}},
		{[]string{"explain", "deployment.spec.strategy.rollingUpdate.maxSurge"}, []string{
			"FIELD: maxSurge <IntOrString>",
		}},
		{[]string{"explain", "pod.spec.containers.resources.limits"}, []string{
			"FIELD: limits <map[string]Quantity>",
		}},
		{[]string{"explain", "configmap", "--recursive"}, []string{
			"KIND:       ConfigMap", "data\t<map[string]string>", "metadata\t<ObjectMeta>", "    name\t<string>",
		}},
		{[]string{"explain", "deployments", "--api-version=apps/v1"}, []string{
			"KIND:       Deployment", "spec\t<DeploymentSpec>", "status\t<DeploymentStatus>",
		}},
		{[]string{"explain", "deployment.metadata.creationTimestamp"}, []string{
			"FIELD: creationTimestamp <string>",
		}},
		{[]string{"explain", "deployment.spec", "--output=plaintext-openapiv2"}, []string{
			"KIND:     Deployment", "selector\t<Object> -required-", "template\t<Object> -required-",
		}},
	}
	for _, tt := range tests {
		t.Run(strings.Join(tt.args, " "), func(t *testing.T) {
			out, err := kubectl(t, srv.URL, tt.args...)
			if err != nil {
				t.Fatalf("kubectl %v: %v\n%s", tt.args, err, out)
			}
			t.Log(out)
			for _, w := range tt.want {
				if !strings.Contains(out, w) {
					t.Errorf("kubectl %v output lacks %q:\n%s", tt.args, w, out)
				}
			}
		})
	}
}

const validDeployment = `apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  namespace: default
  labels: {app: web}
spec:
  replicas: 2
  selector:
    matchLabels: {app: web}
  strategy:
    type: RollingUpdate
    rollingUpdate: {maxSurge: 1, maxUnavailable: 25%}
  template:
    metadata:
      labels: {app: web}
    spec:
      containers:
      - name: web
        image: busybox:1.36
        command: [httpd, -f]
        ports: [{containerPort: 80, name: http}]
        resources:
          requests: {cpu: 100m, memory: 64Mi}
          limits: {cpu: 1, memory: 128Mi}
        readinessProbe:
          httpGet: {path: /, port: http}
`

const validPodAndConfigMap = `apiVersion: v1
kind: ConfigMap
metadata: {name: cfg}
data: {a: "1"}
binaryData: {b: aGVsbG8=}
---
apiVersion: v1
kind: Pod
metadata: {name: p, creationTimestamp: null}
spec:
  containers:
  - name: c
    image: busybox
    env: [{name: X, valueFrom: {configMapKeyRef: {name: cfg, key: a}}}]
  tolerations: [{key: k, operator: Exists}]
  restartPolicy: Never
`

const invalidDeployment = `apiVersion: apps/v1
kind: Deployment
metadata: {name: bad}
spec:
  replicas: three
  foo: 1
  selector: {matchLabels: {app: bad}}
  template:
    metadata: {labels: {app: bad}}
    spec:
      containers: [{image: busybox}]
`

// TestKubectlApplyValidation runs kubectl apply's schema validation: with
// fieldValidation published kubectl leaves checking to the server (so even
// a bad manifest passes the client), without it kubectl checks manifests
// against the v2 protobuf document.
func TestKubectlApplyValidation(t *testing.T) {
	tests := []struct {
		name      string
		withoutFV bool
		manifest  string
		wantErr   bool
		want      []string
	}{
		{"client validates valid deployment", true, validDeployment, false, []string{"deployment.apps/web created (dry run)"}},
		{"client validates pod and configmap", true, validPodAndConfigMap, false, []string{"configmap/cfg created (dry run)", "pod/p created (dry run)"}},
		{"client rejects bad deployment", true, invalidDeployment, true, []string{
			`unknown field "foo" in io.k8s.api.apps.v1.DeploymentSpec`,
			`invalid type for io.k8s.api.apps.v1.DeploymentSpec.replicas: got "string", expected "integer"`,
			`missing required field "name" in io.k8s.api.core.v1.Container`,
		}},
		{"server validation leaves bad deployment to server", false, invalidDeployment, false, []string{"deployment.apps/bad created (dry run)"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := kubectlServer(t, smallResources(), Info{Title: "Kubernetes", Version: "v1.32.0", WithoutFieldValidation: tt.withoutFV})
			file := filepath.Join(t.TempDir(), "m.yaml")
			if err := os.WriteFile(file, []byte(tt.manifest), 0o600); err != nil {
				t.Fatal(err)
			}
			out, err := kubectl(t, srv.URL, "apply", "--dry-run=client", "-n", "default", "-f", file)
			if (err != nil) != tt.wantErr {
				t.Fatalf("kubectl apply: err %v, want error %v\n%s", err, tt.wantErr, out)
			}
			t.Log(out)
			for _, w := range tt.want {
				if !strings.Contains(out, w) {
					t.Errorf("output lacks %q:\n%s", w, out)
				}
			}
		})
	}
}
