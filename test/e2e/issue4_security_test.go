package e2e

import (
	"bufio"
	"os"
	"regexp"
	"strings"
	"testing"
	"time"
)

// testSecurityContext: users and groups, a read-only root, capabilities,
// privileged, no privilege escalation, and runAsNonRoot refusing an image
// that runs as root.
func testSecurityContext(t *testing.T, n *testNode) {
	k, _ := n.namespace(t)
	c := func(name, securityContext string) string {
		s := sleeper(name)
		if securityContext != "" {
			s += "\n    securityContext: " + securityContext
		}
		return s
	}
	k.stdin(yamlDocs(podYAML("sec", "Always", `  terminationGracePeriodSeconds: 2
  containers:
`+c("plain", "")+"\n"+
		c("ro", "{readOnlyRootFilesystem: true}")+"\n    volumeMounts: [{name: scratch, mountPath: /scratch}]\n"+
		c("caps", "{capabilities: {drop: [ALL], add: [NET_BIND_SERVICE]}}")+"\n"+
		c("priv", "{privileged: true}")+"\n"+
		c("nnp", "{allowPrivilegeEscalation: false}")+`
  volumes: [{name: scratch, emptyDir: {}}]`),

		podYAML("ids", "Always", `  terminationGracePeriodSeconds: 2
  securityContext: {runAsUser: 1000, runAsGroup: 2000, fsGroup: 3000, supplementalGroups: [4000], runAsNonRoot: true}
  containers:
`+c("pod-level", "")+"\n"+c("override", "{runAsUser: 1001}")),

		podYAML("nonroot", "Always", `  terminationGracePeriodSeconds: 2
  containers:
`+c("c", "{runAsNonRoot: true}")))).ok("apply", "-f", "-")
	k.ok("wait", "--for=condition=Ready", "pod/sec", "pod/ids", "--timeout=60s")
	exec := func(pod, container string, cmd ...string) string {
		return k.ok(append([]string{"exec", pod, "-c", container, "--"}, cmd...)...)
	}

	wantEqual(t, "ids: id -u, -g, -G", exec("ids", "pod-level", "sh", "-c", "id -u; id -g; id -G"), "1000\n2000\n2000 3000 4000")
	wantEqual(t, "ids: container runAsUser overrides the pod's", exec("ids", "override", "id", "-u"), "1001")
	wantEqual(t, "plain: id -u", exec("sec", "plain", "id", "-u"), "0")

	r := k.run("exec", "sec", "-c", "ro", "--", "touch", "/rootfs-file")
	if r.code == 0 || !strings.Contains(r.stderr, "Read-only file system") {
		t.Errorf("touch on a read-only root: exit %d, %s%s", r.code, r.stdout, r.stderr)
	}
	wantEqual(t, "ro: emptyDir still writable", exec("sec", "ro", "sh", "-c", "echo ok > /scratch/f && cat /scratch/f"), "ok")

	status := func(container, field string) string {
		out := exec("sec", container, "grep", field+":", "/proc/1/status")
		return strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(out), field+":"))
	}
	// containerd's default set: CHOWN DAC_OVERRIDE FSETID FOWNER MKNOD
	// NET_RAW SETGID SETUID SETFCAP SETPCAP NET_BIND_SERVICE SYS_CHROOT
	// KILL AUDIT_WRITE.
	wantEqual(t, "plain: CapEff", status("plain", "CapEff"), "00000000a80425fb")
	wantEqual(t, "caps (drop ALL, add NET_BIND_SERVICE): CapEff", status("caps", "CapEff"), "0000000000000400")
	wantEqual(t, "privileged: CapEff is the host's bounding set", status("priv", "CapEff"), hostCapBnd(t))
	wantEqual(t, "nnp: NoNewPrivs", status("nnp", "NoNewPrivs"), "1")
	wantEqual(t, "plain: NoNewPrivs", status("plain", "NoNewPrivs"), "0")

	row := regexp.MustCompile(`(?m)^nonroot\s+0/1\s+CreateContainerConfigError\s+0\b`)
	poll(t, 30*time.Second, func() string {
		if out := k.ok("get", "pod", "nonroot"); !row.MatchString(out) {
			return "get pod shows no CreateContainerConfigError for runAsNonRoot with a root image:\n" + out
		}
		return ""
	})
	wantAll(t, "describe pod nonroot", k.ok("describe", "pod", "nonroot"), "container has runAsNonRoot and image will run as root")
}

