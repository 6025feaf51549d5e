package server

import (
	"bufio"
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"k8s.io/apimachinery/pkg/util/httpstream"
	clientremotecommand "k8s.io/client-go/tools/remotecommand"
	utilexec "k8s.io/client-go/util/exec"
	criapi "k8s.io/cri-api/pkg/apis/runtime/v1"

	"github.com/skiff/skiff/internal/kubelet/cni"
	"github.com/skiff/skiff/internal/kubelet/runtime"
)

const itImage = "skiff.local/busybox:server-test"

// TestWithContainerd serves one real pod on a private containerd (as the
// runtime package's integration test starts it): exec over WebSocket v5
// and SPDY with exit codes, stdin and a resized TTY, attach, logs with
// tail, timestamps and follow, and port-forward to busybox httpd over SPDY
// and kubectl's WebSocket tunnel.
func TestWithContainerd(t *testing.T) {
	requireNode(t)
	bridge := "sks" + randomHex(t, 3)
	ipForward := readFile(t, "/proc/sys/net/ipv4/ip_forward")
	t.Cleanup(func() { restoreHost(t, bridge, ipForward) })
	dir := t.TempDir()
	b := make([]byte, 1)
	_, _ = rand.Read(b)
	podCIDR := fmt.Sprintf("10.198.%d.0/24", 100+int(b[0])%150)
	confDir := filepath.Join(dir, "net.d")
	if _, err := cni.Write(confDir, cni.Config{PodCIDRs: []string{podCIDR}, Name: "skiff-server-test", Bridge: bridge, IPAMDataDir: filepath.Join(dir, "ipam")}); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	// containerd outlives the test function: the cleanups registered after
	// this one (pod removal) run before it.
	runCtx, stop := context.WithCancel(context.Background())
	ctd, err := runtime.StartContainerd(runCtx, runtime.Config{DataDir: filepath.Join(dir, "ctd"), SandboxImage: itImage, CNIConfDir: confDir, Logger: testLogger(t)})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		stop()
		if err := ctd.Wait(); err != nil {
			t.Errorf("stop containerd: %v", err)
		}
	})
	importImage(ctx, t, ctd, dir)
	rt, err := runtime.Dial(ctd.Endpoint())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { rt.Close() })

	p := startPod(ctx, t, rt, filepath.Join(dir, "logs"))
	ts := startServer(t, p, rt)
	waitFor(ctx, t, "httpd in the pod", func() bool {
		r, err := rt.ExecSync(ctx, p.ctr, []string{"wget", "-q", "-O-", "http://127.0.0.1:8080/"}, 5*time.Second)
		return err == nil && r.ExitCode == 0
	})

	t.Run("exec", func(t *testing.T) { checkExec(ctx, t, ts) })
	t.Run("attach", func(t *testing.T) { checkAttach(ctx, t, ts) })
	t.Run("port-forward", func(t *testing.T) { checkPortForward(t, ts) })
	t.Run("logs", func(t *testing.T) { checkLogs(ctx, t, ts, rt, p) }) // last: it stops the container
}

