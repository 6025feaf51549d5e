package e2e

import (
	"crypto/tls"
	"fmt"
	"net"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"k8s.io/client-go/tools/clientcmd"
)

// TestIssue4 runs real pods on one node: a `skiff server` and a `skiff
// agent` with its own containerd, observed through kubectl as a user
// would. The subtests share the node, each in its own namespace, and run
// side by side; the one that kills the agent runs after the others.
func TestIssue4(t *testing.T) {
	n := startTestNode(t)
	runConcurrently(t, n, 6, []nodeTest{
		// The slow ones (a minute of configMap propagation, back-offs) first.
		{"Volumes", testVolumes},
		{"CrashLoop", testCrashLoop},
		{"ImagePullPolicy", testImagePullPolicy},
		{"LivenessProbe", testLivenessProbe},
		{"ReadinessProbe", testReadinessProbe},
		{"ProbeTiming", testProbeTiming},
		{"GracefulStop", testGracefulStop},
		{"OOMKilled", testOOM},
		{"RestartPolicies", testRestartPolicies},
		{"ImageChange", testImageChange},
		{"Deployment", testDeployment},
		{"Network", testNetwork},
		{"InitContainers", testInitContainers},
		{"Env", testEnv},
		{"PersistentVolumeClaim", testPersistentVolumeClaim},
		{"SecurityContext", testSecurityContext},
		{"Resources", testResources},
		{"Node", testNodeObject},
	})
	t.Run("AgentRestartAdoptsPods", func(t *testing.T) { testAdoption(t, n) })
}

// testNodeObject: the node registers what it has and keeps its lease.
func testNodeObject(t *testing.T, n *testNode) {
	k := n.server.kubectl(t)
	wide := k.ok("get", "nodes", "-o", "wide")
	row := regexp.MustCompile(`(?m)^` + regexp.QuoteMeta(n.name) + `\s+Ready\s+<none>\s+\S+\s+v\S+\s+` + regexp.QuoteMeta(n.ip) + `\s+<none>\s+.+\s+containerd://\S+$`)
	if !row.MatchString(wide) {
		t.Errorf("get nodes -o wide has no Ready row for %s with IP %s and a containerd runtime:\n%s", n.name, n.ip, wide)
	}
	fields := k.ok("get", "node", n.name, "-o", `jsonpath={.status.capacity.cpu} {.status.capacity.memory} `+
		`{.status.capacity.ephemeral-storage} {.status.capacity.pods} {.status.allocatable.pods} {.status.daemonEndpoints.kubeletEndpoint.Port} `+
		`{.status.nodeInfo.containerRuntimeVersion} {.status.nodeInfo.kubeletVersion} {.status.nodeInfo.operatingSystem} {.status.nodeInfo.architecture}`)
	if !regexp.MustCompile(`^[1-9]\d* [1-9]\d*Ki [1-9]\d*Ki 110 110 [1-9]\d* containerd://\S+ v1\.\d+\.\S+ linux \w+$`).MatchString(fields) {
		t.Errorf("node capacity, endpoint and info = %s", fields)
	}
	// The node's own endpoint answers the API server (nodes/proxy) and
	// refuses everyone else, even a cluster admin's certificate.
	wantEqual(t, "nodes/proxy healthz", k.ok("get", "--raw", "/api/v1/nodes/"+n.name+"/proxy/healthz"), "ok")
	port := k.ok("get", "node", n.name, "-o", "jsonpath={.status.daemonEndpoints.kubeletEndpoint.Port}")
	url := "https://" + net.JoinHostPort(n.ip, port) + "/containerLogs/kube-system/any/any"
	cfg, err := clientcmd.BuildConfigFromFlags("", n.server.Kubeconfig)
	if err != nil {
		t.Fatal(err)
	}
	admin, err := tls.X509KeyPair(cfg.TLSClientConfig.CertData, cfg.TLSClientConfig.KeyData)
	if err != nil {
		t.Fatalf("admin certificate from the kubeconfig: %v", err)
	}
	for _, c := range []struct {
		who   string
		certs []tls.Certificate
	}{{"no client certificate", nil}, {"the admin's certificate", []tls.Certificate{admin}}} {
		// The agent's serving certificate is self-signed, as a kubelet's.
		client := &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{
			TLSClientConfig: &tls.Config{InsecureSkipVerify: true, Certificates: c.certs}}}
		resp, err := client.Get(url)
		if err != nil {
			continue // refused in the handshake
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusUnauthorized && resp.StatusCode != http.StatusForbidden {
			t.Errorf("GET %s with %s: %s, want 401 or 403", url, c.who, resp.Status)
		}
	}

	renewTime := func() string {
		return k.ok("get", "lease", "-n", "kube-node-lease", n.name, "-o", "jsonpath={.spec.renewTime}")
	}
	first := renewTime()
	poll(t, 30*time.Second, func() string {
		if now := renewTime(); now == first {
			return "the node's lease was not renewed: " + now
		}
		return ""
	})
}

// podYAML is a pod manifest: spec holds the spec's fields after
// restartPolicy, indented by two spaces.
func podYAML(name, restartPolicy, spec string) string {
	return fmt.Sprintf("apiVersion: v1\nkind: Pod\nmetadata:\n  name: %s\nspec:\n  restartPolicy: %s\n%s\n", name, restartPolicy, strings.TrimRight(spec, "\n"))
}

// yamlDocs joins manifests into one multi-document YAML stream.
func yamlDocs(docs ...string) string { return strings.Join(docs, "---\n") }

// sleeper is a container spec that sleeps until SIGTERM, which it obeys.
func sleeper(name string) string {
	return fmt.Sprintf(`  - name: %s
    image: %s
    command: ["sh", "-c", "trap 'exit 0' TERM; sleep 1000 & wait"]`, name, testImage)
}
