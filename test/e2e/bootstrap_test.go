package e2e

import (
	"strconv"
	"testing"
)

// TestBootstrap checks what exists before anyone writes: the system
// namespaces and the kubernetes Service pointing at the server itself.
func TestBootstrap(t *testing.T) {
	s := shared(t)
	k := s.kubectl(t)
	port := strconv.Itoa(s.Port)
	wantRows(t, k.ok("get", "namespaces"),
		`NAME\s+STATUS\s+AGE$`, `default\s+Active\s+`, `kube-system\s+Active\s+`, `kube-public\s+Active\s+`, `kube-node-lease\s+Active\s+`)
	wantEqual(t, "namespace label", k.ok("get", "namespace", "kube-system", "-o", "jsonpath={.metadata.labels.kubernetes\\.io/metadata\\.name}"), "kube-system")
	wantRows(t, k.ok("get", "service", "kubernetes", "-n", "default"),
		`kubernetes\s+ClusterIP\s+10\.43\.0\.1\s+<none>\s+443/TCP\s+\S+$`)
	wantRows(t, k.ok("get", "endpoints", "kubernetes", "-n", "default"), `kubernetes\s+\S+:`+port+`\s+\S+$`)
	wantRows(t, k.ok("get", "endpointslices", "-n", "default", "-l", "kubernetes.io/service-name=kubernetes"),
		`NAME\s+ADDRESSTYPE\s+PORTS\s+ENDPOINTS\s+AGE$`, `kubernetes\s+IPv4\s+`+port+`\s+\S+\s+\S+$`)
	wantAll(t, "cluster-info", k.ok("cluster-info"), "Kubernetes control plane is running at "+s.URL())
	r := k.run("get", "nodes")
	wantEqual(t, "get nodes", r.stdout+r.stderr, "No resources found")
}
