package images

import (
	"context"
	"fmt"
	"strings"

	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/remote"
)

// Listed is one tag of `skiff image ls`.
type Listed struct {
	Repository string
	Tag        string
	Digest     string
	// Size is what a pull transfers: the manifest's config and layers,
	// summed over the platforms of an index.
	Size int64
}

// List reads every tag of every repository in the registry.
func (c *Client) List(ctx context.Context) ([]Listed, error) {
	reg, err := name.NewRegistry(c.Host)
	if err != nil {
		return nil, err
	}
	repos, err := remote.Catalog(ctx, reg, c.options(ctx)...)
	if err != nil {
		return nil, fmt.Errorf("list repositories: %w", err)
	}
	var out []Listed
	for _, repo := range repos {
		tags, err := c.listRepo(ctx, repo)
		if err != nil {
			return nil, err
		}
		out = append(out, tags...)
	}
	return out, nil
}

func (c *Client) listRepo(ctx context.Context, repo string) ([]Listed, error) {
	r, err := name.NewRepository(c.Host + "/" + repo)
	if err != nil {
		return nil, err
	}
	tags, err := remote.List(r, c.options(ctx)...)
	if err != nil {
		return nil, fmt.Errorf("list tags of %s: %w", repo, err)
	}
	var out []Listed
	for _, tag := range tags {
		desc, err := remote.Get(r.Tag(tag), c.options(ctx)...)
		if err != nil {
			return nil, fmt.Errorf("get %s:%s: %w", repo, tag, err)
		}
		size, err := c.pullSize(ctx, r, desc)
		if err != nil {
			return nil, fmt.Errorf("size of %s:%s: %w", repo, tag, err)
		}
		out = append(out, Listed{Repository: repo, Tag: tag, Digest: desc.Digest.String(), Size: size})
	}
	return out, nil
}

// pullSize adds up the blobs an image manifest names, or those of every
// platform an index names that the registry holds.
func (c *Client) pullSize(ctx context.Context, r name.Repository, desc *remote.Descriptor) (int64, error) {
	if !desc.MediaType.IsIndex() {
		m, err := v1.ParseManifest(strings.NewReader(string(desc.Manifest)))
		if err != nil {
			return 0, err
		}
		return manifestSize(m), nil
	}
	im, err := v1.ParseIndexManifest(strings.NewReader(string(desc.Manifest)))
	if err != nil {
		return 0, err
	}
	var total int64
	for _, d := range im.Manifests {
		child, err := remote.Get(r.Digest(d.Digest.String()), c.options(ctx)...)
		if err != nil {
			continue // platforms left out of the push
		}
		n, err := c.pullSize(ctx, r, child)
		if err != nil {
			return 0, err
		}
		total += n
	}
	return total, nil
}

func manifestSize(m *v1.Manifest) int64 {
	n := m.Config.Size
	for _, l := range m.Layers {
		n += l.Size
	}
	return n
}

// HumanSize prints a byte count as docker does: three significant digits
// and decimal units.
func HumanSize(n int64) string {
	units := []string{"B", "kB", "MB", "GB", "TB"}
	f := float64(n)
	i := 0
	for f >= 1000 && i < len(units)-1 {
		f /= 1000
		i++
	}
	return fmt.Sprintf("%.3g%s", f, units[i])
}
