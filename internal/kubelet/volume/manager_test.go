package volume

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"sort"
	"strings"
	"sync"
	"syscall"
	"testing"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/types"

	"github.com/skiff/skiff/internal/kubelet/mountinfo"
)

func TestEmptyDir(t *testing.T) {
	f := newFixture(t)
	pod := newPod(corev1.Volume{Name: "scratch", VolumeSource: corev1.VolumeSource{EmptyDir: &corev1.EmptyDirVolumeSource{}}})
	mounts, err := f.m.Setup(context.Background(), pod)
	if err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(f.root, "uid-1", "volumes", "scratch")
	if mounts["scratch"] != (Mount{HostPath: dir}) {
		t.Errorf("mount = %+v", mounts["scratch"])
	}
	if got := fileMode(t, dir); got != os.ModeDir|0o777 {
		t.Errorf("mode %v, want drwxrwxrwx", got)
	}
	// Contents survive the next Setup.
	if err := os.WriteFile(filepath.Join(dir, "x"), []byte("keep"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := f.m.Setup(context.Background(), pod); err != nil {
		t.Fatal(err)
	}
	if b, err := os.ReadFile(filepath.Join(dir, "x")); err != nil || string(b) != "keep" {
		t.Errorf("file after second Setup: %q, %v", b, err)
	}

	pod.Spec.Volumes[0].EmptyDir.Medium = corev1.StorageMediumHugePages
	if _, err := f.m.Setup(context.Background(), pod); err == nil || !strings.Contains(err.Error(), `emptyDir medium "HugePages" is not supported by skiff`) {
		t.Errorf("HugePages: %v", err)
	}
}

func TestEmptyDirMemory(t *testing.T) {
	requireRoot(t)
	for _, tc := range []struct {
		name      string
		sizeLimit string
		podLimit  bool
		want      int64
	}{
		{"sizeLimit under the pod's limit", "16Mi", true, 16 << 20},
		{"the pod's limit", "", true, 64 << 20},
		{"sizeLimit over the pod's limit", "1Gi", true, 64 << 20},
		{"sizeLimit alone", "8Mi", false, 8 << 20},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := newFixture(t)
			src := &corev1.EmptyDirVolumeSource{Medium: corev1.StorageMediumMemory}
			if tc.sizeLimit != "" {
				src.SizeLimit = ptr(qty(tc.sizeLimit))
			}
			pod := newPod(corev1.Volume{Name: "mem", VolumeSource: corev1.VolumeSource{EmptyDir: src}})
			if !tc.podLimit {
				pod.Spec.Containers[0].Resources = corev1.ResourceRequirements{}
			}
			mounts, err := f.m.Setup(context.Background(), pod)
			if err != nil {
				t.Fatal(err)
			}
			dir := mounts["mem"].HostPath
			var fs syscall.Statfs_t
			if err := syscall.Statfs(dir, &fs); err != nil {
				t.Fatal(err)
			}
			if fs.Type != tmpfsMagic || int64(fs.Blocks)*fs.Bsize != tc.want {
				t.Errorf("fs type %x size %d, want tmpfs of %d", fs.Type, int64(fs.Blocks)*fs.Bsize, tc.want)
			}
			if err := f.m.Teardown(context.Background(), pod.UID); err != nil {
				t.Fatal(err)
			}
		})
	}
}

