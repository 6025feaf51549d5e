package images

import (
	"strings"
	"testing"
)

func TestParseReference(t *testing.T) {
	digest := "sha256:" + strings.Repeat("ab", 32)
	cases := []struct {
		in      string
		want    string
		wantErr bool
	}{
		{"busybox", "docker.io/library/busybox:latest", false},
		{"busybox:1.36", "docker.io/library/busybox:1.36", false},
		{"library/busybox:1.36", "docker.io/library/busybox:1.36", false},
		{"docker.io/library/busybox:1.36", "docker.io/library/busybox:1.36", false},
		{"index.docker.io/library/busybox:1.36", "docker.io/library/busybox:1.36", false},
		{"docker.io/busybox", "docker.io/library/busybox:latest", false},
		{"someone/app:v1", "docker.io/someone/app:v1", false},
		{"registry.k8s.io/pause:3.10", "registry.k8s.io/pause:3.10", false},
		{"localhost:5000/app", "localhost:5000/app:latest", false},
		{"localhost/app:v2", "localhost/app:v2", false},
		{"busybox@" + digest, "docker.io/library/busybox@" + digest, false},
		{"Busybox", "", true},
		{"busybox:bad/tag", "", true},
		{"busybox@sha256:short", "", true},
		{"docker.io/../etc", "", true},
		{"", "", true},
	}
	for _, c := range cases {
		ref, err := ParseReference(c.in)
		if (err != nil) != c.wantErr {
			t.Errorf("ParseReference(%q) error = %v, want error %v", c.in, err, c.wantErr)
			continue
		}
		if err == nil && ref.String() != c.want {
			t.Errorf("ParseReference(%q) = %q, want %q", c.in, ref.String(), c.want)
		}
	}
}

func TestRepositoryFor(t *testing.T) {
	cases := []struct {
		name, ns string
		want     string
		wantErr  bool
	}{
		{"library/busybox", "docker.io", "docker.io/library/busybox", false},
		{"pause", "registry.k8s.io", "registry.k8s.io/pause", false},
		{"docker.io/library/busybox", "", "docker.io/library/busybox", false},
		{"library/busybox", "", "docker.io/library/busybox", false},
		{"busybox", "", "docker.io/library/busybox", false},
		{"quay.io/org/app", "", "quay.io/org/app", false},
		{"library/busybox", "not a host", "", true},
		{"library/_manifests", "docker.io", "", true},
		{"a/../b", "docker.io", "", true},
		{"", "docker.io", "", true},
	}
	for _, c := range cases {
		got, err := RepositoryFor(c.name, c.ns)
		if (err != nil) != c.wantErr || got != c.want && !c.wantErr {
			t.Errorf("RepositoryFor(%q, %q) = %q, %v; want %q, error %v", c.name, c.ns, got, err, c.want, c.wantErr)
		}
	}
}

func TestParseRoute(t *testing.T) {
	cases := []struct {
		path, ns string
		want     route
		wantErr  bool
	}{
		{"/v2/", "", route{kind: routeBase}, false},
		{"/v2", "", route{kind: routeBase}, false},
		{"/v2/_catalog", "", route{kind: routeCatalog}, false},
		{"/v2/docker.io/library/busybox/tags/list", "", route{kind: routeTags, name: "docker.io/library/busybox", repo: "docker.io/library/busybox"}, false},
		{"/v2/library/busybox/manifests/1.36", "docker.io", route{kind: routeManifest, name: "library/busybox", repo: "docker.io/library/busybox", ref: "1.36"}, false},
		{"/v2/a/blobs/b/blobs/sha256:x", "", route{kind: routeBlob, name: "a/blobs/b", repo: "docker.io/a/blobs/b", ref: "sha256:x"}, false},
		{"/v2/x.io/app/blobs/uploads/", "", route{kind: routeUpload, name: "x.io/app", repo: "x.io/app"}, false},
		{"/v2/x.io/app/blobs/uploads/abc", "", route{kind: routeUpload, name: "x.io/app", repo: "x.io/app", ref: "abc"}, false},
		{"/v2/x.io/app/other", "", route{}, true},
		{"/v2/manifests/latest", "", route{}, true},
	}
	for _, c := range cases {
		got, err := parseRoute(c.path, c.ns)
		if (err != nil) != c.wantErr || got != c.want {
			t.Errorf("parseRoute(%q, %q) = %+v, %v; want %+v, error %v", c.path, c.ns, got, err, c.want, c.wantErr)
		}
	}
}

func TestHumanSize(t *testing.T) {
	cases := map[int64]string{0: "0B", 999: "999B", 1000: "1kB", 1234567: "1.23MB", 2_000_000_000: "2GB"}
	for in, want := range cases {
		if got := HumanSize(in); got != want {
			t.Errorf("HumanSize(%d) = %q, want %q", in, got, want)
		}
	}
}
