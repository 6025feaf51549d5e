package runtime

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/skiff/skiff/internal/kubelet/cni"
	criapi "k8s.io/cri-api/pkg/apis/runtime/v1"
)

const (
	testImage   = "skiff.local/busybox:test"
	testPodCIDR = "10.199.77.0/24"
	latencyRuns = 10
)

// TestContainerdRunsPods drives a real containerd through CRI: start it
// under a temp dir, import a busybox image built here, run pods with CNI
// networking, read logs, exec, restart containerd after a crash, and check
// that the registry mirror is asked for images. The sandbox image is the
// same busybox image running `sleep infinity` (what a pause image does).
func TestContainerdRunsPods(t *testing.T) {
	requireNode(t)
	before := readHostState(t)
	bridge := "skt" + randomHex(t, 3)
	t.Cleanup(func() { restoreHost(t, before, bridge) })
	dir := t.TempDir()
	mirror := newMirrorRecorder(t)

	confDir := filepath.Join(dir, "net.d")
	if _, err := cni.Write(confDir, cni.Config{PodCIDRs: []string{testPodCIDR}, Name: "skiff-test", Bridge: bridge, IPAMDataDir: filepath.Join(dir, "ipam")}); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	runCtx, stop := context.WithCancel(ctx)
	ctdDir := filepath.Join(dir, "ctd")
	ctd, err := StartContainerd(runCtx, Config{DataDir: ctdDir, SandboxImage: testImage, CNIConfDir: confDir, MirrorURL: mirror.URL, Logger: testLogger(t)})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { stop(); stopped(t, ctd, ctdDir) })
	checkShared(t, ctdDir)

	importTestImage(ctx, t, ctd, dir)
	c, err := Dial(ctd.Endpoint())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	waitFor(ctx, t, "the CRI plugin to see the imported image", func() bool {
		img, err := c.ImageStatus(ctx, testImage)
		return err == nil && img != nil
	})

	t.Run("pod", func(t *testing.T) { checkPod(ctx, t, c, dir) })
	t.Run("latency", func(t *testing.T) { measureLatency(ctx, t, c, dir) })
	t.Run("mirror", func(t *testing.T) { checkMirror(ctx, t, c, mirror) })
	t.Run("restart", func(t *testing.T) { checkRestart(ctx, t, ctd) })
	t.Run("images", func(t *testing.T) { checkImages(ctx, t, c) })
}

func checkPod(ctx context.Context, t *testing.T, c *Client, dir string) {
	p := runPod(ctx, t, c, filepath.Join(dir, "logs"), testImage, 0, []string{"sh", "-c", "echo hello; sleep 30"})
	defer p.remove(ctx, t, c)
	waitFor(ctx, t, "hello in the container log", func() bool { return fileContains(p.logPath(), " stdout F hello") })

	st, err := c.PodSandboxStatus(ctx, p.sandboxID)
	if err != nil {
		t.Fatal(err)
	}
	ip, err := netip.ParseAddr(st.GetNetwork().GetIp())
	if err != nil || !netip.MustParsePrefix(testPodCIDR).Contains(ip) {
		t.Errorf("pod IP %q is not in the node's podCIDR %s", st.GetNetwork().GetIp(), testPodCIDR)
	}
	r, err := c.ExecSync(ctx, p.containerID, []string{"echo", "hi"}, 10*time.Second)
	if err != nil || r.ExitCode != 0 || string(r.Stdout) != "hi\n" {
		t.Errorf("exec echo hi = %+v, %v", r, err)
	}
	// The CRI plugin brings up lo itself; eth0 comes from the bridge plugin.
	r, err = c.ExecSync(ctx, p.containerID, []string{"ip", "-o", "addr"}, 10*time.Second)
	if err != nil || !strings.Contains(string(r.Stdout), "lo    inet 127.0.0.1") || !strings.Contains(string(r.Stdout), ip.String()) {
		t.Errorf("pod addresses lack 127.0.0.1 on lo or %s:\n%s (%v)", ip, r.GetStdout(), err)
	}
	cs, err := c.ContainerStatus(ctx, p.containerID)
	if err != nil || cs.GetState() != criapi.ContainerState_CONTAINER_RUNNING {
		t.Errorf("container status = %v, %v", cs.GetState(), err)
	}
	ctrs, err := c.ListContainers(ctx, &criapi.ContainerFilter{PodSandboxId: p.sandboxID})
	if err != nil || len(ctrs) != 1 || ctrs[0].Id != p.containerID {
		t.Errorf("containers of the sandbox = %v, %v; want just %s", ctrs, err, p.containerID)
	}
}

// checkImages lists the imported image, removes it and sees it gone.
func checkImages(ctx context.Context, t *testing.T, c *Client) {
	imgs, err := c.ListImages(ctx, nil)
	if err != nil || !slices.ContainsFunc(imgs, func(i *criapi.Image) bool { return slices.Contains(i.RepoTags, testImage) }) {
		t.Fatalf("ListImages = %v, %v; want %s among them", imgs, err, testImage)
	}
	if err := c.RemoveImage(ctx, testImage); err != nil {
		t.Fatal(err)
	}
	if img, err := c.ImageStatus(ctx, testImage); err != nil || img != nil {
		t.Errorf("after RemoveImage, ImageStatus = %v, %v; want nil", img, err)
	}
}

