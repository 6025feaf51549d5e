package mountinfo

import (
	"reflect"
	"strings"
	"testing"
)

const sample = `22 1 254:1 / / rw,relatime - ext4 /dev/vda1 rw
23 22 0:21 / /proc rw,nosuid - proc proc rw
40 22 254:1 /var/lib/skiff /var/lib/skiff rw,relatime shared:12 - ext4 /dev/vda1 rw
41 22 254:1 /data /data rw,relatime master:3 - ext4 /dev/vda1 rw
42 22 254:1 /with\040space /with\040space rw - ext4 /dev/vda1 rw
50 40 0:50 / /var/lib/skiff/pods/x/vol rw shared:13 - tmpfs tmpfs rw
`

func TestParse(t *testing.T) {
	got, err := Parse(strings.NewReader(sample))
	if err != nil {
		t.Fatal(err)
	}
	want := []Mount{
		{MountPoint: "/", Root: "/", FSType: "ext4"},
		{MountPoint: "/proc", Root: "/", FSType: "proc"},
		{MountPoint: "/var/lib/skiff", Root: "/var/lib/skiff", FSType: "ext4", Shared: true},
		{MountPoint: "/data", Root: "/data", FSType: "ext4"},
		{MountPoint: "/with space", Root: "/with space", FSType: "ext4"},
		{MountPoint: "/var/lib/skiff/pods/x/vol", Root: "/", FSType: "tmpfs", Shared: true},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got %+v\nwant %+v", got, want)
	}
	if _, err := Parse(strings.NewReader("1 2 3\n")); err == nil {
		t.Error("a short line must be an error")
	}
}

func TestUnder(t *testing.T) {
	mounts, err := Parse(strings.NewReader(sample))
	if err != nil {
		t.Fatal(err)
	}
	points := func(ms []Mount) []string {
		var out []string
		for _, m := range ms {
			out = append(out, m.MountPoint)
		}
		return out
	}
	cases := []struct {
		dir  string
		at   bool
		want []string
	}{
		{"/var/lib/skiff", false, []string{"/var/lib/skiff/pods/x/vol"}},
		{"/var/lib/skiff", true, []string{"/var/lib/skiff", "/var/lib/skiff/pods/x/vol"}},
		{"/var/lib", false, []string{"/var/lib/skiff", "/var/lib/skiff/pods/x/vol"}},
		{"/var/lib/sk", true, nil}, // a prefix of a name is not a parent
	}
	for _, tc := range cases {
		if got := points(Under(mounts, tc.dir, tc.at)); !reflect.DeepEqual(got, tc.want) {
			t.Errorf("Under(%q, %v) = %v, want %v", tc.dir, tc.at, got, tc.want)
		}
	}
}
