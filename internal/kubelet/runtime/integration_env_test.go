package runtime

import (
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// requireNode skips (or, with SKIFF_REQUIRE_CONTAINERD=1 as in CI, fails)
// unless this machine can run real pods: root, containerd, runc, ctr, the
// CNI plugins and a static busybox to build images from.
func requireNode(t *testing.T) {
	t.Helper()
	var missing []string
	// The portmap plugin runs iptables for hostPort.
	for _, bin := range []string{"containerd", "containerd-shim-runc-v2", "ctr", "runc", "iptables"} {
		if _, err := exec.LookPath(bin); err != nil {
			missing = append(missing, bin)
		}
	}
	for _, f := range []string{"bridge", "host-local", "loopback", "portmap"} {
		if _, err := os.Stat(filepath.Join(DefaultCNIBinDir, f)); err != nil {
			missing = append(missing, filepath.Join(DefaultCNIBinDir, f))
		}
	}
	if _, err := os.Stat("/bin/busybox"); err != nil {
		missing = append(missing, "/bin/busybox")
	}
	if os.Geteuid() != 0 {
		missing = append(missing, "root")
	}
	if len(missing) == 0 {
		return
	}
	msg := "needs a node with containerd, runc, the CNI plugins and busybox-static, as root " +
		"(apt-get install containerd runc containernetworking-plugins busybox-static); missing: " + strings.Join(missing, ", ")
	if os.Getenv("SKIFF_REQUIRE_CONTAINERD") == "1" {
		t.Fatal(msg + " (SKIFF_REQUIRE_CONTAINERD=1 makes this a failure)")
	}
	t.Skip(msg)
}

// hostState is what a pod test may change on the host, to check and
// restore afterwards.
type hostState struct {
	ipForward string
	netns     []string
}

func readHostState(t *testing.T) hostState {
	t.Helper()
	fwd, err := os.ReadFile("/proc/sys/net/ipv4/ip_forward")
	if err != nil {
		t.Fatal(err)
	}
	return hostState{ipForward: strings.TrimSpace(string(fwd)), netns: listNetns()}
}

func listNetns() []string {
	entries, _ := os.ReadDir("/var/run/netns")
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	return names
}

// restoreHost deletes the bridge the CNI plugin created for the test and
// puts ip_forward back (the bridge plugin turns it on for isGateway), then
// reports network namespaces the runtime left behind.
func restoreHost(t *testing.T, before hostState, bridge string) {
	t.Helper()
	if _, err := os.Stat("/sys/class/net/" + bridge); err == nil {
		if out, err := exec.Command("/bin/busybox", "ip", "link", "del", bridge).CombinedOutput(); err != nil {
			t.Errorf("delete bridge %s: %v: %s", bridge, err, out)
		}
	}
	if now := readHostState(t); now.ipForward != before.ipForward {
		t.Logf("CNI bridge plugin set net.ipv4.ip_forward=%s; restoring %s", now.ipForward, before.ipForward)
		if err := os.WriteFile("/proc/sys/net/ipv4/ip_forward", []byte(before.ipForward), 0o644); err != nil {
			t.Errorf("restore ip_forward: %v", err)
		}
	}
	for _, ns := range listNetns() {
		if !slices.Contains(before.netns, ns) {
			t.Errorf("network namespace %s leaked", ns)
		}
	}
}