func checkExec(ctx context.Context, t *testing.T, ts *testServer) {
	for _, name := range []string{"websocket v5", "spdy"} {
		newExecutor := executors[name]
		for _, tc := range []struct {
			name   string
			query  string
			stdin  string
			tty    bool
			stdout string
			code   int
		}{
			{name: "echo", query: "command=echo&command=hi&output=1&error=1", stdout: "hi\n"},
			{name: "exit code", query: "command=sh&command=-c&command=exit+3&output=1&error=1", code: 3},
			{name: "stdin", query: "command=cat&input=1&output=1&error=1", stdin: "to cat\n", stdout: "to cat\n"},
			// The resize may reach the TTY after the command starts: it looks
			// a few times.
			{name: "tty resize", tty: true, stdout: "40 120\r\n", query: "command=sh&command=-c&command=" + url.QueryEscape(
				`for i in 1 2 3 4 5 6 7 8 9 10; do s=$(stty size 2>&1); [ "$s" = "40 120" ] && break; sleep 0.2; done; echo "$s"`) + "&output=1&tty=1"},
		} {
			t.Run(name+"/"+tc.name, func(t *testing.T) {
				u, _ := url.Parse(ts.url + "/exec/ns/web/main?" + tc.query)
				var stdout, stderr bytes.Buffer
				opts := clientremotecommand.StreamOptions{Stdout: &stdout, Tty: tc.tty}
				if !tc.tty {
					opts.Stderr = &stderr
				}
				if tc.stdin != "" {
					opts.Stdin = strings.NewReader(tc.stdin)
				}
				if tc.tty {
					q := make(sizes, 1)
					q <- clientremotecommand.TerminalSize{Width: 120, Height: 40}
					defer close(q)
					opts.TerminalSizeQueue = q
				}
				ctx, cancel := context.WithTimeout(ctx, 20*time.Second)
				defer cancel()
				err := newExecutor(t, ts, u).StreamWithContext(ctx, opts)
				var exitErr utilexec.CodeExitError
				switch {
				case tc.code != 0 && (!errors.As(err, &exitErr) || exitErr.Code != tc.code):
					t.Errorf("error %v, want exit code %d", err, tc.code)
				case tc.code == 0 && err != nil:
					t.Errorf("error %v", err)
				}
				if stdout.String() != tc.stdout {
					t.Errorf("stdout %q (stderr %q), want %q", stdout.String(), stderr.String(), tc.stdout)
				}
			})
		}
	}
}

// checkAttach attaches to the pod's second container, a shell loop reading
// its stdin, sends it a line over WebSocket v5 and waits for the answer.
func checkAttach(ctx context.Context, t *testing.T, ts *testServer) {
	u, _ := url.Parse(ts.url + "/attach/ns/web/echo?input=1&output=1&error=1")
	ctx, cancel := context.WithTimeout(ctx, 20*time.Second)
	defer cancel()
	out := &watchWriter{want: "got ping", seen: cancel}
	stdin, w := io.Pipe()
	defer w.Close()
	go func() { _, _ = io.WriteString(w, "ping\n") }()
	err := executors["websocket v5"](t, ts, u).StreamWithContext(ctx, clientremotecommand.StreamOptions{Stdin: stdin, Stdout: out, Stderr: io.Discard})
	if !out.found() {
		t.Errorf("attach: output %q, %v; want %q", out.String(), err, "got ping")
	}
}

// watchWriter collects output and calls seen once want appears in it.
type watchWriter struct {
	mu   sync.Mutex
	buf  bytes.Buffer
	want string
	seen func()
	hit  bool
}

func (w *watchWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	n, err := w.buf.Write(p)
	if !w.hit && strings.Contains(w.buf.String(), w.want) {
		w.hit = true
		w.seen()
	}
	return n, err
}

func (w *watchWriter) String() string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.buf.String()
}

func (w *watchWriter) found() bool {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.hit
}

func checkPortForward(t *testing.T, ts *testServer) {
	u, _ := url.Parse(ts.url + "/portForward/ns/web")
	for _, tc := range []struct {
		name   string
		dialer func(*testing.T, *testServer, *url.URL) httpstream.Dialer
	}{
		{"spdy", spdyDialer},
		{"websocket tunnel", tunnelDialer},
	} {
		t.Run(tc.name, func(t *testing.T) {
			port := forward(t, tc.dialer(t, ts, u), 8080)
			c := &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{Proxy: nil, DisableKeepAlives: true}}
			for range 2 {
				resp, err := c.Get(fmt.Sprintf("http://127.0.0.1:%d/", port))
				if err != nil {
					t.Fatal(err)
				}
				body, _ := io.ReadAll(resp.Body)
				resp.Body.Close()
				if resp.StatusCode != 200 || string(body) != "hello from the pod\n" {
					t.Errorf("GET through port-forward = %d %q", resp.StatusCode, body)
				}
			}
		})
	}
}

