package runtime

import (
	"strings"

	"github.com/skiff/skiff/internal/kubelet/mountinfo"
)

// mountEntry is the part of a /proc/self/mountinfo line this package needs.
// mountEntry is a line of the mount table.
type mountEntry = mountinfo.Mount

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
