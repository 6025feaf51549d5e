package volume

import (
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"syscall"

	corev1 "k8s.io/api/core/v1"
)

// The bits the kubelet adds for the fsGroup: group read (and write, unless
// the volume is read-only) on everything, group search and setgid on
// directories so files made later inherit the group.
const (
	groupRW   = 0o660
	groupRO   = 0o440
	groupExec = 0o110
)

func fsGroup(pod *corev1.Pod) *int64 {
	if sc := pod.Spec.SecurityContext; sc != nil {
		return sc.FSGroup
	}
	return nil
}

// setOwnership gives everything below dir (dir included) to group gid and
// the group bits above, as the kubelet does for volumes that support
// ownership management. Symlinks are re-grouped but keep their mode.
func setOwnership(dir string, gid int64, readOnly bool) error {
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if err := os.Lchown(path, -1, int(gid)); err != nil {
			return err
		}
		if d.Type()&fs.ModeSymlink != 0 {
			return nil
		}
		info, err := d.Info()
		if err != nil {
			return err
		}
		mask := os.FileMode(groupRW)
		if readOnly {
			mask = groupRO
		}
		if info.IsDir() {
			mask |= os.ModeSetgid | groupExec
		}
		if info.Mode()|mask == info.Mode() {
			return nil
		}
		return os.Chmod(path, info.Mode()|mask)
	})
	if err != nil {
		return fmt.Errorf("give volume %s to fsGroup %d: %w", dir, gid, err)
	}
	return nil
}

// rootOwned tells whether the writable volume dir already belongs to gid
// with the bits setOwnership gives: the sign that it ran on it (the
// kubelet's OnRootMismatch test).
func rootOwned(dir string, gid int64) bool {
	fi, err := os.Stat(dir)
	if err != nil {
		return false
	}
	st, ok := fi.Sys().(*syscall.Stat_t)
	want := os.ModeSetgid | groupRW | groupExec
	return ok && int64(st.Gid) == gid && fi.Mode()&want == want
}