// measureLatency times sandbox and container start (image present) over
// several pods, one at a time, and reports the medians.
func measureLatency(ctx context.Context, t *testing.T, c *Client, dir string) {
	var sandbox, ctr, total []time.Duration
	for i := 1; i <= latencyRuns; i++ {
		p := runPod(ctx, t, c, filepath.Join(dir, "logs"), testImage, i, []string{"sleep", "30"})
		sandbox, ctr, total = append(sandbox, p.sandboxTook), append(ctr, p.ctrTook), append(total, p.sandboxTook+p.ctrTook)
		p.remove(ctx, t, c)
	}
	t.Logf("start latency over %d pods, p50: sandbox %v, container create+start %v, total %v (max total %v)",
		latencyRuns, median(sandbox), median(ctr), median(total), slices.Max(total))
	sandboxes, err := c.ListPodSandbox(ctx, nil)
	if err != nil || len(sandboxes) != 0 {
		t.Errorf("after removal %d sandboxes remain (%v)", len(sandboxes), err)
	}
}

// checkMirror pulls an image that exists nowhere and checks the mirror was
// asked for it, with the original registry named in ns.
func checkMirror(ctx context.Context, t *testing.T, c *Client, m *mirrorRecorder) {
	pullCtx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	if _, err := c.PullImage(pullCtx, "docker.io/library/nothing-here:1", nil, nil); err == nil {
		t.Fatal("pulling an image nobody has succeeded")
	}
	want := "/v2/library/nothing-here/manifests/1?ns=docker.io"
	if got := m.requests(); !slices.Contains(got, want) {
		t.Errorf("mirror saw %v, want a request for %s", got, want)
	}
}

// checkRestart kills containerd and waits for the supervisor to bring it back.
func checkRestart(ctx context.Context, t *testing.T, ctd *Containerd) {
	old := readPID(t, ctd.l.PIDFile)
	if !isOurContainerd(old, ctd.l.Config) {
		t.Fatalf("pid %d from the pid file is not our containerd", old)
	}
	if err := syscall.Kill(old, syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	waitFor(ctx, t, "containerd to be restarted", func() bool {
		pid := readPID(t, ctd.l.PIDFile)
		return pid != old && isOurContainerd(pid, ctd.l.Config) && tryVersion(ctx, ctd.Socket()) == nil
	})
	t.Logf("containerd answered again %v after SIGKILL", time.Since(start).Round(time.Millisecond))
}

func importTestImage(ctx context.Context, t *testing.T, ctd *Containerd, dir string) {
	tarball := filepath.Join(dir, "busybox.tar")
	f, err := os.Create(tarball)
	if err != nil {
		t.Fatal(err)
	}
	img := BusyboxImage{Ref: testImage, Busybox: "/bin/busybox", Cmd: []string{"sleep", "infinity"}}
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

// checkShared asserts the data dir is an rshared mount point while containerd runs.
func checkShared(t *testing.T, dir string) {
	mounts, err := readMountInfo()
	if err != nil {
		t.Fatal(err)
	}
	if planShare(mounts, dir) != shareNothing {
		t.Errorf("%s is not an rshared mount point while containerd runs", dir)
	}
}

// stopped waits for containerd to stop and checks it left no bind mount.
func stopped(t *testing.T, ctd *Containerd, dir string) {
	if err := ctd.Wait(); err != nil {
		t.Errorf("stopping containerd: %v", err)
	}
	mounts, err := readMountInfo()
	if err != nil {
		t.Fatal(err)
	}
	if planShare(mounts, dir) != shareBind || mountsBelow(mounts, dir) != 0 {
		t.Errorf("mounts remain at or below %s after containerd stopped", dir)
	}
	if _, err := os.Stat(ctd.l.PIDFile); err == nil {
		t.Error("pid file left behind")
	}
}

func readPID(t *testing.T, path string) int {
	b, err := os.ReadFile(path)
	if err != nil {
		return 0
	}
	pid, _ := strconv.Atoi(strings.TrimSpace(string(b)))
	return pid
}

func median(d []time.Duration) time.Duration {
	s := slices.Clone(d)
	slices.Sort(s)
	return s[len(s)/2].Round(100 * time.Microsecond)
}

func randomHex(t *testing.T, n int) string {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		t.Fatal(err)
	}
	return hex.EncodeToString(b)
}

func testLogger(t *testing.T) *slog.Logger {
	return slog.New(slog.NewTextHandler(testWriter{t}, &slog.HandlerOptions{Level: slog.LevelInfo}))
}

type testWriter struct{ t *testing.T }

func (w testWriter) Write(p []byte) (int, error) {
	w.t.Log(strings.TrimSpace(string(p)))
	return len(p), nil
}

// mirrorRecorder is a registry that has nothing and remembers what it was asked.
type mirrorRecorder struct {
	*httptest.Server
	mu   sync.Mutex
	seen []string
}

func newMirrorRecorder(t *testing.T) *mirrorRecorder {
	m := &mirrorRecorder{}
	m.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		m.mu.Lock()
		m.seen = append(m.seen, r.URL.RequestURI())
		m.mu.Unlock()
		http.NotFound(w, r)
	}))
	t.Cleanup(m.Close)
	return m
}

func (m *mirrorRecorder) requests() []string {
	m.mu.Lock()
	defer m.mu.Unlock()
	return slices.Clone(m.seen)
}
