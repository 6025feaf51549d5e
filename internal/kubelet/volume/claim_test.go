package volume

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/types"
)

func claim(name, volume string, phase corev1.PersistentVolumeClaimPhase) *corev1.PersistentVolumeClaim {
	return &corev1.PersistentVolumeClaim{
		ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: "ns", UID: types.UID("pvc-uid-" + name)},
		Spec:       corev1.PersistentVolumeClaimSpec{VolumeName: volume},
		Status:     corev1.PersistentVolumeClaimStatus{Phase: phase},
	}
}

func pv(name, claimName string, src corev1.PersistentVolumeSource) *corev1.PersistentVolume {
	return &corev1.PersistentVolume{
		ObjectMeta: metav1.ObjectMeta{Name: name},
		Spec: corev1.PersistentVolumeSpec{
			PersistentVolumeSource: src,
			ClaimRef:               &corev1.ObjectReference{Namespace: "ns", Name: claimName, UID: types.UID("pvc-uid-" + claimName)},
		},
	}
}

func TestClaimVolume(t *testing.T) {
	dir := t.TempDir()
	data := filepath.Join(dir, "data")
	if err := os.Mkdir(data, 0o755); err != nil {
		t.Fatal(err)
	}
	deleting := claim("deleting", "pv-host", corev1.ClaimBound)
	deleting.DeletionTimestamp = &metav1.Time{}
	deleting.Finalizers = []string{"kubernetes.io/pvc-protection"}
	block := pv("pv-block", "block", corev1.PersistentVolumeSource{Local: &corev1.LocalVolumeSource{Path: data}})
	block.Spec.VolumeMode = ptr(corev1.PersistentVolumeBlock)
	objs := []runtime.Object{
		claim("host", "pv-host", corev1.ClaimBound),
		pv("pv-host", "host", corev1.PersistentVolumeSource{HostPath: &corev1.HostPathVolumeSource{
			Path: filepath.Join(dir, "made"), Type: ptr(corev1.HostPathDirectoryOrCreate)}}),
		claim("local", "pv-local", corev1.ClaimBound),
		pv("pv-local", "local", corev1.PersistentVolumeSource{Local: &corev1.LocalVolumeSource{Path: data}}),
		claim("gone", "pv-gone", corev1.ClaimBound),
		pv("pv-gone", "gone", corev1.PersistentVolumeSource{Local: &corev1.LocalVolumeSource{Path: filepath.Join(dir, "gone")}}),
		claim("pending", "", corev1.ClaimPending),
		deleting,
		claim("nfs", "pv-nfs", corev1.ClaimBound),
		pv("pv-nfs", "nfs", corev1.PersistentVolumeSource{NFS: &corev1.NFSVolumeSource{Server: "x", Path: "/"}}),
		claim("stolen", "pv-host", corev1.ClaimBound), // pv-host is bound to "host"
		claim("nopv", "pv-none", corev1.ClaimBound),
		claim("block", "pv-block", corev1.ClaimBound),
		block,
	}
	for _, tc := range []struct {
		claim    string
		readOnly bool
		want     Mount
		err      string
	}{
		{claim: "host", want: Mount{HostPath: filepath.Join(dir, "made")}},
		{claim: "host", readOnly: true, want: Mount{HostPath: filepath.Join(dir, "made"), ReadOnly: true}},
		{claim: "local", want: Mount{HostPath: data}},
		{claim: "gone", err: `local volume pv-gone: path "` + filepath.Join(dir, "gone") + `" does not exist`},
		{claim: "missing", err: `failed to fetch PVC ns/missing from API server: persistentvolumeclaims "missing" not found`},
		{claim: "pending", err: `PVC ns/pending has non-bound phase ("Pending") or empty pvc.Spec.VolumeName ("")`},
		{claim: "deleting", err: "can't start pod because PVC ns/deleting is being deleted"},
		{claim: "nfs", err: "persistent volume pv-nfs is of type nfs, which is not supported by skiff"},
		{claim: "stolen", err: "found PV object pv-host but it is not bound to claim ns/stolen"},
		{claim: "nopv", err: `failed to fetch PV pv-none from API server: persistentvolumes "pv-none" not found`},
		{claim: "block", err: "volumeMode Block"},
	} {
		t.Run(tc.claim, func(t *testing.T) {
			f := newFixture(t, objs...)
			pod := newPod(corev1.Volume{Name: "data", VolumeSource: corev1.VolumeSource{
				PersistentVolumeClaim: &corev1.PersistentVolumeClaimVolumeSource{ClaimName: tc.claim, ReadOnly: tc.readOnly}}})
			mounts, err := f.m.Setup(context.Background(), pod)
			if tc.err != "" {
				if err == nil || !strings.Contains(err.Error(), tc.err) {
					t.Fatalf("err = %v, want %q", err, tc.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if mounts["data"] != tc.want {
				t.Errorf("mount = %+v, want %+v", mounts["data"], tc.want)
			}
		})
	}
}

// A writable local volume goes to the fsGroup once per pod.
func TestClaimLocalFSGroup(t *testing.T) {
	requireRoot(t)
	data := filepath.Join(t.TempDir(), "data")
	if err := os.Mkdir(data, 0o755); err != nil {
		t.Fatal(err)
	}
	f := newFixture(t, claim("local", "pv-local", corev1.ClaimBound),
		pv("pv-local", "local", corev1.PersistentVolumeSource{Local: &corev1.LocalVolumeSource{Path: data}}))
	pod := newPod(corev1.Volume{Name: "data", VolumeSource: corev1.VolumeSource{
		PersistentVolumeClaim: &corev1.PersistentVolumeClaimVolumeSource{ClaimName: "local"}}})
	pod.Spec.SecurityContext = &corev1.PodSecurityContext{FSGroup: ptr(int64(2345))}
	ctx := context.Background()
	if _, err := f.m.Setup(ctx, pod); err != nil {
		t.Fatal(err)
	}
	checkGroup(t, data, 2345, os.ModeDir|os.ModeSetgid|0o775)

	// Not again for this pod: a later chgrp by the pod stays.
	if err := os.Chown(data, -1, 0); err != nil {
		t.Fatal(err)
	}
	if _, err := f.m.Setup(ctx, pod); err != nil {
		t.Fatal(err)
	}
	if gid := fileGid(t, data); gid != 0 {
		t.Errorf("ownership applied twice: gid %d", gid)
	}
}

func fileGid(t *testing.T, p string) int64 {
	t.Helper()
	fi, err := os.Lstat(p)
	if err != nil {
		t.Fatal(err)
	}
	return int64(fi.Sys().(*syscall.Stat_t).Gid)
}

func checkGroup(t *testing.T, p string, gid int64, mode os.FileMode) {
	t.Helper()
	if got := fileGid(t, p); got != gid {
		t.Errorf("%s gid %d, want %d", p, got, gid)
	}
	if got := fileMode(t, p); got != mode {
		t.Errorf("%s mode %v, want %v", p, got, mode)
	}
}