// testResources: requests and limits become cgroup settings the container
// sees, and the pod's QoS class follows them.
func testResources(t *testing.T, n *testNode) {
	k, _ := n.namespace(t)
	k.stdin(yamlDocs(podYAML("burstable", "Always", `  terminationGracePeriodSeconds: 2
  containers:
`+sleeper("c")+`
    resources: {requests: {cpu: 100m, memory: 32Mi}, limits: {cpu: 500m, memory: 64Mi}}`),

		podYAML("guaranteed", "Always", `  terminationGracePeriodSeconds: 2
  containers:
`+sleeper("c")+`
    resources: {limits: {cpu: 250m, memory: 48Mi}}`))).ok("apply", "-f", "-")
	k.ok("wait", "--for=condition=Ready", "pod/burstable", "pod/guaranteed", "--timeout=60s")
	wantEqual(t, "QoS classes", k.ok("get", "pods", "burstable", "guaranteed", "-o", "jsonpath={.items[*].status.qosClass}"), "Burstable Guaranteed")
	cgroups := func(pod string) string {
		// cgroup v1 (this machine) or v2 (others), as the container sees it.
		return strings.TrimSpace(k.ok("exec", pod, "--", "sh", "-c", `if [ -f /sys/fs/cgroup/memory/memory.limit_in_bytes ]; then
cat /sys/fs/cgroup/memory/memory.limit_in_bytes /sys/fs/cgroup/cpu/cpu.cfs_quota_us /sys/fs/cgroup/cpu/cpu.cfs_period_us /sys/fs/cgroup/cpu/cpu.shares
else cat /sys/fs/cgroup/memory.max /sys/fs/cgroup/cpu.max /sys/fs/cgroup/cpu.weight; fi`))
	}
	if got := cgroups("burstable"); got != "67108864\n50000\n100000\n102" && got != "67108864\n50000 100000\n4" {
		t.Errorf("burstable (cpu 100m/500m, memory 64Mi) cgroup: memory limit, cpu quota, period, shares =\n%s", got)
	}
	if got := cgroups("guaranteed"); got != "50331648\n25000\n100000\n256" && got != "50331648\n25000 100000\n10" {
		t.Errorf("guaranteed (cpu 250m, memory 48Mi) cgroup: memory limit, cpu quota, period, shares =\n%s", got)
	}
}

// testImagePullPolicy: Never with a missing image, a missing image with
// its pull back-off, and pulls (or not) of the image the registry has.
func testImagePullPolicy(t *testing.T, n *testNode) {
	k, _ := n.namespace(t)
	w := k.watch("get", "pods", "-w")
	pod := func(name, image, policy string) string {
		return podYAML(name, "Always", `  terminationGracePeriodSeconds: 2
  containers:
  - name: c
    image: `+image+`
    imagePullPolicy: `+policy+`
    command: ["sh", "-c", "trap 'exit 0' TERM; sleep 1000 & wait"]`)
	}
	k.stdin(yamlDocs(pod("never-missing", "docker.io/library/busybox:not-pushed", "Never"),
		pod("missing", "docker.io/library/not-pushed:1.0", "IfNotPresent"),
		pod("never-present", testImage, "Never"),
		pod("always", testImage, "Always"))).ok("apply", "-f", "-")

	w.waitFor(60*time.Second, "missing", "ErrImagePull")
	w.waitFor(60*time.Second, "missing", "ImagePullBackOff")
	k.ok("wait", "--for=condition=Ready", "pod/never-present", "pod/always", "--timeout=60s")
	row := regexp.MustCompile(`(?m)^never-missing\s+0/1\s+ErrImageNeverPull\s+0\b`)
	poll(t, 30*time.Second, func() string {
		if out := k.ok("get", "pod", "never-missing"); !row.MatchString(out) {
			return "get pod shows no ErrImageNeverPull:\n" + out
		}
		return ""
	})
	wantAll(t, "describe pod never-missing", k.ok("describe", "pod", "never-missing"),
		`Container image "docker.io/library/busybox:not-pushed" is not present with pull policy of Never`)
	wantAll(t, "describe pod missing", k.ok("describe", "pod", "missing"), "Failed", `Failed to pull image "docker.io/library/not-pushed:1.0"`,
		"the cluster's registry has no docker.io/library/not-pushed:1.0 (push it with skiff image push)",
		"BackOff", `Back-off pulling image "docker.io/library/not-pushed:1.0"`)
	wantAll(t, "describe pod always", k.ok("describe", "pod", "always"), "Pulling", `Pulling image "`+testImage+`"`, "Pulled", "Successfully pulled image")
	wantAll(t, "describe pod never-present", k.ok("describe", "pod", "never-present"), "Pulled",
		`Container image "`+testImage+`" already present on machine`)
}

// hostCapBnd is this process's capability bounding set, which is what a
// privileged container gets here (root lacks CAP_SYS_RESOURCE on these
// machines).
func hostCapBnd(t *testing.T) string {
	f, err := os.Open("/proc/self/status")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), "CapBnd:"); ok {
			return strings.TrimSpace(v)
		}
	}
	t.Fatal("no CapBnd in /proc/self/status")
	return ""
}