func TestPodMemoryLimit(t *testing.T) {
	c := func(limit string, sidecar bool) corev1.Container {
		ct := corev1.Container{}
		if limit != "" {
			ct.Resources.Limits = corev1.ResourceList{corev1.ResourceMemory: qty(limit)}
		}
		if sidecar {
			ct.RestartPolicy = ptr(corev1.ContainerRestartPolicyAlways)
		}
		return ct
	}
	for _, tc := range []struct {
		name       string
		init, apps []corev1.Container
		overhead   string
		want       int64
	}{
		{name: "sum of apps", apps: []corev1.Container{c("10", false), c("20", false)}, want: 30},
		{name: "one without limit", apps: []corev1.Container{c("10", false), c("", false)}, want: 0},
		{name: "init larger", init: []corev1.Container{c("100", false)}, apps: []corev1.Container{c("10", false)}, want: 100},
		{name: "init without limit", init: []corev1.Container{c("", false)}, apps: []corev1.Container{c("10", false)}, want: 0},
		{name: "sidecar adds", init: []corev1.Container{c("5", true), c("12", false)}, apps: []corev1.Container{c("10", false)}, want: 17},
		{name: "overhead", apps: []corev1.Container{c("10", false)}, overhead: "3", want: 13},
	} {
		pod := &corev1.Pod{Spec: corev1.PodSpec{InitContainers: tc.init, Containers: tc.apps}}
		if tc.overhead != "" {
			pod.Spec.Overhead = corev1.ResourceList{corev1.ResourceMemory: qty(tc.overhead)}
		}
		if got := podMemoryLimit(pod); got != tc.want {
			t.Errorf("%s: %d, want %d", tc.name, got, tc.want)
		}
	}
}

func TestProjected(t *testing.T) {
	requireRoot(t)
	f := newFixture(t, configMap("kube-root-ca.crt", map[string]string{"ca.crt": "CA"}, nil),
		secret("creds", map[string]string{"user": "u"}))
	serveTokens(f)
	pod := newPod(corev1.Volume{Name: "kube-api-access", VolumeSource: corev1.VolumeSource{Projected: &corev1.ProjectedVolumeSource{
		DefaultMode: ptr(int32(0o644)),
		Sources: []corev1.VolumeProjection{
			{ServiceAccountToken: &corev1.ServiceAccountTokenProjection{Path: "token", ExpirationSeconds: ptr(int64(3607))}},
			{ConfigMap: &corev1.ConfigMapProjection{LocalObjectReference: corev1.LocalObjectReference{Name: "kube-root-ca.crt"},
				Items: []corev1.KeyToPath{{Key: "ca.crt", Path: "ca.crt"}}}},
			{DownwardAPI: &corev1.DownwardAPIProjection{Items: []corev1.DownwardAPIVolumeFile{
				{Path: "namespace", FieldRef: &corev1.ObjectFieldSelector{APIVersion: "v1", FieldPath: "metadata.namespace"}}}}},
			{Secret: &corev1.SecretProjection{LocalObjectReference: corev1.LocalObjectReference{Name: "creds"},
				Items: []corev1.KeyToPath{{Key: "user", Path: "creds/user", Mode: ptr(int32(0o400))}}}},
			{Secret: &corev1.SecretProjection{LocalObjectReference: corev1.LocalObjectReference{Name: "absent"}, Optional: ptr(true)}},
		},
	}}})
	mounts, err := f.m.Setup(context.Background(), pod)
	if err != nil {
		t.Fatal(err)
	}
	mnt := mounts["kube-api-access"]
	if !mnt.ReadOnly {
		t.Error("projected mount not read-only")
	}
	if ok, err := isTmpfsMount(mnt.HostPath); !ok || err != nil {
		t.Errorf("projected volume is not a tmpfs: %v", err)
	}
	want := map[string]string{"token": "token-1", "ca.crt": "CA", "namespace": "ns", "creds/user": "u"}
	if got := readVolume(t, mnt.HostPath); !reflect.DeepEqual(got, want) {
		t.Errorf("files %v, want %v", got, want)
	}
	if m := fileMode(t, filepath.Join(mnt.HostPath, "token")).Perm(); m != 0o644 {
		t.Errorf("token mode %o, want 644", m)
	}
	if m := fileMode(t, filepath.Join(mnt.HostPath, "creds/user")).Perm(); m != 0o400 {
		t.Errorf("creds/user mode %o, want 400", m)
	}

	// Errors of several sources all show.
	pod.UID = "uid-2"
	pod.Spec.Volumes[0].Projected.Sources = []corev1.VolumeProjection{
		{ConfigMap: &corev1.ConfigMapProjection{LocalObjectReference: corev1.LocalObjectReference{Name: "nope"}}},
		{ClusterTrustBundle: &corev1.ClusterTrustBundleProjection{Path: "b"}},
	}
	_, err = f.m.Setup(context.Background(), pod)
	for _, want := range []string{`configmap "nope" not found`, "clusterTrustBundle projections are not supported by skiff"} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("err %v, want it to say %q", err, want)
		}
	}
}

