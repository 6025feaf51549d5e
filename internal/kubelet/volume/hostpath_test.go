package volume

import (
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
)

func TestCheckHostPath(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "file")
	if err := os.WriteFile(file, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	sock := filepath.Join(dir, "sock")
	l, err := net.Listen("unix", sock)
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	missing := filepath.Join(dir, "missing")

	for _, tc := range []struct {
		name    string
		path    string
		typ     corev1.HostPathType
		err     string
		created os.FileMode // the type of what *OrCreate made; 0 for nothing
	}{
		{name: "no type, missing", path: missing, typ: corev1.HostPathUnset},
		{name: "directory", path: dir, typ: corev1.HostPathDirectory},
		{name: "directory, is a file", path: file, typ: corev1.HostPathDirectory, err: "hostPath type check failed: " + file + " is not a directory"},
		{name: "directory, missing", path: missing, typ: corev1.HostPathDirectory, err: "is not a directory"},
		{name: "directoryOrCreate, exists", path: dir, typ: corev1.HostPathDirectoryOrCreate},
		{name: "directoryOrCreate, is a file", path: file, typ: corev1.HostPathDirectoryOrCreate, err: "is not a directory"},
		{name: "directoryOrCreate, creates parents", path: filepath.Join(dir, "new/a/b"), typ: corev1.HostPathDirectoryOrCreate, created: os.ModeDir | 0o755},
		{name: "file", path: file, typ: corev1.HostPathFile},
		{name: "file, is a directory", path: dir, typ: corev1.HostPathFile, err: "hostPath type check failed: " + dir + " is not a file"},
		{name: "fileOrCreate", path: filepath.Join(dir, "newfile"), typ: corev1.HostPathFileOrCreate, created: 0o644},
		{name: "fileOrCreate, no parent", path: filepath.Join(dir, "nodir/f"), typ: corev1.HostPathFileOrCreate, err: "create hostPath file"},
		{name: "fileOrCreate, is a directory", path: dir, typ: corev1.HostPathFileOrCreate, err: "is not a file"},
		{name: "socket", path: sock, typ: corev1.HostPathSocket},
		{name: "socket, is a file", path: file, typ: corev1.HostPathSocket, err: "is not a socket file"},
		{name: "char device", path: "/dev/null", typ: corev1.HostPathCharDev},
		{name: "char device, is a file", path: file, typ: corev1.HostPathCharDev, err: "is not a character device"},
		{name: "block device, is a char device", path: "/dev/null", typ: corev1.HostPathBlockDev, err: "/dev/null is not a block device"},
		{name: "unknown type", path: dir, typ: "Fifo", err: "Fifo is an invalid volume type"},
		{name: "relative", path: "rel/x", typ: corev1.HostPathUnset, err: "not an absolute path"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			typ := tc.typ
			m, err := setupHostPath(&corev1.HostPathVolumeSource{Path: tc.path, Type: &typ})
			if tc.err != "" {
				if err == nil || !strings.Contains(err.Error(), tc.err) {
					t.Fatalf("err = %v, want %q", err, tc.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if m != (Mount{HostPath: tc.path}) {
				t.Errorf("mount = %+v", m)
			}
			if tc.created != 0 {
				// The test runs with umask 022 at most, as the kubelet does.
				if got := fileMode(t, tc.path); got&^0o022 != tc.created&^0o022 || got.Type() != tc.created.Type() {
					t.Errorf("created %v, want %v", got, tc.created)
				}
			}
		})
	}
}

func TestSourceType(t *testing.T) {
	for _, tc := range []struct {
		src  any
		want string
	}{
		{&corev1.VolumeSource{NFS: &corev1.NFSVolumeSource{}}, "nfs"},
		{&corev1.VolumeSource{CSI: &corev1.CSIVolumeSource{}}, "csi"},
		{&corev1.VolumeSource{Ephemeral: &corev1.EphemeralVolumeSource{}}, "ephemeral"},
		{&corev1.VolumeSource{Image: &corev1.ImageVolumeSource{}}, "image"},
		{&corev1.VolumeSource{}, "(none)"},
		{&corev1.PersistentVolumeSource{ISCSI: &corev1.ISCSIPersistentVolumeSource{}}, "iscsi"},
		{&corev1.VolumeProjection{ClusterTrustBundle: &corev1.ClusterTrustBundleProjection{}}, "clusterTrustBundle"},
	} {
		if got := sourceType(tc.src); got != tc.want {
			t.Errorf("sourceType(%T) = %q, want %q", tc.src, got, tc.want)
		}
	}
}
