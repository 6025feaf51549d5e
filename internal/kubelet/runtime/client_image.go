package runtime

import (
	"context"
	"fmt"

	criapi "k8s.io/cri-api/pkg/apis/runtime/v1"
)

// PullImage pulls ref and returns the image reference the runtime stored.
func (c *Client) PullImage(ctx context.Context, ref string, auth *criapi.AuthConfig, sandboxCfg *criapi.PodSandboxConfig) (string, error) {
	req := &criapi.PullImageRequest{Image: &criapi.ImageSpec{Image: ref}, Auth: auth, SandboxConfig: sandboxCfg}
	r, err := c.img.PullImage(ctx, req)
	if err != nil {
		return "", fmt.Errorf("CRI PullImage %s: %w", ref, err)
	}
	return r.ImageRef, nil
}

// ImageStatus returns the image (ID, names, size), or nil and no error if
// the runtime does not have it.
func (c *Client) ImageStatus(ctx context.Context, ref string) (*criapi.Image, error) {
	r, err := c.img.ImageStatus(ctx, &criapi.ImageStatusRequest{Image: &criapi.ImageSpec{Image: ref}})
	if err != nil {
		return nil, fmt.Errorf("CRI ImageStatus %s: %w", ref, err)
	}
	return r.Image, nil
}

// ListImages lists images matching filter (nil = all).
func (c *Client) ListImages(ctx context.Context, filter *criapi.ImageFilter) ([]*criapi.Image, error) {
	r, err := c.img.ListImages(ctx, &criapi.ListImagesRequest{Filter: filter})
	if err != nil {
		return nil, fmt.Errorf("CRI ListImages: %w", err)
	}
	return r.Images, nil
}

// RemoveImage removes an image; removing a missing image is not an error.
func (c *Client) RemoveImage(ctx context.Context, ref string) error {
	if _, err := c.img.RemoveImage(ctx, &criapi.RemoveImageRequest{Image: &criapi.ImageSpec{Image: ref}}); err != nil {
		return fmt.Errorf("CRI RemoveImage %s: %w", ref, err)
	}
	return nil
}