func checkLogs(ctx context.Context, t *testing.T, ts *testServer, rt *runtime.Client, p *itPod) {
	c := ts.client(t, APIServerUser)
	base := ts.url + "/containerLogs/ns/web/main"
	if code, body := get(t, c, base+"?tailLines=2"); code != 200 || body != "two\nthree\n" {
		t.Errorf("tailLines=2: %d %q", code, body)
	}
	_, body := get(t, c, base+"?timestamps=true&tailLines=1")
	stamp, text, _ := strings.Cut(body, " ")
	if _, err := time.Parse(time.RFC3339Nano, stamp); err != nil || text != "three\n" {
		t.Errorf("timestamps: %q (%v)", body, err)
	}

	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, "GET", base+"?follow=true", nil)
	resp, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	lines := bufio.NewScanner(resp.Body)
	for _, want := range []string{"one", "two", "three"} {
		if !lines.Scan() || lines.Text() != want {
			t.Fatalf("followed line %q (%v), want %q", lines.Text(), lines.Err(), want)
		}
	}
	// Output written now, to the main process's stdout (the pod's PID
	// namespace is the sandbox's), arrives.
	if r, err := rt.ExecSync(ctx, p.ctr, []string{"sh", "-c", "echo four > /proc/$(cat /main.pid)/fd/1"}, 10*time.Second); err != nil || r.ExitCode != 0 {
		t.Fatalf("write to the container's stdout: %v %v", r, err)
	}
	if !lines.Scan() || lines.Text() != "four" {
		t.Fatalf("followed line %q (%v), want four", lines.Text(), lines.Err())
	}
	// Once the container stops, the stream ends.
	if err := rt.StopContainer(ctx, p.ctr, 0); err != nil {
		t.Fatal(err)
	}
	for lines.Scan() {
		t.Errorf("line after the container stopped: %q", lines.Text())
	}
	if err := lines.Err(); err != nil {
		t.Errorf("follow did not end cleanly: %v", err)
	}
}

// itPod is a running pod with two containers, and the Pods the server asks.
type itPod struct {
	rt                *runtime.Client
	sandbox, ctr, ech string
	logDir            string
}

func startPod(ctx context.Context, t *testing.T, rt *runtime.Client, logRoot string) *itPod {
	t.Helper()
	sb := &criapi.PodSandboxConfig{
		Metadata:     &criapi.PodSandboxMetadata{Name: "web", Uid: "uid-web", Namespace: "ns"},
		Hostname:     "web",
		LogDirectory: filepath.Join(logRoot, "ns_web_uid-web"),
		Linux: &criapi.LinuxPodSandboxConfig{SecurityContext: &criapi.LinuxSandboxSecurityContext{
			NamespaceOptions: &criapi.NamespaceOption{Network: criapi.NamespaceMode_POD, Pid: criapi.NamespaceMode_CONTAINER, Ipc: criapi.NamespaceMode_POD},
		}},
	}
	if err := os.MkdirAll(sb.LogDirectory, 0o755); err != nil {
		t.Fatal(err)
	}
	id, err := rt.RunPodSandbox(ctx, sb, "")
	if err != nil {
		t.Fatal(err)
	}
	p := &itPod{rt: rt, sandbox: id, logDir: sb.LogDirectory}
	t.Cleanup(func() { p.remove(t) })
	start := func(name string, stdin bool, cmd ...string) string {
		cfg := &criapi.ContainerConfig{
			Metadata: &criapi.ContainerMetadata{Name: name},
			Image:    &criapi.ImageSpec{Image: itImage},
			Command:  cmd,
			LogPath:  name + "/0.log",
			Stdin:    stdin,
			Linux:    &criapi.LinuxContainerConfig{},
		}
		cid, err := rt.CreateContainer(ctx, id, cfg, sb)
		if err != nil {
			t.Fatal(err)
		}
		if err := rt.StartContainer(ctx, cid); err != nil {
			t.Fatal(err)
		}
		return cid
	}
	p.ctr = start("main", false, "sh", "-c",
		"echo $$ > /main.pid; echo one; echo two; echo three; mkdir /www; echo hello from the pod > /www/index.html; httpd -f -p 8080 -h /www & wait")
	p.ech = start("echo", true, "sh", "-c", `while read l; do echo "got $l"; done`)
	return p
}

func (p *itPod) Container(ctx context.Context, ns, pod, name string, previous bool) (ContainerInfo, error) {
	ids := map[string]string{"main": p.ctr, "echo": p.ech}
	id, ok := ids[name]
	if ns != "ns" || pod != "web" || !ok {
		return ContainerInfo{}, fmt.Errorf("container %q not found in pod %q: %w", name, pod, ErrNotFound)
	}
	if previous {
		return ContainerInfo{}, nil
	}
	st, err := p.rt.ContainerStatus(ctx, id)
	if err != nil {
		return ContainerInfo{}, err
	}
	return ContainerInfo{ID: id, LogPath: filepath.Join(p.logDir, name, "0.log"), Running: st.GetState() == criapi.ContainerState_CONTAINER_RUNNING}, nil
}

