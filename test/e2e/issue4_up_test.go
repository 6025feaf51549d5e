package e2e

import (
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"testing"
	"time"
)

// TestIssue4Up is the quick start: `skiff up` runs the server and a node
// in one process, prints its progress and, once the node is Ready, the
// line that points kubectl at it; a pushed image then runs as a
// deployment.
func TestIssue4Up(t *testing.T) {
	requireContainerd(t)
	before := readHostBefore(t)
	dir, err := os.MkdirTemp("", "sk4up-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		restoreHost(t, before)
		if err := os.RemoveAll(dir); err != nil {
			t.Errorf("remove %s: %v", dir, err)
		}
	})
	httpsPort, err := freePort()
	if err != nil {
		t.Fatal(err)
	}
	kubeletPort, err := freePort()
	if err != nil {
		t.Fatal(err)
	}
	data := filepath.Join(dir, "data")
	up := &agentProcess{logPath: filepath.Join(dir, "up.log"), args: []string{"up", "--data-dir", data,
		"--https-port", strconv.Itoa(httpsPort), "--kubelet-port", strconv.Itoa(kubeletPort)}}
	if err := up.start(); err != nil {
		t.Fatal(err)
	}
	// The node's teardown fits: namespaces, then SIGTERM to skiff up, then
	// the checks for mounts and runtime processes under the data dir.
	n := &testNode{server: &Server{opts: ServerOptions{Dir: dir}}, dataDir: filepath.Join(data, "agent"), dir: dir, agent: up}
	t.Cleanup(func() { n.teardown(t) })

	export := regexp.MustCompile(`(?m)^export KUBECONFIG=(\S+)$`)
	var m []string
	deadline := time.Now().Add(2 * time.Minute)
	for m == nil {
		out, _ := os.ReadFile(up.logPath)
		if m = export.FindStringSubmatch(string(out)); m != nil {
			break
		}
		if !up.running() {
			t.Fatalf("skiff up exited before it printed the export line: %v\n%s", up.exitErr, up.logTail())
		}
		if time.Now().After(deadline) {
			t.Fatalf("skiff up printed no export line within 2m:\n%s", up.logTail())
		}
		<-time.After(200 * time.Millisecond)
	}
	n.server.Kubeconfig = m[1]
	out, _ := os.ReadFile(up.logPath)
	progress := regexp.MustCompile(`(?s)skiff up: starting the control plane in \S+\n.*skiff up: control plane ready; starting the node in \S+\n.*skiff up: node (\S+) is Ready\n`).FindStringSubmatch(string(out))
	if progress == nil {
		t.Fatalf("skiff up's progress lines are missing:\n%s", out)
	}
	n.name = progress[1]

	k := n.server.kubectl(t)
	if nodes := k.ok("get", "nodes"); !regexp.MustCompile(`(?m)^` + regexp.QuoteMeta(n.name) + `\s+Ready\s`).MatchString(nodes) {
		t.Errorf("get nodes right after the export line:\n%s", nodes)
	}
	image := filepath.Join(dir, "busybox.tar")
	skiffCmd(t, nil, "image", "busybox", image)
	skiffCmd(t, []string{"KUBECONFIG=" + n.server.Kubeconfig}, "image", "push", image)
	k, _ = n.namespace(t)
	k.ok("create", "deployment", "web", "--image="+testImage, "--", "sh", "-c", webScript)
	k.ok("rollout", "status", "deployment/web", "--timeout=60s")
	wantEqual(t, "logs deploy/web", k.ok("logs", "deploy/web"), "line-1\nline-2\nline-3")
	wantAll(t, "pod serves", httpFromPod(k, "deploy/web", "127.0.0.1:8080"), "hello-from-web")
}
