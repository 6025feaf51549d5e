package runtime

import (
	"strings"
	"testing"

	"github.com/skiff/skiff/internal/kubelet/mountinfo"
)

const sampleMountInfo = `22 1 254:1 / / rw,relatime - ext4 /dev/vda1 rw
23 22 0:21 / /proc rw,nosuid - proc proc rw
40 22 254:1 /var/lib/skiff /var/lib/skiff rw,relatime shared:12 - ext4 /dev/vda1 rw
41 22 254:1 /data /data rw,relatime master:3 - ext4 /dev/vda1 rw
42 22 254:1 /with\040space /with\040space rw - ext4 /dev/vda1 rw
50 40 0:50 / /var/lib/skiff/pods/x/vol rw shared:13 - tmpfs tmpfs rw
`

func TestPlanShare(t *testing.T) {
	mounts, err := mountinfo.Parse(strings.NewReader(sampleMountInfo))
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		dir  string
		want shareAction
	}{
		{"/var/lib/skiff", shareNothing},
		{"/data", shareOnly},       // a slave mount is not shared
		{"/with space", shareOnly}, // private
		{"/srv/node", shareBind},   // not a mount point
		{"/var/lib", shareBind},    // a prefix of a mount point is not one
	}
	for _, tc := range cases {
		if got := planShare(mounts, tc.dir); got != tc.want {
			t.Errorf("planShare(%q) = %v, want %v", tc.dir, got, tc.want)
		}
	}
	// The mount on top decides: a later private mount over a shared one.
	stacked := append(mounts, mountinfo.Mount{MountPoint: "/var/lib/skiff"})
	if got := planShare(stacked, "/var/lib/skiff"); got != shareOnly {
		t.Errorf("stacked mount: got %v, want shareOnly", got)
	}
}

func TestMountsBelow(t *testing.T) {
	mounts, _ := mountinfo.Parse(strings.NewReader(sampleMountInfo))
	cases := map[string]int{"/var/lib/skiff": 1, "/var/lib/skiff/": 1, "/data": 0, "/": 5, "/var/lib/skif": 0}
	for dir, want := range cases {
		if got := mountsBelow(mounts, dir); got != want {
			t.Errorf("mountsBelow(%q) = %d, want %d", dir, got, want)
		}
	}
}

func TestSelfBound(t *testing.T) {
	mounts, err := mountinfo.Parse(strings.NewReader(sampleMountInfo))
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		dir  string
		want bool
	}{
		{"/var/lib/skiff", true},             // bound onto itself
		{"/var/lib/skiff/pods/x/vol", false}, // a tmpfs
		{"/proc", false},
		{"/srv", false}, // not a mount point
	}
	for _, tc := range cases {
		if got := selfBound(mounts, tc.dir); got != tc.want {
			t.Errorf("selfBound(%q) = %v, want %v", tc.dir, got, tc.want)
		}
	}
}
