package runtime

import (
	"context"
	"errors"
	"fmt"

	criapi "k8s.io/cri-api/pkg/apis/runtime/v1"
)

// StreamOptions are the standard streams an exec or attach session
// carries. At least one of Stdin, Stdout and Stderr must be set, and a TTY
// merges stderr into stdout, so Stderr must be false with TTY (CRI rules).
type StreamOptions struct {
	Stdin, Stdout, Stderr, TTY bool
}

func (o StreamOptions) validate() error {
	switch {
	case !o.Stdin && !o.Stdout && !o.Stderr:
		return errors.New("one of stdin, stdout or stderr must be set")
	case o.TTY && o.Stderr:
		return errors.New("stderr cannot be used with a TTY")
	}
	return nil
}

// Exec asks the runtime to prepare cmd in a running container and returns
// the URL of the runtime's streaming server that runs it once a client
// connects (SPDY or WebSocket, the Kubernetes remotecommand protocols).
func (c *Client) Exec(ctx context.Context, containerID string, cmd []string, o StreamOptions) (string, error) {
	if err := o.validate(); err != nil {
		return "", fmt.Errorf("CRI Exec %v in %s: %w", cmd, containerID, err)
	}
	req := &criapi.ExecRequest{ContainerId: containerID, Cmd: cmd, Tty: o.TTY, Stdin: o.Stdin, Stdout: o.Stdout, Stderr: o.Stderr}
	r, err := c.rt.Exec(ctx, req)
	if err != nil {
		return "", fmt.Errorf("CRI Exec %v in %s: %w", cmd, containerID, err)
	}
	return r.Url, nil
}

// Attach returns the streaming URL that attaches to a running container's
// main process.
func (c *Client) Attach(ctx context.Context, containerID string, o StreamOptions) (string, error) {
	if err := o.validate(); err != nil {
		return "", fmt.Errorf("CRI Attach to %s: %w", containerID, err)
	}
	req := &criapi.AttachRequest{ContainerId: containerID, Tty: o.TTY, Stdin: o.Stdin, Stdout: o.Stdout, Stderr: o.Stderr}
	r, err := c.rt.Attach(ctx, req)
	if err != nil {
		return "", fmt.Errorf("CRI Attach to %s: %w", containerID, err)
	}
	return r.Url, nil
}

// PortForward returns the streaming URL that forwards connections into a
// pod sandbox's network namespace. ports matter only to WebSocket clients
// of the runtime; SPDY clients name a port per stream.
func (c *Client) PortForward(ctx context.Context, sandboxID string, ports []int32) (string, error) {
	r, err := c.rt.PortForward(ctx, &criapi.PortForwardRequest{PodSandboxId: sandboxID, Port: ports})
	if err != nil {
		return "", fmt.Errorf("CRI PortForward to sandbox %s: %w", sandboxID, err)
	}
	return r.Url, nil
}
