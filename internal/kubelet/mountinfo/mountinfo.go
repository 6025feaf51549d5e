// Package mountinfo reads the kernel's table of this process's mounts
// (/proc/self/mountinfo, proc(5)): where each mount is, what it mounts and
// how mounts below it propagate. It changes nothing; the node's parts that
// mount and unmount (the runtime's rshared data dir, volumes) decide from it.
package mountinfo

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
)

// Mount is one line of the table.
type Mount struct {
	// MountPoint is where it is mounted.
	MountPoint string
	// Root is the directory of the source filesystem mounted there; a
	// directory bind-mounted onto itself has Root == MountPoint (on the
	// root filesystem).
	Root string
	// FSType is the filesystem type ("tmpfs", "overlay", ...).
	FSType string
	// Shared: mounts below it propagate to its peers ("shared:N").
	Shared bool
}

// Read reads this process's mount table.
func Read() ([]Mount, error) {
	f, err := os.Open("/proc/self/mountinfo")
	if err != nil {
		return nil, fmt.Errorf("mountinfo: %w", err)
	}
	defer f.Close()
	return Parse(f)
}

// Parse reads mountinfo lines: field 4 is the root, field 5 the mount
// point, then optional fields up to a lone "-", then the type.
func Parse(r io.Reader) ([]Mount, error) {
	var out []Mount
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 64<<10), 1<<20)
	for sc.Scan() {
		line := sc.Text()
		if line == "" {
			continue
		}
		f := strings.Fields(line)
		if len(f) < 7 {
			return nil, fmt.Errorf("mountinfo: short line %q", line)
		}
		m := Mount{Root: unescape(f[3]), MountPoint: unescape(f[4])}
		for i := 6; i < len(f); i++ {
			if f[i] == "-" {
				if i+1 < len(f) {
					m.FSType = f[i+1]
				}
				break
			}
			if strings.HasPrefix(f[i], "shared:") {
				m.Shared = true
			}
		}
		out = append(out, m)
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("mountinfo: %w", err)
	}
	return out, nil
}

// Under keeps the mounts strictly below dir, and dir itself if at is set,
// in table order (a later mount on the same point is on top).
func Under(mounts []Mount, dir string, at bool) []Mount {
	prefix := strings.TrimSuffix(dir, "/") + "/"
	var out []Mount
	for _, m := range mounts {
		if (at && m.MountPoint == dir) || (m.MountPoint != dir && strings.HasPrefix(m.MountPoint, prefix)) {
			out = append(out, m)
		}
	}
	return out
}

// unescape undoes the kernel's octal escapes (\040 for a space).
func unescape(s string) string {
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
