package kubelet

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"io"
	"log/slog"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/tools/clientcmd"
	criapi "k8s.io/cri-api/pkg/apis/runtime/v1"

	"github.com/skiff/skiff/internal/apiserver"
	"github.com/skiff/skiff/internal/kubelet/cni"
	"github.com/skiff/skiff/internal/kubelet/criconfig"
	"github.com/skiff/skiff/internal/kubelet/runtime"
	"github.com/skiff/skiff/internal/pki"
	"github.com/skiff/skiff/internal/registry/builtin"
	"github.com/skiff/skiff/internal/storage"
)

// requireNode skips (or, with SKIFF_REQUIRE_CONTAINERD=1 as in CI, fails)
// unless this machine can run real pods as root.
func requireNode(t *testing.T) {
	t.Helper()
	var missing []string
	for _, bin := range []string{"containerd", "containerd-shim-runc-v2", "ctr", "runc", "iptables"} {
		if _, err := exec.LookPath(bin); err != nil {
			missing = append(missing, bin)
		}
	}
	for _, f := range []string{"bridge", "host-local", "loopback", "portmap"} {
		if _, err := os.Stat(filepath.Join(runtime.DefaultCNIBinDir, f)); err != nil {
			missing = append(missing, f)
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
	msg := "needs containerd, runc, the CNI plugins and busybox-static, as root; missing: " + strings.Join(missing, ", ")
	if os.Getenv("SKIFF_REQUIRE_CONTAINERD") == "1" {
		t.Fatal(msg)
	}
	t.Skip(msg)
}

// startAPIServer runs skiff's API server in this process on embedded etcd
// and returns an admin client; it stops when ctx ends.
func startAPIServer(ctx context.Context, t *testing.T, dir string) kubernetes.Interface {
	t.Helper()
	bundle, err := pki.Ensure(filepath.Join(dir, "pki"), pki.Options{})
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	st, err := storage.OpenEmbedded(ctx, filepath.Join(dir, "etcd"))
	if err != nil {
		t.Fatal(err)
	}
	srv, err := apiserver.New(apiserver.Config{
		Backend: st, Resources: builtin.Resources(), ServiceCIDR: pki.DefaultServiceCIDR,
		TLS: bundle.ServerTLSConfig(), AdvertiseIP: "192.0.2.10", AdvertisePort: ln.Addr().(*net.TCPAddr).Port,
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil)),
	})
	if err != nil {
		t.Fatal(err)
	}
	stopped := make(chan struct{})
	go func() {
		defer close(stopped)
		if err := srv.Run(ctx, ln); err != nil {
			t.Logf("API server: %v", err)
		}
	}()
	t.Cleanup(func() {
		<-stopped
		st.Close()
	})
	certPEM, keyPEM := bundle.AdminCert()
	kubeconfig := filepath.Join(dir, "kubeconfig.yaml")
	if err := pki.WriteKubeconfig(kubeconfig, "https://"+ln.Addr().String(), bundle.CAPEM(), certPEM, keyPEM, "skiff", "admin"); err != nil {
		t.Fatal(err)
	}
	cfg, err := clientcmd.BuildConfigFromFlags("", kubeconfig)
	if err != nil {
		t.Fatal(err)
	}
	cfg.QPS, cfg.Burst = 1000, 1000
	client := kubernetes.NewForConfigOrDie(cfg)
	waitFor(ctx, t, "the API server to be ready", func() bool {
		_, err := client.Discovery().RESTClient().Get().AbsPath("/readyz").DoRaw(ctx)
		return err == nil
	})
	// Pods need their service account; no controller makes it here.
	sa := &corev1.ServiceAccount{ObjectMeta: metav1.ObjectMeta{Name: "default", Namespace: "default"}}
	if _, err := client.CoreV1().ServiceAccounts("default").Create(ctx, sa, metav1.CreateOptions{}); err != nil && !apierrors.IsAlreadyExists(err) {
		t.Fatal(err)
	}
	return client
}

// node is a private containerd with a CNI bridge of a random name and the
// busybox test image imported, cleaned up (bridge, ip_forward) at the end.
type testNode struct {
	ctd     *runtime.Containerd
	cri     *runtime.Client
	podCIDR string
}

const (
	nodeImage   = "docker.io/library/busybox:1.36"
	nodePodCIDR = "10.199.78.0/24"
)

