// Package imagetest builds test images from the host's static busybox
// (Debian's busybox-static, installed by hack/setup-debian.sh).
package imagetest

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/tarball"

	"github.com/skiff/skiff/internal/images"
)

// BusyboxRef is the name BuildBusybox gives its image.
const BusyboxRef = "docker.io/library/busybox:1.36"

// Busybox is the busybox image with Cmd ["sh"].
func Busybox(t testing.TB) v1.Image {
	t.Helper()
	img, err := images.BusyboxImage(context.Background(), images.DefaultBusybox, []string{"sh"})
	if err != nil {
		t.Fatalf("build busybox image (apt-get install busybox-static): %v", err)
	}
	return img
}

// BuildBusybox writes the busybox image as a docker-archive named
// BusyboxRef to dir/busybox.tar and returns its path.
func BuildBusybox(t testing.TB, dir string) string {
	t.Helper()
	return WriteArchive(t, filepath.Join(dir, "busybox.tar"), BusyboxRef, Busybox(t))
}

// WriteArchive writes img as a docker-archive tagged ref to path.
func WriteArchive(t testing.TB, path, ref string, img v1.Image) string {
	t.Helper()
	tag, err := name.NewTag(ref)
	if err != nil {
		t.Fatal(err)
	}
	if err := tarball.WriteToFile(path, tag, img); err != nil {
		t.Fatalf("write %s: %v", path, err)
	}
	return path
}
