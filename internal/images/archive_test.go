package images_test

import (
	"archive/tar"
	"context"
	"io"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/layout"
	"github.com/google/go-containerregistry/pkg/v1/random"
	"github.com/google/go-containerregistry/pkg/v1/tarball"

	"github.com/skiff/skiff/internal/images"
	"github.com/skiff/skiff/internal/images/imagetest"
)

func TestBusyboxArchive(t *testing.T) {
	path := imagetest.BuildBusybox(t, t.TempDir())
	a, err := images.OpenArchive(path)
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	if len(a.Images) != 1 || a.Images[0].Ref.String() != imagetest.BusyboxRef {
		t.Fatalf("archive images = %+v, want one named %s", a.Images, imagetest.BusyboxRef)
	}
	img := a.Images[0].Image
	cfg, err := img.ConfigFile()
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(cfg.Config.Cmd, []string{"sh"}) || len(cfg.Config.Entrypoint) != 0 {
		t.Errorf("cmd %q entrypoint %q, want [sh] and none", cfg.Config.Cmd, cfg.Config.Entrypoint)
	}
	files := layerFiles(t, img)
	if files["bin/busybox"] != "" {
		t.Errorf("bin/busybox missing or not a file: %q", files["bin/busybox"])
	}
	for _, applet := range []string{"sh", "httpd", "nc", "sleep", "cat", "echo", "ls", "wget"} {
		if files["bin/"+applet] != "-> busybox" {
			t.Errorf("bin/%s = %q, want a link to busybox", applet, files["bin/"+applet])
		}
	}
	// The build is reproducible, so a node's pause image keeps its digest.
	again := imagetest.Busybox(t)
	d1, _ := img.Digest()
	d2, _ := again.Digest()
	if d1 != d2 {
		t.Errorf("two builds differ: %s and %s", d1, d2)
	}
}

// layerFiles lists the single layer's entries: "" for a file, "-> target"
// for a link.
func layerFiles(t *testing.T, img v1.Image) map[string]string {
	t.Helper()
	layers, err := img.Layers()
	if err != nil || len(layers) != 1 {
		t.Fatalf("layers: %d, %v", len(layers), err)
	}
	rc, err := layers[0].Uncompressed()
	if err != nil {
		t.Fatal(err)
	}
	defer rc.Close()
	files := map[string]string{}
	tr := tar.NewReader(rc)
	for {
		h, err := tr.Next()
		if err == io.EOF {
			return files
		}
		if err != nil {
			t.Fatal(err)
		}
		switch h.Typeflag {
		case tar.TypeSymlink:
			files[h.Name] = "-> " + h.Linkname
		case tar.TypeReg:
			files[h.Name] = ""
		}
	}
}

func TestOpenArchive(t *testing.T) {
	img1, _ := random.Image(256, 1)
	img2, _ := random.Image(256, 1)
	dir := t.TempDir()
	multi := filepath.Join(dir, "multi.tar")
	refs := map[name.Reference]v1.Image{name.MustParseReference("busybox:1.36"): img1, name.MustParseReference("quay.io/org/app:v1"): img2}
	if err := tarball.MultiRefWriteToFile(multi, refs); err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name, path string
		want       []string
	}{
		{"docker-archive with two images", multi, []string{"docker.io/library/busybox:1.36", "quay.io/org/app:v1"}},
		{"OCI layout, containerd names", ociArchive(t, dir, "ctr.tar", map[string]string{"io.containerd.image.name": "docker.io/library/busybox:1.36", "org.opencontainers.image.ref.name": "1.36"}, img1), []string{"docker.io/library/busybox:1.36"}},
		{"OCI layout, full ref.name", ociArchive(t, dir, "full.tar", map[string]string{"org.opencontainers.image.ref.name": "registry.k8s.io/pause:3.10"}, img1), []string{"registry.k8s.io/pause:3.10"}},
		{"OCI layout, tag only", ociArchive(t, dir, "tag.tar", map[string]string{"org.opencontainers.image.ref.name": "1.36"}, img1), []string{":1.36"}},
	}
	for _, c := range cases {
		a, err := images.OpenArchive(c.path)
		if err != nil {
			t.Errorf("%s: %v", c.name, err)
			continue
		}
		var got []string
		for _, item := range a.Images {
			got = append(got, item.Ref.String())
		}
		a.Close()
		slices.Sort(got)
		if !slices.Equal(got, c.want) {
			t.Errorf("%s: names %q, want %q", c.name, got, c.want)
		}
	}
	if _, err := images.OpenArchive(writeTar(t, dir, "junk.tar", map[string]string{"hello": "world"})); err == nil {
		t.Error("a tarball that is no image archive was accepted")
	}
}

