package runtime

import (
	"context"
	"fmt"
	"time"

	criapi "k8s.io/cri-api/pkg/apis/runtime/v1"
)

// CreateContainer creates a container in a sandbox and returns its ID.
// sandboxCfg is the config the sandbox was run with, as CRI requires.
func (c *Client) CreateContainer(ctx context.Context, sandboxID string, cfg *criapi.ContainerConfig, sandboxCfg *criapi.PodSandboxConfig) (string, error) {
	r, err := c.rt.CreateContainer(ctx, &criapi.CreateContainerRequest{PodSandboxId: sandboxID, Config: cfg, SandboxConfig: sandboxCfg})
	if err != nil {
		return "", fmt.Errorf("CRI CreateContainer %s in sandbox %s: %w", cfg.GetMetadata().GetName(), sandboxID, err)
	}
	return r.ContainerId, nil
}

// StartContainer starts a created container.
func (c *Client) StartContainer(ctx context.Context, id string) error {
	if _, err := c.rt.StartContainer(ctx, &criapi.StartContainerRequest{ContainerId: id}); err != nil {
		return fmt.Errorf("CRI StartContainer %s: %w", id, err)
	}
	return nil
}

// StopContainer sends the stop signal and kills the container after
// timeout; a zero timeout kills at once. CRI counts whole seconds: the
// timeout is rounded to the nearest, so that a grace period of 3 s less the
// moments spent getting here is still 3 s, not 2.
func (c *Client) StopContainer(ctx context.Context, id string, timeout time.Duration) error {
	req := &criapi.StopContainerRequest{ContainerId: id, Timeout: int64(timeout.Round(time.Second) / time.Second)}
	if _, err := c.rt.StopContainer(ctx, req); err != nil {
		return fmt.Errorf("CRI StopContainer %s: %w", id, err)
	}
	return nil
}

// RemoveContainer removes a container, killing it first if it runs.
func (c *Client) RemoveContainer(ctx context.Context, id string) error {
	if _, err := c.rt.RemoveContainer(ctx, &criapi.RemoveContainerRequest{ContainerId: id}); err != nil {
		return fmt.Errorf("CRI RemoveContainer %s: %w", id, err)
	}
	return nil
}

// ContainerStatus returns a container's state, exit code and times.
func (c *Client) ContainerStatus(ctx context.Context, id string) (*criapi.ContainerStatus, error) {
	r, err := c.rt.ContainerStatus(ctx, &criapi.ContainerStatusRequest{ContainerId: id})
	if err != nil {
		return nil, fmt.Errorf("CRI ContainerStatus %s: %w", id, err)
	}
	return r.Status, nil
}

// ListContainers lists containers matching filter (nil = all).
func (c *Client) ListContainers(ctx context.Context, filter *criapi.ContainerFilter) ([]*criapi.Container, error) {
	r, err := c.rt.ListContainers(ctx, &criapi.ListContainersRequest{Filter: filter})
	if err != nil {
		return nil, fmt.Errorf("CRI ListContainers: %w", err)
	}
	return r.Containers, nil
}

// ExecSync runs cmd in a container and returns its output and exit code.
// A non-zero exit code is not an error; timeout 0 means no limit.
func (c *Client) ExecSync(ctx context.Context, id string, cmd []string, timeout time.Duration) (*criapi.ExecSyncResponse, error) {
	req := &criapi.ExecSyncRequest{ContainerId: id, Cmd: cmd, Timeout: int64(timeout / time.Second)}
	r, err := c.rt.ExecSync(ctx, req)
	if err != nil {
		return nil, fmt.Errorf("CRI ExecSync %v in %s: %w", cmd, id, err)
	}
	return r, nil
}
