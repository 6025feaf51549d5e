package images

import (
	"context"
	"errors"
	"fmt"
	"net/http"

	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/google/go-containerregistry/pkg/v1/remote/transport"
)

// Client talks to the registry that the API server serves at /v2/, with
// the API server's transport (its CA and the client's certificate).
type Client struct {
	// Host is the API server's host:port.
	Host      string
	Transport http.RoundTripper
}

// Pushed is one image the client pushed.
type Pushed struct {
	Ref    Reference
	Digest string
}

// PushArchive pushes every image of a tarball under the names the archive
// gives them, or one image under as when as is not empty.
func (c *Client) PushArchive(ctx context.Context, file, as string) ([]Pushed, error) {
	a, err := OpenArchive(file)
	if err != nil {
		return nil, err
	}
	defer a.Close()
	items, err := resolveNames(a.Images, as)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", file, err)
	}
	var pushed []Pushed
	for _, item := range items {
		digest, err := c.Push(ctx, item)
		if err != nil {
			return pushed, err
		}
		pushed = append(pushed, Pushed{Ref: item.Ref, Digest: digest})
	}
	return pushed, nil
}

// resolveNames settles the name each image is pushed as.
func resolveNames(items []Archived, as string) ([]Archived, error) {
	if len(items) == 0 {
		return nil, fmt.Errorf("the archive holds no image")
	}
	if as != "" {
		if len(items) != 1 {
			return nil, fmt.Errorf("--name needs an archive of one image; this one has %d", len(items))
		}
		ref, err := ParseReference(as)
		if err != nil {
			return nil, err
		}
		return []Archived{{Ref: ref, Image: items[0].Image, Index: items[0].Index}}, nil
	}
	for _, item := range items {
		if item.Ref.Repository == "" {
			return nil, fmt.Errorf("an image in the archive has no repository name (tag %q); name it with --name", item.Ref.Tag)
		}
	}
	return items, nil
}

// Push uploads one image or index, the blobs the registry lacks first,
// and returns the manifest's digest.
func (c *Client) Push(ctx context.Context, item Archived) (string, error) {
	ref, err := c.remoteRef(item.Ref)
	if err != nil {
		return "", err
	}
	opts := c.options(ctx)
	if item.Index != nil {
		if err := remote.WriteIndex(ref, item.Index, opts...); err != nil {
			return "", fmt.Errorf("push %s: %w", item.Ref, err)
		}
		d, err := item.Index.Digest()
		return d.String(), err
	}
	if err := remote.Write(ref, item.Image, opts...); err != nil {
		return "", fmt.Errorf("push %s: %w", item.Ref, err)
	}
	d, err := item.Image.Digest()
	return d.String(), err
}

// Has reports whether the registry holds image (a name as pods give it:
// "busybox:1.36" is docker.io/library/busybox:1.36).
func (c *Client) Has(ctx context.Context, image string) (bool, error) {
	ref, err := ParseReference(image)
	if err != nil {
		return false, err
	}
	r, err := c.remoteRef(ref)
	if err != nil {
		return false, err
	}
	if _, err := remote.Head(r, c.options(ctx)...); err != nil {
		var te *transport.Error
		if errors.As(err, &te) && te.StatusCode == http.StatusNotFound {
			return false, nil
		}
		return false, fmt.Errorf("look up %s in the cluster registry: %w", image, err)
	}
	return true, nil
}

// remoteRef is ref on the registry at c.Host.
func (c *Client) remoteRef(ref Reference) (name.Reference, error) {
	base := c.Host + "/" + ref.Repository
	if ref.Digest != "" {
		return name.NewDigest(base + "@" + ref.Digest)
	}
	return name.NewTag(base + ":" + ref.Tag)
}

func (c *Client) options(ctx context.Context) []remote.Option {
	return []remote.Option{remote.WithContext(ctx), remote.WithTransport(c.Transport)}
}
