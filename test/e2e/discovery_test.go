package e2e

import (
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"k8s.io/client-go/tools/clientcmd"
)

// TestExplain reads field documentation from the server's OpenAPI.
func TestExplain(t *testing.T) {
	k := shared(t).kubectl(t)
	tests := []struct {
		args  []string
		wants []string
	}{
		{[]string{"deployment.spec.strategy"}, []string{"GROUP:      apps", "KIND:       Deployment", "VERSION:    v1",
			"FIELD: strategy <DeploymentStrategy>", "DESCRIPTION:", "rollingUpdate\t<RollingUpdateDeployment>", "type\t<string>"}},
		{[]string{"pods.spec.containers.resources"}, []string{"KIND:       Pod", "VERSION:    v1",
			"FIELD: resources <ResourceRequirements>", "limits\t<map[string]Quantity>", "requests\t<map[string]Quantity>"}},
		{[]string{"deployment", "--recursive"}, []string{"KIND:       Deployment", "FIELDS:",
			"  spec\t<DeploymentSpec>", "    strategy\t<DeploymentStrategy>", "      rollingUpdate\t<RollingUpdateDeployment>",
			"        maxSurge\t<IntOrString>", "  status\t<DeploymentStatus>"}},
		{[]string{"cronjobs.spec"}, []string{"GROUP:      batch", "FIELD: spec <CronJobSpec>",
			"schedule\t<string> -required-", "jobTemplate\t<JobTemplateSpec> -required-"}},
		{[]string{"hpa.spec.metrics", "--api-version=autoscaling/v2"}, []string{"VERSION:    v2", "FIELD: metrics <[]MetricSpec>"}},
	}
	for _, tt := range tests {
		t.Run(tt.args[0], func(t *testing.T) {
			wantAll(t, "explain "+joinArgs(tt.args), k.on(t).ok(append([]string{"explain"}, tt.args...)...), tt.wants...)
		})
	}
	r := k.fail("explain", "deployment.spec.nope")
	wantAll(t, "explain of a missing field", r.stderr, `field "nope" does not exist`)
}

