package volume

import (
	"errors"
	"fmt"
	"log/slog"
	"path/filepath"
	"strconv"
	"syscall"

	"github.com/skiff/skiff/internal/kubelet/mountinfo"
)

// tmpfsMagic is TMPFS_MAGIC from statfs(2).
const tmpfsMagic = 0x01021994

// isTmpfsMount tells whether dir is itself the root of a tmpfs mount: a
// tmpfs whose device differs from its parent's. Two stat calls instead of
// reading the mount table keep this cheap on every sync.
func isTmpfsMount(dir string) (bool, error) {
	var fs syscall.Statfs_t
	if err := syscall.Statfs(dir, &fs); err != nil {
		return false, fmt.Errorf("statfs %s: %w", dir, err)
	}
	if fs.Type != tmpfsMagic {
		return false, nil
	}
	var st, parent syscall.Stat_t
	if err := syscall.Stat(dir, &st); err != nil {
		return false, fmt.Errorf("stat %s: %w", dir, err)
	}
	if err := syscall.Stat(filepath.Dir(dir), &parent); err != nil {
		return false, fmt.Errorf("stat %s: %w", filepath.Dir(dir), err)
	}
	return st.Dev != parent.Dev, nil
}

// mountTmpfs mounts a tmpfs on dir, of at most size bytes if size > 0.
func mountTmpfs(dir string, size int64) error {
	opts := ""
	if size > 0 {
		opts = "size=" + strconv.FormatInt(size, 10)
	}
	if err := syscall.Mount("tmpfs", dir, "tmpfs", 0, opts); err != nil {
		return fmt.Errorf("mount tmpfs on %s: %w", dir, err)
	}
	return nil
}

// unmountBelow unmounts every mount at or below dir, the most recent first
// (which also takes mounts stacked on one point off one by one), and then
// checks that none is left, so that removing dir can never reach into a
// mounted file system.
func unmountBelow(dir string, log *slog.Logger) error {
	// The mount table lists resolved paths.
	resolved, err := filepath.EvalSymlinks(dir)
	if err != nil {
		return fmt.Errorf("resolve %s: %w", dir, err)
	}
	mounts, err := mountinfo.Read()
	if err != nil {
		return err
	}
	below := mountinfo.Under(mounts, resolved, true)
	for i := len(below) - 1; i >= 0; i-- {
		mp := below[i].MountPoint
		err := syscall.Unmount(mp, 0)
		if errors.Is(err, syscall.EBUSY) {
			// Something on the host still has a file open in it; detach
			// it so the pod's directory can go, and let the kernel free
			// it when the last user lets go.
			log.Warn("volume mount busy, detaching it", "mountPoint", mp)
			err = syscall.Unmount(mp, syscall.MNT_DETACH)
		}
		if err != nil && !errors.Is(err, syscall.EINVAL) && !errors.Is(err, syscall.ENOENT) {
			return fmt.Errorf("unmount %s: %w", mp, err)
		}
	}
	if mounts, err = mountinfo.Read(); err != nil {
		return err
	}
	if left := mountinfo.Under(mounts, resolved, true); len(left) > 0 {
		return fmt.Errorf("%d mounts remain below %s (first %s)", len(left), resolved, left[0].MountPoint)
	}
	return nil
}
