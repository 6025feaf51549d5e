package runtime

import (
	"archive/tar"
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	goruntime "runtime"
	"strings"
	"time"
)

// BusyboxImage describes a one-layer image made of a static busybox: enough
// for a sandbox image (Cmd sleep infinity) and for test images with a shell,
// httpd and nc, all without the internet.
type BusyboxImage struct {
	// Ref is the full image name, e.g. "docker.io/library/busybox:1.36".
	Ref string
	// Busybox is the static binary to put at /bin/busybox (Debian
	// busybox-static: /bin/busybox).
	Busybox string
	// Cmd is the image's default command.
	Cmd []string
	// Applets get /bin symlinks; nil asks the binary (busybox --list).
	Applets []string
}

// layerTime is every file's mtime, so the same binary gives the same digest.
var layerTime = time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC)

// WriteOCIArchive writes the image as an OCI image layout tarball, the
// format `ctr images import` and `skiff image push` read. The output is
// deterministic: the same inputs give the same digests.
func (b BusyboxImage) WriteOCIArchive(w io.Writer) error {
	if b.Ref == "" || b.Busybox == "" {
		return errors.New("busybox image: Ref and Busybox are required")
	}
	applets, err := b.applets()
	if err != nil {
		return err
	}
	bin, err := os.ReadFile(b.Busybox)
	if err != nil {
		return fmt.Errorf("busybox image: %w", err)
	}
	layer, err := busyboxLayer(bin, applets)
	if err != nil {
		return err
	}
	return writeOCILayout(w, b.Ref, layer, b.imageConfig(digestOf(layer)))
}

func (b BusyboxImage) applets() ([]string, error) {
	if b.Applets != nil {
		return b.Applets, nil
	}
	out, err := exec.Command(b.Busybox, "--list").Output()
	if err != nil {
		return nil, fmt.Errorf("busybox image: list applets of %s: %w", b.Busybox, err)
	}
	return strings.Fields(string(out)), nil
}

func (b BusyboxImage) imageConfig(layerDigest string) []byte {
	cfg := map[string]any{
		"architecture": goruntime.GOARCH,
		"os":           "linux",
		"created":      layerTime.Format(time.RFC3339),
		"config": map[string]any{
			"Cmd": b.Cmd,
			"Env": []string{"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"},
		},
		"rootfs": map[string]any{"type": "layers", "diff_ids": []string{layerDigest}},
	}
	data, _ := json.Marshal(cfg) // plain maps and strings always marshal
	return data
}

// busyboxLayer is an uncompressed tar: /bin/busybox, a symlink per applet,
// the usual empty directories and a passwd/group with root and nobody.
func busyboxLayer(bin []byte, applets []string) ([]byte, error) {
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	add := func(h *tar.Header, body []byte) error {
		h.ModTime, h.Format = layerTime, tar.FormatPAX
		if err := tw.WriteHeader(h); err != nil {
			return fmt.Errorf("busybox layer %s: %w", h.Name, err)
		}
		_, err := tw.Write(body)
		return err
	}
	for _, d := range []struct {
		name string
		mode int64
	}{{"bin/", 0o755}, {"dev/", 0o755}, {"etc/", 0o755}, {"proc/", 0o755}, {"root/", 0o700}, {"sys/", 0o755}, {"tmp/", 0o1777}, {"var/", 0o755}} {
		if err := add(&tar.Header{Typeflag: tar.TypeDir, Name: d.name, Mode: d.mode}, nil); err != nil {
			return nil, err
		}
	}
	files := []struct {
		name string
		mode int64
		body []byte
	}{
		{"bin/busybox", 0o755, bin},
		{"etc/passwd", 0o644, []byte("root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/:/bin/false\n")},
		{"etc/group", 0o644, []byte("root:x:0:\nnogroup:x:65534:\n")},
	}
	for _, f := range files {
		if err := add(&tar.Header{Typeflag: tar.TypeReg, Name: f.name, Mode: f.mode, Size: int64(len(f.body))}, f.body); err != nil {
			return nil, err
		}
	}
	for _, a := range applets {
		if a == "busybox" || strings.ContainsAny(a, "/") {
			continue
		}
		if err := add(&tar.Header{Typeflag: tar.TypeSymlink, Name: "bin/" + a, Linkname: "busybox", Mode: 0o777}, nil); err != nil {
			return nil, err
		}
	}
	if err := tw.Close(); err != nil {
		return nil, fmt.Errorf("busybox layer: %w", err)
	}
	return buf.Bytes(), nil
}

func digestOf(b []byte) string {
	sum := sha256.Sum256(b)
	return "sha256:" + hex.EncodeToString(sum[:])
}
