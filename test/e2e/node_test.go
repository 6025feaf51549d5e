package e2e

import (
	"bufio"
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
	"unsafe"
)

// The node tests run real pods: a `skiff server` and one `skiff agent`
// (which starts its own containerd) as child processes, driven with
// kubectl. The pieces here start and stop that node and leave the host as
// they found it.

const (
	// nodeReadyTimeout bounds an agent's start: containerd, the sandbox
	// image, registration and the first Ready heartbeat.
	nodeReadyTimeout = 90 * time.Second
	// agentStopTimeout is how long SIGTERM has before SIGKILL follows.
	agentStopTimeout = 30 * time.Second
	// testImage is what every node test runs: busybox built from the host's
	// busybox-static and pushed to the server's registry once.
	testImage = "docker.io/library/busybox:1.36"
	// podBridge is the bridge the agent's CNI config names.
	podBridge = "skiff0"
)

// requireContainerd skips (or, with SKIFF_REQUIRE_CONTAINERD=1 as in CI,
// fails) unless this machine can run real pods: root, containerd, runc,
// the CNI plugins, kubectl and a static busybox to build images from.
func requireContainerd(t testing.TB) {
	t.Helper()
	var missing []string
	for _, bin := range []string{"containerd", "containerd-shim-runc-v2", "ctr", "runc", "iptables", "kubectl"} {
		if _, err := exec.LookPath(bin); err != nil {
			missing = append(missing, bin)
		}
	}
	for _, f := range []string{"bridge", "host-local", "loopback", "portmap"} {
		if _, err := os.Stat(filepath.Join("/usr/lib/cni", f)); err != nil {
			missing = append(missing, "/usr/lib/cni/"+f)
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

// agentProcess is one running `skiff agent` child process.
type agentProcess struct {
	args    []string
	logPath string
	cmd     *exec.Cmd
	exited  chan struct{}
	exitErr error
}

// start runs the agent with its args, its output appended to its log.
func (a *agentProcess) start() error {
	log, err := os.OpenFile(a.logPath, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return fmt.Errorf("agent log: %w", err)
	}
	defer log.Close() // the child holds its own descriptor
	fmt.Fprintf(log, "=== %s %s\n", e2e.bin, strings.Join(a.args, " "))
	a.cmd = exec.Command(e2e.bin, a.args...)
	a.cmd.Stdout, a.cmd.Stderr = log, log
	if err := a.cmd.Start(); err != nil {
		return fmt.Errorf("start skiff agent: %w", err)
	}
	a.exited = make(chan struct{})
	go func(cmd *exec.Cmd, exited chan struct{}) {
		a.exitErr = cmd.Wait()
		close(exited)
	}(a.cmd, a.exited)
	return nil
}

func (a *agentProcess) running() bool {
	select {
	case <-a.exited:
		return false
	default:
		return true
	}
}

// stop sends SIGTERM and, if the agent has not exited by the deadline,
// SIGKILL; it reports whether the exit was clean.
func (a *agentProcess) stop() error {
	if !a.running() {
		return a.exitErr
	}
	_ = a.cmd.Process.Signal(syscall.SIGTERM)
	t := time.NewTimer(agentStopTimeout)
	defer t.Stop()
	select {
	case <-a.exited:
		return a.exitErr
	case <-t.C:
		a.kill()
		return fmt.Errorf("no exit within %s of SIGTERM; killed", agentStopTimeout)
	}
}

// kill ends the agent at once, as `kill -9` would; its containers live on.
func (a *agentProcess) kill() {
	if !a.running() {
		return
	}
	_ = a.cmd.Process.Kill()
	<-a.exited
}

func (a *agentProcess) logTail() string {
	data, err := os.ReadFile(a.logPath)
	if err != nil {
		return err.Error()
	}
	const max = 24 << 10
	if len(data) > max {
		data = data[len(data)-max:]
	}
	return string(data)
}

// testNode is a server with one real node joined to it.
type testNode struct {
	server  *Server
	name    string
	ip      string
	dataDir string
	// dir holds everything of the node's on this machine; teardown
	// removes it.
	dir   string
	agent *agentProcess
	// mu guards namespaces, which concurrent subtests add to.
	mu         sync.Mutex
	namespaces []string
}

// hostBefore is what the node may change on the host, read before it
// starts so that teardown can put it back.
type hostBefore struct {
	ipForward string
	bridge    bool
}

// startTestNode starts a dedicated server and one agent joined to it,
// pushes the busybox test image, waits for the node to be Ready and tears
// everything down when t ends: test namespaces first (so the agent removes
// their pods), then the agent, then the server, checking that no mount or
// runtime process of the node is left behind.
func startTestNode(t *testing.T) *testNode {
	t.Helper()
	requireContainerd(t)
	before := readHostBefore(t)
	// The data dir holds containerd's socket, whose path must stay short.
	dir, err := os.MkdirTemp("", "sk4-")
	if err != nil {
		t.Fatal(err)
	}
	serverDir := filepath.Join(dir, "server")
	if err := os.Mkdir(serverDir, 0o700); err != nil {
		t.Fatal(err)
	}
	s, err := startServer(context.Background(), ServerOptions{Dir: serverDir})
	if err != nil {
		os.RemoveAll(dir)
		t.Fatal(err)
	}
	n := &testNode{server: s, name: "e2e-" + randomSuffix(t), dataDir: filepath.Join(dir, "agent"), dir: dir}
	t.Cleanup(func() {
		if err := s.stop(); err != nil {
			t.Errorf("stop server: %v", err)
		}
		if t.Failed() {
			t.Logf("server log (%s):\n%s", s.logPath, s.logTail())
		}
		restoreHost(t, before)
		if err := os.RemoveAll(dir); err != nil {
			t.Errorf("remove %s: %v", dir, err)
		}
	})
	port, err := freePort()
	if err != nil {
		t.Fatal(err)
	}
	n.agent = &agentProcess{logPath: filepath.Join(dir, "agent.log"), args: []string{"agent",
		"--token", s.Kubeconfig, "--data-dir", n.dataDir, "--node-name", n.name, "--kubelet-port", strconv.Itoa(port)}}
	if err := n.agent.start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { n.teardown(t) })

	image := filepath.Join(dir, "busybox.tar")
	skiffCmd(t, nil, "image", "busybox", image)
	skiffCmd(t, []string{"KUBECONFIG=" + s.Kubeconfig}, "image", "push", image)
	n.waitReady(t)
	k := s.kubectl(t)
	n.ip = k.ok("get", "node", n.name, "-o", `jsonpath={.status.addresses[?(@.type=="InternalIP")].address}`)
	return n
}

// waitReady waits for the node's Ready condition, failing at once if the
// agent exits.
func (n *testNode) waitReady(t testing.TB) {
	t.Helper()
	k := n.server.kubectl(t)
	deadline := time.Now().Add(nodeReadyTimeout)
	for {
		r := k.run("get", "node", n.name, "-o", `jsonpath={.status.conditions[?(@.type=="Ready")].status}`)
		if r.code == 0 && r.stdout == "True" {
			return
		}
		if !n.agent.running() {
			t.Fatalf("skiff agent exited before its node was Ready: %v\nagent log:\n%s", n.agent.exitErr, n.agent.logTail())
		}
		if time.Now().After(deadline) {
			t.Fatalf("node %s not Ready within %s (last: %s%s)\nagent log:\n%s", n.name, nodeReadyTimeout, r.stdout, r.stderr, n.agent.logTail())
		}
		select {
		case <-n.agent.exited:
		case <-time.After(250 * time.Millisecond):
		}
	}
}

// teardown deletes the test namespaces and waits for their pods to go (the
// agent stops their containers and sandboxes), stops the agent, and then
// checks that no mount under the data dir and no containerd or shim of
// this node is left, cleaning up after a failure so that later runs start
// clean.
func (n *testNode) teardown(t *testing.T) {
	k := n.server.kubectl(t).withTimeout(2 * time.Minute)
	n.mu.Lock()
	namespaces := slices.Clone(n.namespaces)
	n.mu.Unlock()
	if len(namespaces) > 0 && n.agent.running() {
		k.run(append([]string{"delete", "namespace", "--wait=false", "--ignore-not-found"}, namespaces...)...)
		deadline := time.Now().Add(90 * time.Second)
		for {
			r := k.run("get", "pods", "-A", "-o", "name")
			if r.code == 0 && strings.TrimSpace(r.stdout) == "" {
				break
			}
			if time.Now().After(deadline) {
				t.Errorf("pods left 90s after deleting the test namespaces:\n%s%s", r.stdout, r.stderr)
				break
			}
			<-time.After(500 * time.Millisecond)
		}
		// A pod leaves the API once its containers stopped; its sandbox,
		// network and volumes go after. Stopping the agent before that
		// would leave them.
		deadline = time.Now().Add(60 * time.Second)
		for {
			left := podLeftovers(n.dataDir)
			if len(left) == 0 {
				break
			}
			if time.Now().After(deadline) {
				t.Errorf("60s after their pods left the API, the node still has:\n%s", strings.Join(left, "\n"))
				break
			}
			<-time.After(500 * time.Millisecond)
		}
	}
	if err := n.agent.stop(); err != nil {
		t.Errorf("stop skiff agent: %v", err)
	}
	for _, p := range nodeProcesses(n.dataDir) {
		t.Errorf("process of the node left running after the agent stopped: pid %d: %s", p.pid, p.cmdline)
		killTree(p.pid)
	}
	mounts := mountsUnder(n.dataDir)
	for _, m := range mounts {
		t.Errorf("mount left under the agent's data dir after it stopped: %s", m)
	}
	// Undo them innermost first so that the data dir can be removed.
	for i := len(mounts) - 1; i >= 0; i-- {
		_ = syscall.Unmount(mounts[i], syscall.MNT_DETACH)
	}
	if t.Failed() {
		t.Logf("agent log (%s):\n%s", n.agent.logPath, n.agent.logTail())
	}
}

// namespace creates a namespace named after t and returns kubectl set to
// it (through a kubeconfig of t's own) and the namespace's name. Teardown
// deletes it.
func (n *testNode) namespace(t *testing.T) (kubectl, string) {
	t.Helper()
	admin := n.server.kubectl(t)
	name := nsName(strings.TrimPrefix(t.Name(), "TestIssue4/"))
	admin.ok("create", "namespace", name)
	n.mu.Lock()
	n.namespaces = append(n.namespaces, name)
	n.mu.Unlock()
	data, err := os.ReadFile(n.server.Kubeconfig)
	if err != nil {
		t.Fatal(err)
	}
	k := admin
	k.kubeconfig = filepath.Join(t.TempDir(), "kubeconfig")
	if err := os.WriteFile(k.kubeconfig, data, 0o600); err != nil {
		t.Fatal(err)
	}
	k.ok("config", "set-context", "--current", "--namespace", name)
	// Deleting it now lets the node stop its pods while other tests run;
	// teardown waits for them all.
	t.Cleanup(func() { admin.run("delete", "namespace", name, "--wait=false") })
	return k, name
}

// hostDir makes a directory for t's hostPath volumes. It lives as long as
// the node: a pod being deleted may still refer to it after t ends.
func (n *testNode) hostDir(t *testing.T) string {
	t.Helper()
	if err := os.MkdirAll(filepath.Join(n.dir, "host"), 0o755); err != nil {
		t.Fatal(err)
	}
	dir, err := os.MkdirTemp(filepath.Join(n.dir, "host"), "")
	if err != nil {
		t.Fatal(err)
	}
	return dir
}

func readHostBefore(t testing.TB) hostBefore {
	t.Helper()
	fwd, err := os.ReadFile("/proc/sys/net/ipv4/ip_forward")
	if err != nil {
		t.Fatal(err)
	}
	_, err = os.Stat("/sys/class/net/" + podBridge)
	return hostBefore{ipForward: strings.TrimSpace(string(fwd)), bridge: err == nil}
}

// restoreHost deletes the pod bridge and the node's masquerade table if
// the node created them, and puts
// ip_forward back (the CNI bridge plugin turns it on). A bridge that was
// there before belongs to another skiff node on this machine and stays.
func restoreHost(t testing.TB, before hostBefore) {
	t.Helper()
	if !before.bridge {
		if _, err := os.Stat("/sys/class/net/" + podBridge); err == nil {
			if out, err := exec.Command("/bin/busybox", "ip", "link", "del", podBridge).CombinedOutput(); err != nil {
				t.Errorf("delete bridge %s: %v: %s", podBridge, err, out)
			}
		}
		// The agent's masquerade table for the bridge goes with it.
		if out, err := exec.Command("nft", "delete", "table", "ip", "skiff-nat-"+podBridge).CombinedOutput(); err != nil &&
			!strings.Contains(string(out), "No such file or directory") {
			t.Errorf("delete the masquerade table: %v: %s", err, out)
		}
		fwd, _ := os.ReadFile("/proc/sys/net/ipv4/ip_forward")
		if strings.TrimSpace(string(fwd)) != before.ipForward {
			if err := os.WriteFile("/proc/sys/net/ipv4/ip_forward", []byte(before.ipForward), 0o644); err != nil {
				t.Errorf("restore ip_forward: %v", err)
			}
		}
	}
}

// mountsUnder lists the mount points at or below dir, in mount order.
func mountsUnder(dir string) []string {
	f, err := os.Open("/proc/self/mountinfo")
	if err != nil {
		return nil
	}
	defer f.Close()
	var out []string
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		fields := strings.Fields(sc.Text())
		if len(fields) < 5 {
			continue
		}
		// Spaces in paths are escaped as \040; the temp dirs here have none.
		mp := fields[4]
		if mp == dir || strings.HasPrefix(mp, dir+"/") {
			out = append(out, mp)
		}
	}
	return out
}

// podLeftovers lists the shims and the pod volume mounts a node still has.
func podLeftovers(dataDir string) []string {
	var out []string
	for _, p := range nodeProcesses(dataDir) {
		if strings.Contains(p.cmdline, "containerd-shim") {
			out = append(out, fmt.Sprintf("pid %d: %s", p.pid, p.cmdline))
		}
	}
	for _, m := range mountsUnder(filepath.Join(dataDir, "pods")) {
		if m != filepath.Join(dataDir, "pods") {
			out = append(out, "mount "+m)
		}
	}
	return out
}

type process struct {
	pid     int
	cmdline string
}

// nodeProcesses finds the containerd and shims that run with the node's
// data dir in their command line.
func nodeProcesses(dataDir string) []process {
	entries, _ := os.ReadDir("/proc")
	var out []process
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil || pid == os.Getpid() {
			continue
		}
		raw, err := os.ReadFile(filepath.Join("/proc", e.Name(), "cmdline"))
		if err != nil || len(raw) == 0 {
			continue
		}
		cmdline := strings.ReplaceAll(strings.TrimRight(string(raw), "\x00"), "\x00", " ")
		if strings.Contains(cmdline, dataDir+"/") && strings.Contains(cmdline, "containerd") {
			out = append(out, process{pid: pid, cmdline: cmdline})
		}
	}
	return out
}

