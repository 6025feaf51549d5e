package volume

import (
	"reflect"
	"testing"
)

func TestParseMountInfo(t *testing.T) {
	const table = `22 1 8:1 / / rw,relatime shared:1 - ext4 /dev/sda1 rw
40 22 0:35 / /var/lib/skiff/pods/u1/volumes/s rw,relatime shared:20 master:3 - tmpfs tmpfs rw,size=1024k
41 22 0:36 / /var/lib/skiff/pods/u1/volumes/with\040space rw - tmpfs tmpfs rw
42 22 0:37 / /var/lib/skiff/pods/u10/volumes/s rw - tmpfs tmpfs rw
43 40 0:38 / /var/lib/skiff/pods/u1/volumes/s rw - tmpfs tmpfs rw
`
	mounts, err := parseMountInfo(table)
	if err != nil {
		t.Fatal(err)
	}
	want := []mountEntry{
		{"/", "ext4"},
		{"/var/lib/skiff/pods/u1/volumes/s", "tmpfs"},
		{"/var/lib/skiff/pods/u1/volumes/with space", "tmpfs"},
		{"/var/lib/skiff/pods/u10/volumes/s", "tmpfs"},
		{"/var/lib/skiff/pods/u1/volumes/s", "tmpfs"},
	}
	if !reflect.DeepEqual(mounts, want) {
		t.Fatalf("parsed %v, want %v", mounts, want)
	}
	// u10 is not below u1; the stacked mount counts twice.
	got := mountsAtOrBelow(mounts, "/var/lib/skiff/pods/u1")
	if len(got) != 3 || got[1].MountPoint != "/var/lib/skiff/pods/u1/volumes/with space" {
		t.Errorf("below u1: %v", got)
	}
	if _, err := parseMountInfo("1 2 3\n"); err == nil {
		t.Error("short line accepted")
	}
}
