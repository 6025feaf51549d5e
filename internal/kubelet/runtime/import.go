package runtime

import (
	"bytes"
	"context"
	"fmt"
	"os/exec"
	"strings"
)

// criNamespace is the containerd namespace the CRI plugin keeps images in.
const criNamespace = "k8s.io"

// ImportImage imports an image tarball (OCI layout or docker-archive) into
// the CRI plugin's namespace with containerd's own ctr, unpacked for the
// overlayfs snapshotter so a sandbox or container can start from it at once.
// The CRI plugin learns of the image from containerd's event stream, so
// ImageStatus may take a moment to see it.
func (c *Containerd) ImportImage(ctx context.Context, tarball string) error {
	return ImportImage(ctx, c.cfg.CtrBinary, c.l.Socket, tarball)
}

// ImportImage is the same for any containerd socket.
func ImportImage(ctx context.Context, ctr, socket, tarball string) error {
	cmd := exec.CommandContext(ctx, ctr, "--address", socket, "--namespace", criNamespace,
		"images", "import", "--snapshotter", "overlayfs", tarball)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("import image %s: %w: %s", tarball, err, strings.TrimSpace(out.String()))
	}
	return nil
}
