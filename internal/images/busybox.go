package images

import (
	"archive/tar"
	"bytes"
	"context"
	"debug/elf"
	"fmt"
	"io"
	"os"
	"os/exec"
	"runtime"
	"strings"
	"time"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/tarball"
)

// Images are built from the host's static busybox (Debian's
// busybox-static) so that tests, examples and the pod sandbox need no
// registry on the internet. The sandbox (pause) image is the same layer
// with Cmd ["sleep", "infinity"]: busybox is on every node already, and a
// second binary to build and ship would buy nothing a sandbox needs.

// DefaultBusybox is where Debian's busybox-static installs the binary.
const DefaultBusybox = "/bin/busybox"

// PauseCommand is the sandbox image's command.
func PauseCommand() []string { return []string{"sleep", "infinity"} }

// imagePath is the PATH docker images set.
const imagePath = "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

// BusyboxImage builds a one-layer image holding busybox at /bin/busybox,
// a link in /bin for each of its applets (sh, httpd, nc, sleep, ...), a
// minimal /etc/passwd and /etc/group and /tmp, with no entrypoint and cmd
// as its command. The build is reproducible: the same binary gives the
// same digest.
func BusyboxImage(ctx context.Context, busybox string, cmd []string) (v1.Image, error) {
	bin, err := os.ReadFile(busybox)
	if err != nil {
		return nil, fmt.Errorf("busybox image: %w", err)
	}
	if err := checkStatic(busybox); err != nil {
		return nil, err
	}
	applets, err := busyboxApplets(ctx, busybox)
	if err != nil {
		return nil, err
	}
	layerTar, err := busyboxLayer(bin, applets)
	if err != nil {
		return nil, err
	}
	layer, err := tarball.LayerFromOpener(func() (io.ReadCloser, error) {
		return io.NopCloser(bytes.NewReader(layerTar)), nil
	})
	if err != nil {
		return nil, fmt.Errorf("busybox layer: %w", err)
	}
	img, err := mutate.AppendLayers(empty.Image, layer)
	if err != nil {
		return nil, fmt.Errorf("busybox image: %w", err)
	}
	return withConfig(img, cmd)
}

func withConfig(img v1.Image, cmd []string) (v1.Image, error) {
	cfg, err := img.ConfigFile()
	if err != nil {
		return nil, fmt.Errorf("busybox image config: %w", err)
	}
	cfg = cfg.DeepCopy()
	cfg.OS, cfg.Architecture = "linux", runtime.GOARCH
	cfg.Config.Cmd = cmd
	cfg.Config.Env = []string{imagePath}
	return mutate.ConfigFile(img, cfg)
}

// checkStatic refuses a dynamically linked busybox (Debian's plain
// busybox package), which could not run in an image without libc.
func checkStatic(path string) error {
	f, err := elf.Open(path)
	if err != nil {
		return fmt.Errorf("busybox image: %s: %w", path, err)
	}
	defer f.Close()
	for _, p := range f.Progs {
		if p.Type == elf.PT_INTERP {
			return fmt.Errorf("busybox image: %s is dynamically linked; install busybox-static", path)
		}
	}
	return nil
}

func busyboxApplets(ctx context.Context, busybox string) ([]string, error) {
	out, err := exec.CommandContext(ctx, busybox, "--list").Output()
	if err != nil {
		return nil, fmt.Errorf("busybox --list: %w", err)
	}
	var applets []string
	for _, a := range strings.Fields(string(out)) {
		if a != "busybox" && !strings.Contains(a, "/") {
			applets = append(applets, a)
		}
	}
	return applets, nil
}

// busyboxLayer is the layer's uncompressed tar, with fixed times and
// owners so that its digest depends only on its content.
func busyboxLayer(bin []byte, applets []string) ([]byte, error) {
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	epoch := time.Unix(0, 0)
	files := []tar.Header{
		{Name: "bin/", Typeflag: tar.TypeDir, Mode: 0o755},
		{Name: "etc/", Typeflag: tar.TypeDir, Mode: 0o755},
		{Name: "root/", Typeflag: tar.TypeDir, Mode: 0o700},
		{Name: "tmp/", Typeflag: tar.TypeDir, Mode: 0o1777},
		{Name: "bin/busybox", Typeflag: tar.TypeReg, Mode: 0o755, Size: int64(len(bin))},
	}
	contents := map[string][]byte{
		"bin/busybox": bin,
		"etc/passwd":  []byte("root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/bin/false\n"),
		"etc/group":   []byte("root:x:0:\nnogroup:x:65534:\n"),
	}
	for _, name := range []string{"etc/passwd", "etc/group"} {
		files = append(files, tar.Header{Name: name, Typeflag: tar.TypeReg, Mode: 0o644, Size: int64(len(contents[name]))})
	}
	for _, a := range applets {
		files = append(files, tar.Header{Name: "bin/" + a, Typeflag: tar.TypeSymlink, Linkname: "busybox", Mode: 0o777})
	}
	for _, h := range files {
		h.ModTime = epoch
		if err := tw.WriteHeader(&h); err != nil {
			return nil, fmt.Errorf("busybox layer: %w", err)
		}
		if _, err := tw.Write(contents[h.Name]); err != nil {
			return nil, fmt.Errorf("busybox layer: %w", err)
		}
	}
	if err := tw.Close(); err != nil {
		return nil, fmt.Errorf("busybox layer: %w", err)
	}
	return buf.Bytes(), nil
}
