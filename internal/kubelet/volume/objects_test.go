package volume

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"syscall"
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/skiff/skiff/internal/kubelet/mountinfo"
)

func configMap(name string, data map[string]string, binary map[string][]byte) *corev1.ConfigMap {
	return &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: "ns"}, Data: data, BinaryData: binary}
}

func secret(name string, data map[string]string) *corev1.Secret {
	s := &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: "ns"}, Data: map[string][]byte{}}
	for k, v := range data {
		s.Data[k] = []byte(v)
	}
	return s
}

func TestConfigMapVolume(t *testing.T) {
	cm := configMap("cfg", map[string]string{"a": "A", "b": "B"}, map[string][]byte{"bin": {0, 1}})
	for _, tc := range []struct {
		name   string
		src    corev1.ConfigMapVolumeSource
		files  map[string]string
		modes  map[string]os.FileMode
		errMsg string
	}{{
		name:  "all keys, default mode",
		src:   corev1.ConfigMapVolumeSource{LocalObjectReference: corev1.LocalObjectReference{Name: "cfg"}},
		files: map[string]string{"a": "A", "b": "B", "bin": "\x00\x01"},
		modes: map[string]os.FileMode{"a": 0o644, "bin": 0o644},
	}, {
		name: "defaultMode",
		src: corev1.ConfigMapVolumeSource{LocalObjectReference: corev1.LocalObjectReference{Name: "cfg"},
			DefaultMode: ptr(int32(0o400))},
		files: map[string]string{"a": "A", "b": "B", "bin": "\x00\x01"},
		modes: map[string]os.FileMode{"a": 0o400},
	}, {
		name: "items with paths and modes",
		src: corev1.ConfigMapVolumeSource{LocalObjectReference: corev1.LocalObjectReference{Name: "cfg"},
			DefaultMode: ptr(int32(0o440)),
			Items: []corev1.KeyToPath{
				{Key: "a", Path: "conf/a.ini", Mode: ptr(int32(0o600))},
				{Key: "b", Path: "b.txt"},
			}},
		files: map[string]string{"conf/a.ini": "A", "b.txt": "B"},
		modes: map[string]os.FileMode{"conf/a.ini": 0o600, "b.txt": 0o440},
	}, {
		name: "missing key",
		src: corev1.ConfigMapVolumeSource{LocalObjectReference: corev1.LocalObjectReference{Name: "cfg"},
			Items: []corev1.KeyToPath{{Key: "nope", Path: "x"}}},
		errMsg: `MountVolume.SetUp failed for volume "v" : configmap references non-existent config key: nope`,
	}, {
		name: "missing key, optional",
		src: corev1.ConfigMapVolumeSource{LocalObjectReference: corev1.LocalObjectReference{Name: "cfg"},
			Optional: ptr(true),
			Items:    []corev1.KeyToPath{{Key: "nope", Path: "x"}, {Key: "a", Path: "y"}}},
		files: map[string]string{"y": "A"},
	}, {
		name:   "missing configMap",
		src:    corev1.ConfigMapVolumeSource{LocalObjectReference: corev1.LocalObjectReference{Name: "x"}},
		errMsg: `MountVolume.SetUp failed for volume "v" : configmap "x" not found`,
	}, {
		name:  "missing configMap, optional",
		src:   corev1.ConfigMapVolumeSource{LocalObjectReference: corev1.LocalObjectReference{Name: "x"}, Optional: ptr(true)},
		files: map[string]string{},
	}} {
		t.Run(tc.name, func(t *testing.T) {
			f := newFixture(t, cm)
			src := tc.src
			pod := newPod(corev1.Volume{Name: "v", VolumeSource: corev1.VolumeSource{ConfigMap: &src}})
			mounts, err := f.m.Setup(context.Background(), pod)
			if tc.errMsg != "" {
				var ve *VolumeError
				if err == nil || err.Error() != tc.errMsg || !errors.As(err, &ve) || ve.Volume != "v" {
					t.Fatalf("Setup error = %v, want %q", err, tc.errMsg)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			dir := filepath.Join(f.root, "uid-1", "volumes", "v")
			if want := (Mount{HostPath: dir, ReadOnly: true}); mounts["v"] != want {
				t.Errorf("mount = %+v, want %+v", mounts["v"], want)
			}
			if got := readVolume(t, dir); !reflect.DeepEqual(got, tc.files) {
				t.Errorf("files = %q, want %q", got, tc.files)
			}
			for name, want := range tc.modes {
				if got := fileMode(t, filepath.Join(dir, name)).Perm(); got != want {
					t.Errorf("%s mode %o, want %o", name, got, want)
				}
			}
			if got := fileMode(t, dir).Perm(); got != 0o777 {
				t.Errorf("volume dir mode %o, want 777", got)
			}
		})
	}
}

// A change to the configMap reaches the volume at the next Setup, through a
// new version and a swapped ..data, and the old version goes.
func TestConfigMapUpdate(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t, configMap("cfg", map[string]string{"k": "v1", "old": "o"}, nil))
	pod := newPod(corev1.Volume{Name: "v", VolumeSource: corev1.VolumeSource{
		ConfigMap: &corev1.ConfigMapVolumeSource{LocalObjectReference: corev1.LocalObjectReference{Name: "cfg"}}}})
	if _, err := f.m.Setup(ctx, pod); err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(f.root, "uid-1", "volumes", "v")
	before := tsDirs(t, dir)

	if _, err := f.m.Setup(ctx, pod); err != nil {
		t.Fatal(err)
	}
	if got := tsDirs(t, dir); !reflect.DeepEqual(got, before) {
		t.Fatalf("Setup without a change rewrote the volume: %v -> %v", before, got)
	}

	_, err := f.client.CoreV1().ConfigMaps("ns").Update(ctx,
		configMap("cfg", map[string]string{"k": "v2", "new": "n"}, nil), metav1.UpdateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	f.clock.SetTime(t0.Add(5e9))
	if _, err := f.m.Setup(ctx, pod); err != nil {
		t.Fatal(err)
	}
	after := tsDirs(t, dir)
	if len(after) != 1 || after[0] == before[0] || !strings.HasPrefix(after[0], "..2025_05_01_10_00_05.") {
		t.Fatalf("version dirs %v -> %v, want one new ..2025_05_01_10_00_05.*", before, after)
	}
	if target, _ := os.Readlink(filepath.Join(dir, "..data")); target != after[0] {
		t.Errorf("..data -> %s, want %s", target, after[0])
	}
	if got, want := readVolume(t, dir), map[string]string{"k": "v2", "new": "n"}; !reflect.DeepEqual(got, want) {
		t.Errorf("files = %v, want %v", got, want)
	}
}

func TestSecretVolume(t *testing.T) {
	requireRoot(t)
	ctx := context.Background()
	f := newFixture(t, secret("creds", map[string]string{"user": "admin", "pass": "s3cret"}))
	pod := newPod(
		corev1.Volume{Name: "s", VolumeSource: corev1.VolumeSource{Secret: &corev1.SecretVolumeSource{
			SecretName: "creds", Items: []corev1.KeyToPath{{Key: "pass", Path: "p/pass", Mode: ptr(int32(0o400))}}}}},
		corev1.Volume{Name: "all", VolumeSource: corev1.VolumeSource{Secret: &corev1.SecretVolumeSource{SecretName: "creds"}}},
		corev1.Volume{Name: "opt", VolumeSource: corev1.VolumeSource{Secret: &corev1.SecretVolumeSource{
			SecretName: "none", Optional: ptr(true)}}},
	)
	mounts, err := f.m.Setup(ctx, pod)
	if err != nil {
		t.Fatal(err)
	}
	dir := mounts["s"].HostPath
	if !mounts["s"].ReadOnly {
		t.Error("secret mount is not read-only")
	}
	for _, name := range []string{"s", "all", "opt"} {
		if ok, err := isTmpfsMount(mounts[name].HostPath); err != nil || !ok {
			t.Errorf("secret volume %s is not a tmpfs mount (%v)", name, err)
		}
	}
	if got := readVolume(t, dir); !reflect.DeepEqual(got, map[string]string{"p/pass": "s3cret"}) {
		t.Errorf("files = %v", got)
	}
	if got := fileMode(t, filepath.Join(dir, "p/pass")).Perm(); got != 0o400 {
		t.Errorf("mode %o, want 400", got)
	}
	if got := fileMode(t, filepath.Join(mounts["all"].HostPath, "user")).Perm(); got != 0o644 {
		t.Errorf("default secret mode %o, want 644", got)
	}

	// Setup again does not stack a second tmpfs.
	if _, err := f.m.Setup(ctx, pod); err != nil {
		t.Fatal(err)
	}
	mounts2, err := mountinfo.Read()
	if err != nil {
		t.Fatal(err)
	}
	if n := len(mountinfo.Under(mounts2, dir, true)); n != 1 {
		t.Errorf("%d mounts on %s after two Setups, want 1", n, dir)
	}

	_, err = f.m.Setup(ctx, newPod(corev1.Volume{Name: "x", VolumeSource: corev1.VolumeSource{
		Secret: &corev1.SecretVolumeSource{SecretName: "none"}}}))
	if want := `MountVolume.SetUp failed for volume "x" : secret "none" not found`; err == nil || err.Error() != want {
		t.Errorf("missing secret: %v, want %q", err, want)
	}

	if err := f.m.Teardown(ctx, pod.UID); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(f.root, "uid-1", "volumes")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("volumes dir after Teardown: %v", err)
	}
}

// What a container sees: a bind mount of the volume directory, made before
// the update, shows the new contents of a configMap and of a secret (whose
// tmpfs the bind mount shares).
func TestUpdateSeenThroughBindMount(t *testing.T) {
	requireRoot(t)
	ctx := context.Background()
	f := newFixture(t, configMap("cfg", map[string]string{"k": "v1"}, nil), secret("s", map[string]string{"k": "s1"}))
	pod := newPod(
		corev1.Volume{Name: "c", VolumeSource: corev1.VolumeSource{ConfigMap: &corev1.ConfigMapVolumeSource{
			LocalObjectReference: corev1.LocalObjectReference{Name: "cfg"}}}},
		corev1.Volume{Name: "s", VolumeSource: corev1.VolumeSource{Secret: &corev1.SecretVolumeSource{SecretName: "s"}}})
	mounts, err := f.m.Setup(ctx, pod)
	if err != nil {
		t.Fatal(err)
	}
	views := map[string]string{}
	for name, mnt := range mounts {
		view := filepath.Join(t.TempDir(), "view")
		if err := os.Mkdir(view, 0o755); err != nil {
			t.Fatal(err)
		}
		if err := syscall.Mount(mnt.HostPath, view, "", syscall.MS_BIND, ""); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = syscall.Unmount(view, syscall.MNT_DETACH) })
		views[name] = view
	}
	if _, err := f.client.CoreV1().ConfigMaps("ns").Update(ctx, configMap("cfg", map[string]string{"k": "v2"}, nil), metav1.UpdateOptions{}); err != nil {
		t.Fatal(err)
	}
	if _, err := f.client.CoreV1().Secrets("ns").Update(ctx, secret("s", map[string]string{"k": "s2"}), metav1.UpdateOptions{}); err != nil {
		t.Fatal(err)
	}
	if _, err := f.m.Setup(ctx, pod); err != nil {
		t.Fatal(err)
	}
	for name, want := range map[string]string{"c": "v2", "s": "s2"} {
		b, err := os.ReadFile(filepath.Join(views[name], "k"))
		if err != nil || string(b) != want {
			t.Errorf("volume %s through the bind mount: %q, %v; want %q", name, b, err, want)
		}
	}
}