// With an fsGroup, the pod's volumes go to the group as the kubelet gives
// them: group bits, setgid directories, a 0640 token.
func TestFSGroup(t *testing.T) {
	requireRoot(t)
	const gid = 4321
	f := newFixture(t, configMap("cfg", map[string]string{"k": "v"}, nil))
	serveTokens(f)
	pod := newPod(
		corev1.Volume{Name: "scratch", VolumeSource: corev1.VolumeSource{EmptyDir: &corev1.EmptyDirVolumeSource{}}},
		corev1.Volume{Name: "cfg", VolumeSource: corev1.VolumeSource{ConfigMap: &corev1.ConfigMapVolumeSource{
			LocalObjectReference: corev1.LocalObjectReference{Name: "cfg"}, DefaultMode: ptr(int32(0o600))}}},
		corev1.Volume{Name: "tok", VolumeSource: corev1.VolumeSource{Projected: &corev1.ProjectedVolumeSource{
			Sources: []corev1.VolumeProjection{{ServiceAccountToken: &corev1.ServiceAccountTokenProjection{Path: "token"}}}}}},
	)
	pod.Spec.SecurityContext = &corev1.PodSecurityContext{FSGroup: ptr(int64(gid))}
	mounts, err := f.m.Setup(context.Background(), pod)
	if err != nil {
		t.Fatal(err)
	}
	checkGroup(t, mounts["scratch"].HostPath, gid, os.ModeDir|os.ModeSetgid|0o777)
	cfg := mounts["cfg"].HostPath
	checkGroup(t, cfg, gid, os.ModeDir|os.ModeSetgid|0o777)
	checkGroup(t, filepath.Join(cfg, "..data/k"), gid, 0o640)
	if got := fileGid(t, filepath.Join(cfg, "k")); got != gid {
		t.Errorf("symlink k gid %d, want %d", got, gid)
	}
	ts, _ := os.Readlink(filepath.Join(cfg, "..data"))
	checkGroup(t, filepath.Join(cfg, ts), gid, os.ModeDir|os.ModeSetgid|0o755)
	checkGroup(t, filepath.Join(mounts["tok"].HostPath, "..data/token"), gid, 0o640)
}

// All containers running as one user: the token is theirs, 0600.
func TestTokenOwner(t *testing.T) {
	requireRoot(t)
	f := newFixture(t)
	serveTokens(f)
	pod := newPod(corev1.Volume{Name: "tok", VolumeSource: corev1.VolumeSource{Projected: &corev1.ProjectedVolumeSource{
		Sources: []corev1.VolumeProjection{{ServiceAccountToken: &corev1.ServiceAccountTokenProjection{Path: "token"}}}}}})
	pod.Spec.SecurityContext = &corev1.PodSecurityContext{RunAsUser: ptr(int64(1001))}
	mounts, err := f.m.Setup(context.Background(), pod)
	if err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(mounts["tok"].HostPath, "token")
	fi, err := os.Stat(p)
	if err != nil {
		t.Fatal(err)
	}
	if uid := fi.Sys().(*syscall.Stat_t).Uid; uid != 1001 || fi.Mode().Perm() != 0o600 {
		t.Errorf("token uid %d mode %o, want 1001 600", uid, fi.Mode().Perm())
	}
}

