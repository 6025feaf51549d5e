package runtime

import (
	"fmt"
	"log/slog"
	"path/filepath"
	"syscall"

	"github.com/skiff/skiff/internal/kubelet/mountinfo"
)

// MakeShared makes dir an rshared mount point, bind-mounting it onto itself
// if it is not a mount point yet. The root mount here is private
// (NODE-ENVIRONMENT item 8), so without this, mounts made under dir later
// (secret and projected tmpfs volumes) would not propagate into containers.
//
// The returned undo removes the bind mount MakeShared created, but only if
// nothing is mounted below dir any more: a container's rootfs or a volume
// still mounted there belongs to a pod that outlives this process.
func MakeShared(path string, log *slog.Logger) (undo func() error, err error) {
	// The mount table lists resolved paths.
	dir, err := filepath.EvalSymlinks(path)
	if err != nil {
		return nil, fmt.Errorf("make %s rshared: %w", path, err)
	}
	mounts, err := readMountInfo()
	if err != nil {
		return nil, err
	}
	undo = func() error { return nil }
	if selfBound(mounts, dir) {
		// A bind mount an earlier run made and could not remove (it was
		// killed): this run owns it now.
		undo = func() error { return unbindIfEmpty(dir, log) }
	}
	switch planShare(mounts, dir) {
	case shareNothing:
		return undo, nil
	case shareOnly:
		return undo, mountShared(dir)
	}
	if err := syscall.Mount(dir, dir, "", syscall.MS_BIND|syscall.MS_REC, ""); err != nil {
		return nil, fmt.Errorf("bind-mount %s onto itself: %w", dir, err)
	}
	if err := mountShared(dir); err != nil {
		_ = syscall.Unmount(dir, syscall.MNT_DETACH)
		return nil, err
	}
	log.Info("bind-mounted data dir onto itself as rshared", "dir", dir)
	return func() error { return unbindIfEmpty(dir, log) }, nil
}

func mountShared(dir string) error {
	if err := syscall.Mount("", dir, "", syscall.MS_SHARED|syscall.MS_REC, ""); err != nil {
		return fmt.Errorf("make %s rshared: %w", dir, err)
	}
	return nil
}

func unbindIfEmpty(dir string, log *slog.Logger) error {
	mounts, err := readMountInfo()
	if err != nil {
		return err
	}
	if n := mountsBelow(mounts, dir); n > 0 {
		log.Info("leaving data dir bind mount in place: mounts remain below it", "dir", dir, "mounts", n)
		return nil
	}
	if err := syscall.Unmount(dir, 0); err != nil {
		return fmt.Errorf("unmount bind mount %s: %w", dir, err)
	}
	return nil
}

func readMountInfo() ([]mountEntry, error) { return mountinfo.Read() }
