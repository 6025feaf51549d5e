package runtime

import (
	"bufio"
	"fmt"
	"io"
	"strconv"
	"strings"
)

// mountEntry is the part of a /proc/self/mountinfo line this package needs.
type mountEntry struct {
	MountPoint string
	Shared     bool // propagation is shared (optional field "shared:N")
	// Root is the directory of the source filesystem mounted here; a
	// directory bind-mounted onto itself has Root == MountPoint (when it
	// lives on the root filesystem).
	Root string
}

// parseMountInfo reads /proc/self/mountinfo lines (proc(5)): field 5 is the
// mount point, then optional fields up to a lone "-".
func parseMountInfo(r io.Reader) ([]mountEntry, error) {
	var out []mountEntry
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 64<<10), 1<<20)
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		if len(f) < 7 {
			return nil, fmt.Errorf("mountinfo: short line %q", sc.Text())
		}
		e := mountEntry{MountPoint: unescapeMountInfo(f[4]), Root: unescapeMountInfo(f[3])}
		for _, opt := range f[6:] {
			if opt == "-" {
				break
			}
			if strings.HasPrefix(opt, "shared:") {
				e.Shared = true
			}
		}
		out = append(out, e)
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("mountinfo: %w", err)
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

// shareAction is what makeShared must do to a directory.
type shareAction int

const (
	shareNothing shareAction = iota // already a shared mount point
	shareOnly                       // a mount point, but not shared
	shareBind                       // not a mount point: bind it onto itself first
)

// planShare decides from the mount table how to make dir an rshared mount.
// The last entry for a mount point wins: it is the one on top.
func planShare(mounts []mountEntry, dir string) shareAction {
	act := shareBind
	for _, m := range mounts {
		if m.MountPoint != dir {
			continue
		}
		act = shareOnly
		if m.Shared {
			act = shareNothing
		}
	}
	return act
}

// selfBound reports whether the mount on top of dir is dir bound onto
// itself: what MakeShared makes, so a later run (after a kill -9 left it
// in place) may take it over and remove it when it stops.
func selfBound(mounts []mountEntry, dir string) bool {
	bound := false
	for _, m := range mounts {
		if m.MountPoint == dir {
			bound = m.Root == dir
		}
	}
	return bound
}

// mountsBelow counts mounts strictly under dir.
func mountsBelow(mounts []mountEntry, dir string) int {
	n := 0
	prefix := strings.TrimSuffix(dir, "/") + "/"
	for _, m := range mounts {
		if m.MountPoint != dir && strings.HasPrefix(m.MountPoint, prefix) {
			n++
		}
	}
	return n
}