// killTree kills pid's children (a shim's are the containers' first
// processes, whose PID namespaces go with them) and then pid.
func killTree(pid int) {
	entries, _ := os.ReadDir("/proc")
	for _, e := range entries {
		child, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		if parentPID(child) == pid {
			_ = syscall.Kill(child, syscall.SIGKILL)
		}
	}
	_ = syscall.Kill(pid, syscall.SIGKILL)
}

func parentPID(pid int) int {
	stat, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return -1
	}
	// The fields after the command name (in parentheses) are state, ppid.
	i := bytes.LastIndexByte(stat, ')')
	if i < 0 {
		return -1
	}
	fields := strings.Fields(string(stat[i+1:]))
	if len(fields) < 2 {
		return -1
	}
	ppid, _ := strconv.Atoi(fields[1])
	return ppid
}

func randomSuffix(t testing.TB) string {
	b := make([]byte, 3)
	if _, err := rand.Read(b); err != nil {
		t.Fatal(err)
	}
	return hex.EncodeToString(b)
}

// nodeTest is one test of the shared node.
type nodeTest struct {
	name string
	run  func(t *testing.T, n *testNode)
}

// runConcurrently runs the tests as subtests of t, at most limit at a
// time. They wait mostly on the node (back-offs, probes, grace periods),
// so running them side by side keeps the suite short; go test's -parallel
// would hold them to GOMAXPROCS.
func runConcurrently(t *testing.T, n *testNode, limit int, tests []nodeTest) {
	sem := make(chan struct{}, limit)
	var wg sync.WaitGroup
	for _, tc := range tests {
		wg.Add(1)
		go func() {
			defer wg.Done()
			sem <- struct{}{}
			defer func() { <-sem }()
			t.Run(tc.name, func(t *testing.T) { tc.run(t, n) })
		}()
	}
	wg.Wait()
}

