package volume

import (
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
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
	mounts, err := readMountInfo()
	if err != nil {
		return err
	}
	below := mountsAtOrBelow(mounts, resolved)
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
	if mounts, err = readMountInfo(); err != nil {
		return err
	}
	if left := mountsAtOrBelow(mounts, resolved); len(left) > 0 {
		return fmt.Errorf("%d mounts remain below %s (first %s)", len(left), resolved, left[0].MountPoint)
	}
	return nil
}

// mountEntry is the part of a /proc/self/mountinfo line this package needs.
type mountEntry struct {
	MountPoint string
	FSType     string
}

func readMountInfo() ([]mountEntry, error) {
	b, err := os.ReadFile("/proc/self/mountinfo")
	if err != nil {
		return nil, fmt.Errorf("read mount table: %w", err)
	}
	return parseMountInfo(string(b))
}

// parseMountInfo reads mountinfo lines (proc(5)): field 5 is the mount
// point; after the optional fields and a lone "-" comes the type.
func parseMountInfo(s string) ([]mountEntry, error) {
	var out []mountEntry
	for _, line := range strings.Split(s, "\n") {
		if line == "" {
			continue
		}
		f := strings.Fields(line)
		if len(f) < 7 {
			return nil, fmt.Errorf("mountinfo: short line %q", line)
		}
		e := mountEntry{MountPoint: unescapeMountInfo(f[4])}
		for i := 6; i < len(f)-1; i++ {
			if f[i] == "-" {
				e.FSType = f[i+1]
				break
			}
		}
		out = append(out, e)
	}
	return out, nil
}

// unescapeMountInfo undoes the kernel's octal escapes (\040 for a space).
func unescapeMountInfo(s string) string {
	if !strings.Contains(s, `\`) {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == '\\' && i+4 <= len(s) {
			if n, err := strconv.ParseUint(s[i+1:i+4], 8, 8); err == nil {
				b.WriteByte(byte(n))
				i += 3
				continue
			}
		}
		b.WriteByte(s[i])
	}
	return b.String()
}

// mountsAtOrBelow keeps the mounts on dir or under it, in table order.
func mountsAtOrBelow(mounts []mountEntry, dir string) []mountEntry {
	prefix := strings.TrimSuffix(dir, "/") + "/"
	var out []mountEntry
	for _, m := range mounts {
		if m.MountPoint == dir || strings.HasPrefix(m.MountPoint, prefix) {
			out = append(out, m)
		}
	}
	return out
}