// TestAPIResources lists what discovery serves.
func TestAPIResources(t *testing.T) {
	k := shared(t).kubectl(t)
	out := k.ok("api-resources")
	wantRows(t, out,
		`NAME\s+SHORTNAMES\s+APIVERSION\s+NAMESPACED\s+KIND$`,
		`pods\s+po\s+v1\s+true\s+Pod$`,
		`services\s+svc\s+v1\s+true\s+Service$`,
		`namespaces\s+ns\s+v1\s+false\s+Namespace$`,
		`nodes\s+no\s+v1\s+false\s+Node$`,
		`deployments\s+deploy\s+apps/v1\s+true\s+Deployment$`,
		`statefulsets\s+sts\s+apps/v1\s+true\s+StatefulSet$`,
		`cronjobs\s+cj\s+batch/v1\s+true\s+CronJob$`,
		`horizontalpodautoscalers\s+hpa\s+autoscaling/v2\s+true\s+HorizontalPodAutoscaler$`,
		`ingresses\s+ing\s+networking\.k8s\.io/v1\s+true\s+Ingress$`,
		`poddisruptionbudgets\s+pdb\s+policy/v1\s+true\s+PodDisruptionBudget$`,
		`clusterroles\s+rbac\.authorization\.k8s\.io/v1\s+false\s+ClusterRole$`,
		`storageclasses\s+sc\s+storage\.k8s\.io/v1\s+false\s+StorageClass$`,
		`priorityclasses\s+pc\s+scheduling\.k8s\.io/v1\s+false\s+PriorityClass$`,
		`certificatesigningrequests\s+csr\s+certificates\.k8s\.io/v1\s+false\s+CertificateSigningRequest$`,
		`leases\s+coordination\.k8s\.io/v1\s+true\s+Lease$`,
		`endpointslices\s+discovery\.k8s\.io/v1\s+true\s+EndpointSlice$`,
		`events\s+ev\s+events\.k8s\.io/v1\s+true\s+Event$`,
		`flowschemas\s+flowcontrol\.apiserver\.k8s\.io/v1\s+false\s+FlowSchema$`,
		`runtimeclasses\s+node\.k8s\.io/v1\s+false\s+RuntimeClass$`,
		`validatingwebhookconfigurations\s+admissionregistration\.k8s\.io/v1\s+false\s+ValidatingWebhookConfiguration$`,
	)

	wide := k.ok("api-resources", "-o", "wide", "--api-group=apps")
	wantRows(t, wide, `deployments\s+deploy\s+apps/v1\s+true\s+Deployment\s+create,delete,deletecollection,get,list,patch,update,watch\s+all$`)

	cluster := k.ok("api-resources", "--namespaced=false", "-o", "name")
	for _, want := range []string{"namespaces", "nodes", "persistentvolumes", "clusterroles.rbac.authorization.k8s.io", "storageclasses.storage.k8s.io"} {
		wantRows(t, cluster, strings.ReplaceAll(want, ".", `\.`)+`$`)
	}
	for _, namespaced := range []string{"pods", "deployments.apps", "configmaps"} {
		if strings.Contains("\n"+cluster+"\n", "\n"+namespaced+"\n") {
			t.Errorf("api-resources --namespaced=false lists %s", namespaced)
		}
	}

	versions := strings.Fields(k.ok("api-versions"))
	for _, want := range []string{"v1", "apps/v1", "batch/v1", "autoscaling/v2", "policy/v1", "networking.k8s.io/v1",
		"rbac.authorization.k8s.io/v1", "storage.k8s.io/v1", "coordination.k8s.io/v1", "discovery.k8s.io/v1",
		"events.k8s.io/v1", "scheduling.k8s.io/v1", "node.k8s.io/v1", "certificates.k8s.io/v1",
		"admissionregistration.k8s.io/v1", "flowcontrol.apiserver.k8s.io/v1"} {
		if !contains(versions, want) {
			t.Errorf("api-versions lacks %s: %v", want, versions)
		}
	}
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

// TestVersionAndHealth asks for the version and the health endpoints as
// an authenticated user.
func TestVersionAndHealth(t *testing.T) {
	k := shared(t).kubectl(t)
	wantRows(t, k.ok("version"), `Client Version: v1\.32\.`, `Server Version: v1\.\d+\.\d+`)
	var v struct {
		ServerVersion struct{ Major, Minor, GitVersion, Platform string }
	}
	if err := json.Unmarshal([]byte(k.ok("version", "-o", "json")), &v); err != nil {
		t.Fatal(err)
	}
	if sv := v.ServerVersion; sv.Major != "1" || sv.Minor == "" || !strings.HasPrefix(sv.GitVersion, "v1.") || sv.Platform == "" {
		t.Errorf("server version = %+v", sv)
	}
	for _, path := range []string{"/healthz", "/readyz", "/livez"} {
		wantEqual(t, "get --raw "+path, k.ok("get", "--raw", path), "ok")
	}
	wantAll(t, "readyz?verbose", k.ok("get", "--raw", "/readyz?verbose"), "readyz check passed")
	wantAll(t, "get --raw /api", k.ok("get", "--raw", "/api"), `"kind":"APIVersions"`, `"versions":["v1"]`)
}

// TestUnauthenticated calls the server with its CA but no client
// certificate: only health and version are open.
func TestUnauthenticated(t *testing.T) {
	s := shared(t)
	client := anonymousClient(t, s)
	tests := []struct {
		path string
		code int
		body string
	}{
		{"/healthz", 200, "ok"},
		{"/livez", 200, "ok"},
		{"/readyz", 200, "ok"},
		{"/version", 200, `"gitVersion"`},
		{"/api", 401, `"reason":"Unauthorized"`},
		{"/apis", 401, `"code":401`},
		{"/api/v1/namespaces", 401, `"kind":"Status"`},
		{"/openapi/v2", 401, `"Unauthorized"`},
	}
	for _, tt := range tests {
		resp, err := client.Get(s.URL() + tt.path)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != tt.code || !strings.Contains(string(body), tt.body) {
			t.Errorf("GET %s = %d %s, want %d with %s", tt.path, resp.StatusCode, body, tt.code, tt.body)
		}
	}
}

// anonymousClient trusts the server's CA from the kubeconfig but presents
// no certificate.
func anonymousClient(t testing.TB, s *Server) *http.Client {
	t.Helper()
	cfg, err := clientcmd.BuildConfigFromFlags("", s.Kubeconfig)
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(cfg.TLSClientConfig.CAData) {
		t.Fatal("kubeconfig has no CA data")
	}
	return &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{
		TLSClientConfig: &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12}}}
}