func TestFSUser(t *testing.T) {
	sc := func(u int64) *corev1.SecurityContext { return &corev1.SecurityContext{RunAsUser: &u} }
	for _, tc := range []struct {
		name    string
		podUser *int64
		init    []*corev1.SecurityContext
		apps    []*corev1.SecurityContext
		want    *int64
	}{
		{name: "none", apps: []*corev1.SecurityContext{nil}},
		{name: "pod's", podUser: ptr(int64(5)), apps: []*corev1.SecurityContext{nil, nil}, want: ptr(int64(5))},
		{name: "containers agree", apps: []*corev1.SecurityContext{sc(7), sc(7)}, init: []*corev1.SecurityContext{sc(7)}, want: ptr(int64(7))},
		{name: "containers differ", apps: []*corev1.SecurityContext{sc(7), sc(8)}},
		{name: "init differs", podUser: ptr(int64(5)), apps: []*corev1.SecurityContext{nil}, init: []*corev1.SecurityContext{sc(0)}},
		{name: "one unset", apps: []*corev1.SecurityContext{sc(7), nil}},
	} {
		pod := &corev1.Pod{}
		if tc.podUser != nil {
			pod.Spec.SecurityContext = &corev1.PodSecurityContext{RunAsUser: tc.podUser}
		}
		for _, s := range tc.init {
			pod.Spec.InitContainers = append(pod.Spec.InitContainers, corev1.Container{SecurityContext: s})
		}
		for _, s := range tc.apps {
			pod.Spec.Containers = append(pod.Spec.Containers, corev1.Container{SecurityContext: s})
		}
		got := fsUser(pod)
		if (got == nil) != (tc.want == nil) || got != nil && *got != *tc.want {
			t.Errorf("%s: fsUser = %v, want %v", tc.name, got, tc.want)
		}
	}
}

func TestUnsupportedVolumes(t *testing.T) {
	f := newFixture(t)
	pod := newPod(
		corev1.Volume{Name: "ok", VolumeSource: corev1.VolumeSource{EmptyDir: &corev1.EmptyDirVolumeSource{}}},
		corev1.Volume{Name: "nfs", VolumeSource: corev1.VolumeSource{NFS: &corev1.NFSVolumeSource{Server: "s", Path: "/"}}},
		corev1.Volume{Name: "csi", VolumeSource: corev1.VolumeSource{CSI: &corev1.CSIVolumeSource{Driver: "d"}}},
		corev1.Volume{Name: "eph", VolumeSource: corev1.VolumeSource{Ephemeral: &corev1.EphemeralVolumeSource{}}},
		corev1.Volume{Name: "none"},
		corev1.Volume{Name: "../x", VolumeSource: corev1.VolumeSource{EmptyDir: &corev1.EmptyDirVolumeSource{}}},
	)
	mounts, err := f.m.Setup(context.Background(), pod)
	if mounts != nil {
		t.Errorf("mounts returned with an error: %v", mounts)
	}
	var got []string
	for _, e := range Errors(err) {
		got = append(got, e.Error())
	}
	want := []string{
		`MountVolume.SetUp failed for volume "nfs" : volume type nfs is not supported by skiff`,
		`MountVolume.SetUp failed for volume "csi" : volume type csi is not supported by skiff`,
		`MountVolume.SetUp failed for volume "eph" : volume type ephemeral is not supported by skiff`,
		`MountVolume.SetUp failed for volume "none" : volume type (none) is not supported by skiff`,
		`MountVolume.SetUp failed for volume "../x" : invalid volume name "../x": a lowercase RFC 1123 label must consist of`,
	}
	if len(got) != len(want) {
		t.Errorf("%d volume errors, want %d: %q", len(got), len(want), got)
	}
	for i := range want {
		if i >= len(got) || !strings.HasPrefix(got[i], want[i]) {
			t.Errorf("error %d = %q, want %q", i, got, want[i])
		}
	}
	if ve := Errors(&VolumeError{Volume: "one"}); len(ve) != 1 || ve[0].Volume != "one" {
		t.Errorf("Errors of a single VolumeError = %v", ve)
	}
	if ve := Errors(errors.New("other")); ve != nil {
		t.Errorf("Errors of another error = %v", ve)
	}
	// The good volume was made all the same.
	if _, err := os.Stat(filepath.Join(f.root, "uid-1", "volumes", "ok")); err != nil {
		t.Errorf("emptyDir beside failing volumes: %v", err)
	}
}