func (p *itPod) Sandbox(_ context.Context, ns, pod string) (string, error) {
	if ns != "ns" || pod != "web" {
		return "", fmt.Errorf("pod %q does not exist: %w", pod, ErrNotFound)
	}
	return p.sandbox, nil
}

func (p *itPod) remove(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	for _, id := range []string{p.ctr, p.ech} {
		if id == "" {
			continue
		}
		if err := p.rt.RemoveContainer(ctx, id); err != nil {
			t.Error(err)
		}
	}
	if err := p.rt.StopPodSandbox(ctx, p.sandbox); err != nil {
		t.Error(err)
	}
	if err := p.rt.RemovePodSandbox(ctx, p.sandbox); err != nil {
		t.Error(err)
	}
}

// requireNode skips (or, with SKIFF_REQUIRE_CONTAINERD=1 as in CI, fails)
// unless this machine can run real pods.
func requireNode(t *testing.T) {
	t.Helper()
	var missing []string
	for _, bin := range []string{"containerd", "containerd-shim-runc-v2", "ctr", "runc", "iptables"} {
		if _, err := exec.LookPath(bin); err != nil {
			missing = append(missing, bin)
		}
	}
	for _, f := range []string{filepath.Join(runtime.DefaultCNIBinDir, "bridge"), filepath.Join(runtime.DefaultCNIBinDir, "host-local"), "/bin/busybox"} {
		if _, err := os.Stat(f); err != nil {
			missing = append(missing, f)
		}
	}
	if os.Geteuid() != 0 {
		missing = append(missing, "root")
	}
	if len(missing) == 0 {
		return
	}
	msg := "needs containerd, runc, the CNI plugins and busybox-static, as root; missing: " + strings.Join(missing, ", ")
	if os.Getenv("SKIFF_REQUIRE_CONTAINERD") == "1" {
		t.Fatal(msg)
	}
	t.Skip(msg)
}

// restoreHost deletes the test's bridge and puts ip_forward back (the
// bridge plugin turns it on).
func restoreHost(t *testing.T, bridge, ipForward string) {
	if _, err := os.Stat("/sys/class/net/" + bridge); err == nil {
		if out, err := exec.Command("/bin/busybox", "ip", "link", "del", bridge).CombinedOutput(); err != nil {
			t.Errorf("delete bridge %s: %v: %s", bridge, err, out)
		}
	}
	if now := readFile(t, "/proc/sys/net/ipv4/ip_forward"); now != ipForward {
		if err := os.WriteFile("/proc/sys/net/ipv4/ip_forward", []byte(ipForward), 0o644); err != nil {
			t.Errorf("restore ip_forward: %v", err)
		}
	}
}

func importImage(ctx context.Context, t *testing.T, ctd *runtime.Containerd, dir string) {
	t.Helper()
	tarball := filepath.Join(dir, "busybox.tar")
	f, err := os.Create(tarball)
	if err != nil {
		t.Fatal(err)
	}
	img := runtime.BusyboxImage{Ref: itImage, Busybox: "/bin/busybox", Cmd: []string{"sleep", "infinity"}}
	if err := img.WriteOCIArchive(f); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	if err := ctd.ImportImage(ctx, tarball); err != nil {
		t.Fatal(err)
	}
}

func readFile(t *testing.T, path string) string {
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return strings.TrimSpace(string(b))
}

func randomHex(t *testing.T, n int) string {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		t.Fatal(err)
	}
	return hex.EncodeToString(b)
}

// waitFor polls cond until it holds or ctx ends.
func waitFor(ctx context.Context, t *testing.T, what string, cond func() bool) {
	t.Helper()
	tick := time.NewTicker(50 * time.Millisecond)
	defer tick.Stop()
	for !cond() {
		select {
		case <-ctx.Done():
			t.Fatalf("timed out waiting for %s", what)
		case <-tick.C:
		}
	}
}
