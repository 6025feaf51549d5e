package runtime

import (
	"context"
	"fmt"

	criapi "k8s.io/cri-api/pkg/apis/runtime/v1"
)

// RunPodSandbox creates and starts a pod sandbox (its namespaces and
// network) and returns its ID. handler is the runtime handler ("" = default).
func (c *Client) RunPodSandbox(ctx context.Context, cfg *criapi.PodSandboxConfig, handler string) (string, error) {
	r, err := c.rt.RunPodSandbox(ctx, &criapi.RunPodSandboxRequest{Config: cfg, RuntimeHandler: handler})
	if err != nil {
		return "", fmt.Errorf("CRI RunPodSandbox %s: %w", sandboxName(cfg), err)
	}
	return r.PodSandboxId, nil
}

// StopPodSandbox stops every container of the sandbox and tears down its network.
func (c *Client) StopPodSandbox(ctx context.Context, id string) error {
	if _, err := c.rt.StopPodSandbox(ctx, &criapi.StopPodSandboxRequest{PodSandboxId: id}); err != nil {
		return fmt.Errorf("CRI StopPodSandbox %s: %w", id, err)
	}
	return nil
}

// RemovePodSandbox removes a stopped sandbox and its containers.
func (c *Client) RemovePodSandbox(ctx context.Context, id string) error {
	if _, err := c.rt.RemovePodSandbox(ctx, &criapi.RemovePodSandboxRequest{PodSandboxId: id}); err != nil {
		return fmt.Errorf("CRI RemovePodSandbox %s: %w", id, err)
	}
	return nil
}

// PodSandboxStatus returns a sandbox's state and network status.
func (c *Client) PodSandboxStatus(ctx context.Context, id string) (*criapi.PodSandboxStatus, error) {
	r, err := c.rt.PodSandboxStatus(ctx, &criapi.PodSandboxStatusRequest{PodSandboxId: id})
	if err != nil {
		return nil, fmt.Errorf("CRI PodSandboxStatus %s: %w", id, err)
	}
	return r.Status, nil
}

// ListPodSandbox lists sandboxes matching filter (nil = all).
func (c *Client) ListPodSandbox(ctx context.Context, filter *criapi.PodSandboxFilter) ([]*criapi.PodSandbox, error) {
	r, err := c.rt.ListPodSandbox(ctx, &criapi.ListPodSandboxRequest{Filter: filter})
	if err != nil {
		return nil, fmt.Errorf("CRI ListPodSandbox: %w", err)
	}
	return r.Items, nil
}

func sandboxName(cfg *criapi.PodSandboxConfig) string {
	if m := cfg.GetMetadata(); m != nil {
		return m.Namespace + "/" + m.Name
	}
	return "(no metadata)"
}