func startNode(ctx context.Context, t *testing.T, dir string) *testNode {
	t.Helper()
	fwd, err := os.ReadFile("/proc/sys/net/ipv4/ip_forward")
	if err != nil {
		t.Fatal(err)
	}
	netnsBefore := listNetns()
	bridge := "skk" + randomHex(t, 3)
	t.Cleanup(func() { restoreHost(t, strings.TrimSpace(string(fwd)), bridge, netnsBefore) })

	confDir := filepath.Join(dir, "net.d")
	if _, err := cni.Write(confDir, cni.Config{PodCIDRs: []string{nodePodCIDR}, Name: "skiff-kubelet-test", Bridge: bridge,
		IPAMDataDir: filepath.Join(dir, "ipam")}); err != nil {
		t.Fatal(err)
	}
	runCtx, stop := context.WithCancel(ctx)
	ctdDir := filepath.Join(dir, "ctd")
	ctd, err := runtime.StartContainerd(runCtx, runtime.Config{DataDir: ctdDir, SandboxImage: nodeImage, CNIConfDir: confDir,
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		stop()
		t.Fatal(err)
	}
	t.Cleanup(func() {
		stop()
		if err := ctd.Wait(); err != nil {
			t.Errorf("stopping containerd: %v", err)
		}
	})
	tarball := filepath.Join(dir, "busybox.tar")
	f, err := os.Create(tarball)
	if err != nil {
		t.Fatal(err)
	}
	img := runtime.BusyboxImage{Ref: nodeImage, Busybox: "/bin/busybox", Cmd: []string{"sleep", "infinity"}}
	if err := img.WriteOCIArchive(f); err != nil {
		t.Fatal(err)
	}
	f.Close()
	if err := ctd.ImportImage(ctx, tarball); err != nil {
		t.Fatal(err)
	}
	cri, err := runtime.Dial(ctd.Endpoint())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cri.Close() })
	waitFor(ctx, t, "the CRI plugin to see the image", func() bool {
		i, err := cri.ImageStatus(ctx, nodeImage)
		return err == nil && i != nil
	})
	// Whatever a failed test left, the runtime ends empty: sandboxes are
	// stopped (their network namespaces go) before containerd stops.
	t.Cleanup(func() {
		cctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		sbs, _ := cri.ListPodSandbox(cctx, nil)
		for _, sb := range sbs {
			_ = cri.StopPodSandbox(cctx, sb.Id)
			_ = cri.RemovePodSandbox(cctx, sb.Id)
		}
	})
	return &testNode{ctd: ctd, cri: cri, podCIDR: nodePodCIDR}
}

func listNetns() []string {
	entries, _ := os.ReadDir("/var/run/netns")
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	return names
}

// restoreHost deletes the test's bridge, puts ip_forward back and reports
// leaked network namespaces.
func restoreHost(t *testing.T, ipForward, bridge string, netnsBefore []string) {
	if _, err := os.Stat("/sys/class/net/" + bridge); err == nil {
		if out, err := exec.Command("/bin/busybox", "ip", "link", "del", bridge).CombinedOutput(); err != nil {
			t.Errorf("delete bridge %s: %v: %s", bridge, err, out)
		}
	}
	if now, _ := os.ReadFile("/proc/sys/net/ipv4/ip_forward"); strings.TrimSpace(string(now)) != ipForward {
		if err := os.WriteFile("/proc/sys/net/ipv4/ip_forward", []byte(ipForward), 0o644); err != nil {
			t.Errorf("restore ip_forward: %v", err)
		}
	}
	for _, ns := range listNetns() {
		if !slices.Contains(netnsBefore, ns) {
			t.Errorf("network namespace %s leaked", ns)
		}
	}
}

func randomHex(t *testing.T, n int) string {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		t.Fatal(err)
	}
	return hex.EncodeToString(b)
}

// waitFor polls cond every 10ms until it holds or ctx ends.
func waitFor(ctx context.Context, t *testing.T, what string, cond func() bool) {
	t.Helper()
	tick := time.NewTicker(10 * time.Millisecond)
	defer tick.Stop()
	for !cond() {
		select {
		case <-ctx.Done():
			t.Fatalf("timed out waiting for %s", what)
		case <-tick.C:
		}
	}
}

// criConfigs is PodConfigs on package criconfig, as the agent wires it.
type criConfigs struct{ client kubernetes.Interface }

func (c criConfigs) Sandbox(pod *corev1.Pod, o SandboxOptions) (*criapi.PodSandboxConfig, error) {
	return criconfig.Sandbox(pod, criconfig.SandboxOptions{LogDirectory: o.LogDirectory, Hostname: o.Hostname, PodCIDRs: o.PodCIDRs})
}

func (c criConfigs) Container(pod *corev1.Pod, ctr *corev1.Container, o ContainerOptions) (*criapi.ContainerConfig, error) {
	mounts := map[string]criconfig.Mount{}
	for name, m := range o.Volumes {
		mounts[name] = criconfig.Mount{HostPath: m.HostPath, ReadOnly: m.ReadOnly}
	}
	return criconfig.Container(pod, ctr, criconfig.ContainerOptions{Volumes: mounts, Env: o.Env, RestartCount: o.RestartCount,
		LogPath: o.LogPath, TerminationLogPath: o.TerminationLogPath, EtcHostsPath: o.EtcHostsPath, Image: o.Image})
}

func (c criConfigs) ResolveEnv(ctx context.Context, pod *corev1.Pod, ctr *corev1.Container, nodeIP string, podIPs []string) ([]corev1.EnvVar, error) {
	return criconfig.ResolveEnv(ctx, nil, pod, ctr, nodeIP, podIPs)
}

func (c criConfigs) QOSClass(pod *corev1.Pod) corev1.PodQOSClass { return criconfig.QOSClass(pod) }