// ociArchive writes img as an OCI layout tarball with annotations on its
// index entry.
func ociArchive(t *testing.T, dir, file string, annotations map[string]string, img v1.Image) string {
	t.Helper()
	layoutDir := filepath.Join(dir, file+".d")
	p, err := layout.Write(layoutDir, empty.Index)
	if err != nil {
		t.Fatal(err)
	}
	if err := p.AppendImage(img, layout.WithAnnotations(annotations)); err != nil {
		t.Fatal(err)
	}
	files := map[string]string{}
	err = filepath.Walk(layoutDir, func(path string, fi os.FileInfo, err error) error {
		if err != nil || fi.IsDir() {
			return err
		}
		data, err := os.ReadFile(path)
		rel, _ := filepath.Rel(layoutDir, path)
		files[filepath.ToSlash(rel)] = string(data)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return writeTar(t, dir, file, files)
}

func writeTar(t *testing.T, dir, file string, files map[string]string) string {
	t.Helper()
	path := filepath.Join(dir, file)
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	tw := tar.NewWriter(f)
	for name, content := range files {
		if err := tw.WriteHeader(&tar.Header{Name: "./" + name, Mode: 0o644, Size: int64(len(content)), Typeflag: tar.TypeReg}); err != nil {
			t.Fatal(err)
		}
		if _, err := io.WriteString(tw, content); err != nil {
			t.Fatal(err)
		}
	}
	if err := tw.Close(); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestClientPushAndList(t *testing.T) {
	st, err := images.Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewTLSServer(images.NewHandler(images.HandlerConfig{Store: st}))
	defer srv.Close()
	c := &images.Client{Host: strings.TrimPrefix(srv.URL, "https://"), Transport: srv.Client().Transport}
	ctx := context.Background()
	busybox := imagetest.BuildBusybox(t, t.TempDir())
	pushed, err := c.PushArchive(ctx, busybox, "")
	if err != nil || len(pushed) != 1 || pushed[0].Ref.String() != imagetest.BusyboxRef {
		t.Fatalf("push = %+v, %v", pushed, err)
	}
	img, _ := random.Image(300, 2)
	tagOnly := ociArchive(t, t.TempDir(), "tag.tar", map[string]string{"org.opencontainers.image.ref.name": "v1"}, img)
	if _, err := c.PushArchive(ctx, tagOnly, ""); err == nil || !strings.Contains(err.Error(), "--name") {
		t.Errorf("push of an unnamed image: %v, want an error asking for --name", err)
	}
	if _, err := c.PushArchive(ctx, tagOnly, "app:v1"); err != nil {
		t.Fatalf("push --name: %v", err)
	}
	list, err := c.List(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, l := range list {
		got = append(got, l.Repository+" "+l.Tag+" "+l.Digest+" "+images.HumanSize(l.Size))
	}
	bbSize := imageSize(t, imagetest.Busybox(t))
	appDigest, _ := img.Digest()
	want := []string{
		"docker.io/library/app v1 " + appDigest.String() + " " + images.HumanSize(imageSize(t, img)),
		"docker.io/library/busybox 1.36 " + pushed[0].Digest + " " + images.HumanSize(bbSize),
	}
	if !slices.Equal(got, want) {
		t.Errorf("list =\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	for image, want := range map[string]bool{
		"busybox:1.36": true, "docker.io/library/busybox:1.36": true, "app:v1": true,
		"busybox:1.37": false, "docker.io/library/nothere:1": false, "quay.io/x/busybox:1.36": false,
	} {
		if got, err := c.Has(ctx, image); err != nil || got != want {
			t.Errorf("Has(%q) = %v, %v; want %v", image, got, err, want)
		}
	}
}

func imageSize(t *testing.T, img v1.Image) int64 {
	t.Helper()
	m, err := img.Manifest()
	if err != nil {
		t.Fatal(err)
	}
	n := m.Config.Size
	for _, l := range m.Layers {
		n += l.Size
	}
	return n
}