func TestTeardownAndPodDirs(t *testing.T) {
	f := newFixture(t, secret("s", map[string]string{"k": "v"}))
	ctx := context.Background()
	if uids, err := f.m.PodDirs(); err != nil || len(uids) != 0 {
		t.Fatalf("PodDirs before any pod = %v, %v", uids, err)
	}
	vols := []corev1.Volume{{Name: "e", VolumeSource: corev1.VolumeSource{EmptyDir: &corev1.EmptyDirVolumeSource{}}}}
	if os.Geteuid() == 0 {
		vols = append(vols,
			corev1.Volume{Name: "s", VolumeSource: corev1.VolumeSource{Secret: &corev1.SecretVolumeSource{SecretName: "s"}}},
			corev1.Volume{Name: "m", VolumeSource: corev1.VolumeSource{EmptyDir: &corev1.EmptyDirVolumeSource{Medium: corev1.StorageMediumMemory}}})
	}
	for _, uid := range []types.UID{"a", "b"} {
		pod := newPod(vols...)
		pod.UID = uid
		if _, err := f.m.Setup(ctx, pod); err != nil {
			t.Fatal(err)
		}
	}
	uids, err := f.m.PodDirs()
	sort.Slice(uids, func(i, j int) bool { return uids[i] < uids[j] })
	if err != nil || !reflect.DeepEqual(uids, []types.UID{"a", "b"}) {
		t.Fatalf("PodDirs = %v, %v", uids, err)
	}
	// The core's own file in the pod dir outlives Teardown.
	hosts := filepath.Join(f.root, "a", "etc-hosts")
	if err := os.WriteFile(hosts, []byte("127.0.0.1 localhost\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := f.m.Teardown(ctx, "a"); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(f.root, "a", "volumes")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("volumes of a after Teardown: %v", err)
	}
	if _, err := os.Stat(hosts); err != nil {
		t.Errorf("Teardown removed the core's file: %v", err)
	}
	mounts, err := mountinfo.Read()
	if err != nil {
		t.Fatal(err)
	}
	if left := mountinfo.Under(mounts, filepath.Join(f.root, "a"), true); len(left) != 0 {
		t.Errorf("mounts left: %v", left)
	}
	// The core removes the pod dir itself; then PodDirs no longer has it.
	if err := os.RemoveAll(filepath.Join(f.root, "a")); err != nil {
		t.Fatal(err)
	}
	if uids, _ := f.m.PodDirs(); !reflect.DeepEqual(uids, []types.UID{"b"}) {
		t.Errorf("PodDirs after removing a = %v", uids)
	}
	// Twice, and for a pod never seen: no error.
	for _, uid := range []types.UID{"a", "never"} {
		if err := f.m.Teardown(ctx, uid); err != nil {
			t.Errorf("Teardown(%s): %v", uid, err)
		}
	}
	for _, uid := range []types.UID{"", "..", "x/y"} {
		if err := f.m.Teardown(ctx, uid); err == nil {
			t.Errorf("Teardown(%q) accepted", uid)
		}
	}
}

// Setup and Teardown of many pods at once, for the race detector.
func TestConcurrentPods(t *testing.T) {
	f := newFixture(t, configMap("cfg", map[string]string{"k": "v"}, nil))
	serveTokens(f)
	ctx := context.Background()
	var wg sync.WaitGroup
	errs := make(chan error, 40)
	for i := 0; i < 8; i++ {
		for j := 0; j < 2; j++ { // two workers per pod
			wg.Add(1)
			go func() {
				defer wg.Done()
				pod := newPod(
					corev1.Volume{Name: "cfg", VolumeSource: corev1.VolumeSource{ConfigMap: &corev1.ConfigMapVolumeSource{
						LocalObjectReference: corev1.LocalObjectReference{Name: "cfg"}}}},
					corev1.Volume{Name: "e", VolumeSource: corev1.VolumeSource{EmptyDir: &corev1.EmptyDirVolumeSource{}}})
				pod.UID = types.UID(fmt.Sprintf("pod-%d", i))
				for k := 0; k < 3; k++ {
					if _, err := f.m.Setup(ctx, pod); err != nil {
						errs <- err
					}
				}
				if _, err := f.m.tokens.get(ctx, pod, &corev1.ServiceAccountTokenProjection{Path: "t"}); err != nil {
					errs <- err
				}
				if err := f.m.Teardown(ctx, pod.UID); err != nil {
					errs <- err
				}
			}()
		}
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}
