package e2e

import (
	"fmt"
	"net/netip"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
)

// simProcess is one running `skiff sim` child process.
type simProcess struct {
	cmd     *exec.Cmd
	logPath string
	exited  chan struct{}
}

// startSim runs `skiff sim` against s with args (such as --nodes 3) and
// kills it when the test ends, printing its log if the test failed.
func startSim(t testing.TB, s *Server, args ...string) *simProcess {
	t.Helper()
	p := &simProcess{logPath: filepath.Join(t.TempDir(), "sim.log"), exited: make(chan struct{})}
	log, err := os.Create(p.logPath)
	if err != nil {
		t.Fatal(err)
	}
	defer log.Close()
	args = append([]string{"sim", "--server", s.URL(), "--kubeconfig", s.Kubeconfig}, args...)
	p.cmd = exec.Command(e2e.bin, args...)
	p.cmd.Stdout, p.cmd.Stderr = log, log
	if err := p.cmd.Start(); err != nil {
		t.Fatalf("start skiff sim: %v", err)
	}
	go func() {
		_ = p.cmd.Wait()
		close(p.exited)
	}()
	t.Cleanup(func() {
		p.kill()
		if t.Failed() {
			data, _ := os.ReadFile(p.logPath)
			t.Logf("sim log:\n%s", data)
		}
	})
	return p
}

// kill ends the sim at once, as a machine crash would.
func (p *simProcess) kill() {
	_ = p.cmd.Process.Kill()
	<-p.exited
}

// waitUntil polls cond until it reports true, failing the test with cond's
// last output if the timeout passes first.
func waitUntil(t testing.TB, timeout time.Duration, what string, cond func() (bool, string)) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	tick := time.NewTicker(200 * time.Millisecond)
	defer tick.Stop()
	for {
		ok, last := cond()
		if ok {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s: not within %s; last:\n%s", what, timeout, last)
		}
		<-tick.C
	}
}

var readyNodeRow = regexp.MustCompile(`(?m)^sim-\d+\s+Ready\s+<none>\s+\S+\s+v1\.32\.13-skiff-sim$`)

func TestSimNodes(t *testing.T) {
	s := newServer(t)
	k := s.kubectl(t)
	// a short lease makes renewals (every quarter of it) quick to observe
	sim := startSim(t, s, "--nodes", "3", "--node-lease-duration-seconds", "8")

	waitUntil(t, 30*time.Second, "3 Ready nodes", func() (bool, string) {
		out := k.ok("get", "nodes")
		return len(readyNodeRow.FindAllString(out, -1)) == 3, out
	})
	out := k.ok("get", "nodes")
	if !regexp.MustCompile(`^NAME\s+STATUS\s+ROLES\s+AGE\s+VERSION\n`).MatchString(out) {
		t.Errorf("kubectl get nodes columns:\n%s", out)
	}
	wantAll(t, "get nodes -o wide", k.ok("get", "nodes", "-o", "wide"), "INTERNAL-IP", "CONTAINER-RUNTIME", "skiff-sim://")

	t.Run("pod runs with an IP from the node's podCIDR", func(t *testing.T) {
		cidr := netip.MustParsePrefix(k.ok("get", "node", "sim-1", "-o", "jsonpath={.spec.podCIDR}"))
		k.stdin(simPodYAML("web", "Always")).ok("apply", "-f", "-")
		k.ok("wait", "--for=jsonpath={.status.phase}=Running", "pod/web", "--timeout=30s")
		ip, err := netip.ParseAddr(k.ok("get", "pod", "web", "-o", "jsonpath={.status.podIP}"))
		if err != nil || !cidr.Contains(ip) {
			t.Errorf("pod IP %v (%v) not in the node's podCIDR %s", ip, err, cidr)
		}
		k.ok("wait", "--for=condition=Ready", "pod/web", "--timeout=10s")
		wantAll(t, "get pod", k.ok("get", "pod", "web", "-o", "wide"), "1/1", "Running", "sim-1")
	})

	t.Run("exit code 1 with restartPolicy Never fails the pod", func(t *testing.T) {
		k.stdin(simPodYAML("fail", "Never", "SKIFF_SIM_EXIT", "1")).ok("apply", "-f", "-")
		k.ok("wait", "--for=jsonpath={.status.phase}=Failed", "pod/fail", "--timeout=30s")
		wantEqual(t, "exit code", k.ok("get", "pod", "fail", "-o", "jsonpath={.status.containerStatuses[0].state.terminated.exitCode}"), "1")
	})

	t.Run("a deleted pod goes", func(t *testing.T) {
		k.ok("delete", "pod", "web", "--timeout=30s")
		r := k.run("get", "pod", "web")
		if r.code == 0 || !strings.Contains(r.stderr, "NotFound") {
			t.Errorf("pod web after delete: exit %d\n%s%s", r.code, r.stdout, r.stderr)
		}
	})

	t.Run("a killed sim stops renewing its leases", func(t *testing.T) {
		renewTime := func() string {
			return k.ok("get", "lease", "-n", "kube-node-lease", "sim-0", "-o", "jsonpath={.spec.renewTime}")
		}
		first := renewTime()
		waitUntil(t, 10*time.Second, "a lease renewal", func() (bool, string) {
			now := renewTime()
			return now != first, now
		})
		sim.kill()
		last := renewTime()
		// renewals came every 2s: three periods without one is silence
		until := time.Now().Add(6 * time.Second)
		for time.Now().Before(until) {
			if now := renewTime(); now != last {
				t.Fatalf("lease renewed after the sim was killed: %s then %s", last, now)
			}
			<-time.After(500 * time.Millisecond)
		}
		wantEqual(t, "nodes left behind", k.ok("get", "nodes", "-o", "name", "--no-headers"),
			"node/sim-0\nnode/sim-1\nnode/sim-2")
	})
}

// simPodYAML is a pod bound to sim-1 (no scheduler needed) whose one
// container has the env given as name, value pairs.
func simPodYAML(name, restartPolicy string, env ...string) string {
	var b strings.Builder
	fmt.Fprintf(&b, "apiVersion: v1\nkind: Pod\nmetadata: {name: %s}\nspec:\n  nodeName: sim-1\n  restartPolicy: %s\n", name, restartPolicy)
	b.WriteString("  containers:\n  - name: c\n    image: busybox:1.36\n")
	if len(env) > 0 {
		b.WriteString("    env:\n")
		for i := 0; i+1 < len(env); i += 2 {
			fmt.Fprintf(&b, "    - {name: %s, value: %q}\n", env[i], env[i+1])
		}
	}
	return b.String()
}