// poll calls check every interval until it returns "" or the timeout
// passes, then fails the test with check's last complaint. kubectl is a
// process per call, so node tests poll less often than eventually does.
func poll(t testing.TB, timeout time.Duration, check func() string) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		msg := check()
		if msg == "" {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("after %s: %s", timeout, msg)
		}
		<-time.After(400 * time.Millisecond)
	}
}

// openPTY opens a pseudo-terminal pair with a 24x80 window.
func openPTY() (master, slave *os.File, err error) {
	m, err := os.OpenFile("/dev/ptmx", os.O_RDWR|syscall.O_NOCTTY, 0)
	if err != nil {
		return nil, nil, fmt.Errorf("open /dev/ptmx: %w", err)
	}
	var unlock int32
	if err := ioctl(m.Fd(), syscall.TIOCSPTLCK, uintptr(unsafe.Pointer(&unlock))); err != nil {
		m.Close()
		return nil, nil, fmt.Errorf("unlock pty: %w", err)
	}
	var num uint32
	if err := ioctl(m.Fd(), syscall.TIOCGPTN, uintptr(unsafe.Pointer(&num))); err != nil {
		m.Close()
		return nil, nil, fmt.Errorf("pty number: %w", err)
	}
	s, err := os.OpenFile("/dev/pts/"+strconv.Itoa(int(num)), os.O_RDWR|syscall.O_NOCTTY, 0)
	if err != nil {
		m.Close()
		return nil, nil, fmt.Errorf("open pty: %w", err)
	}
	ws := [4]uint16{24, 80, 0, 0}
	if err := ioctl(s.Fd(), syscall.TIOCSWINSZ, uintptr(unsafe.Pointer(&ws))); err != nil {
		m.Close()
		s.Close()
		return nil, nil, fmt.Errorf("pty window size: %w", err)
	}
	return m, s, nil
}

func ioctl(fd, req, arg uintptr) error {
	if _, _, errno := syscall.Syscall(syscall.SYS_IOCTL, fd, req, arg); errno != 0 {
		return errno
	}
	return nil
}
