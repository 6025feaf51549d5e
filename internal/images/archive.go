package images

import (
	"archive/tar"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"strings"

	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/layout"
	"github.com/google/go-containerregistry/pkg/v1/tarball"
)

// Archived is one image found in an archive: an image or an index, and the
// name the archive gives it (a zero Repository when it gives none, or
// only a tag).
type Archived struct {
	Ref   Reference
	Image v1.Image
	Index v1.ImageIndex
}

// Archive is an opened image tarball: a docker-archive (`docker save`) or
// an OCI image layout (`ctr export`, `docker save` since docker 25, which
// writes both and is read as a docker-archive).
type Archive struct {
	Images []Archived
	// tmp holds an unpacked OCI layout; Close removes it.
	tmp string
}

// Close releases what reading the archive needed.
func (a *Archive) Close() error {
	if a.tmp == "" {
		return nil
	}
	return os.RemoveAll(a.tmp)
}

// OpenArchive reads the images and their names from a tarball.
func OpenArchive(file string) (*Archive, error) {
	names, err := tarNames(file)
	if err != nil {
		return nil, err
	}
	switch {
	case names["manifest.json"]:
		return openDockerArchive(file)
	case names["oci-layout"] && names["index.json"]:
		return openOCIArchive(file)
	}
	return nil, fmt.Errorf("%s is neither a docker-archive (manifest.json) nor an OCI layout (oci-layout, index.json)", file)
}

// tarNames lists the files of a tarball, "./" prefixes removed.
func tarNames(file string) (map[string]bool, error) {
	f, err := os.Open(file)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	names := map[string]bool{}
	tr := tar.NewReader(f)
	for {
		h, err := tr.Next()
		if errors.Is(err, io.EOF) {
			return names, nil
		}
		if err != nil {
			return nil, fmt.Errorf("read %s: %w", file, err)
		}
		names[path.Clean(strings.TrimPrefix(h.Name, "./"))] = true
	}
}

// dockerEntry is one image of a docker-archive's manifest.json.
type dockerEntry struct {
	Config   string
	RepoTags []string
}

func openDockerArchive(file string) (*Archive, error) {
	data, err := readTarFile(file, "manifest.json")
	if err != nil {
		return nil, err
	}
	var entries []dockerEntry
	if err := json.Unmarshal(data, &entries); err != nil {
		return nil, fmt.Errorf("%s: manifest.json: %w", file, err)
	}
	opener := func() (io.ReadCloser, error) { return os.Open(file) }
	a := &Archive{}
	for _, e := range entries {
		if len(e.RepoTags) == 0 && len(entries) > 1 {
			return nil, fmt.Errorf("%s: image %s has no name; save it in an archive of its own and push it with --name", file, e.Config)
		}
		if len(e.RepoTags) == 0 {
			img, err := tarball.Image(opener, nil)
			if err != nil {
				return nil, fmt.Errorf("%s: %w", file, err)
			}
			a.Images = append(a.Images, Archived{Image: img})
		}
		for _, t := range e.RepoTags {
			item, err := dockerArchived(opener, t)
			if err != nil {
				return nil, fmt.Errorf("%s: %w", file, err)
			}
			a.Images = append(a.Images, item)
		}
	}
	return a, nil
}

func dockerArchived(opener tarball.Opener, repoTag string) (Archived, error) {
	ref, err := ParseReference(repoTag)
	if err != nil {
		return Archived{}, err
	}
	tag, err := name.NewTag(repoTag)
	if err != nil {
		return Archived{}, fmt.Errorf("image %s: %w", repoTag, err)
	}
	img, err := tarball.Image(opener, &tag)
	if err != nil {
		return Archived{}, fmt.Errorf("image %s: %w", repoTag, err)
	}
	return Archived{Ref: ref, Image: img}, nil
}

func readTarFile(file, want string) ([]byte, error) {
	f, err := os.Open(file)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	tr := tar.NewReader(f)
	for {
		h, err := tr.Next()
		if err != nil {
			return nil, fmt.Errorf("read %s from %s: %w", want, file, err)
		}
		if path.Clean(strings.TrimPrefix(h.Name, "./")) == want {
			return io.ReadAll(tr)
		}
	}
}

func openOCIArchive(file string) (*Archive, error) {
	tmp, err := os.MkdirTemp("", "skiff-oci-")
	if err != nil {
		return nil, err
	}
	a := &Archive{tmp: tmp}
	if err := unpackLayout(file, tmp); err != nil {
		a.Close()
		return nil, err
	}
	if err := a.readLayout(tmp); err != nil {
		a.Close()
		return nil, fmt.Errorf("%s: %w", file, err)
	}
	return a, nil
}

// layoutFile matches the files of an OCI layout that matter.
var layoutFile = regexp.MustCompile(`^(oci-layout|index\.json|blobs/[a-z0-9]+/[a-f0-9]+)$`)

// unpackLayout writes the layout's files to dir; other entries (and any
// path that could leave dir) are skipped.
func unpackLayout(file, dir string) error {
	f, err := os.Open(file)
	if err != nil {
		return err
	}
	defer f.Close()
	tr := tar.NewReader(f)
	for {
		h, err := tr.Next()
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return fmt.Errorf("read %s: %w", file, err)
		}
		name := path.Clean(strings.TrimPrefix(h.Name, "./"))
		if h.Typeflag != tar.TypeReg || !layoutFile.MatchString(name) {
			continue
		}
		if err := writeUnpacked(filepath.Join(dir, filepath.FromSlash(name)), tr); err != nil {
			return fmt.Errorf("unpack %s: %w", file, err)
		}
	}
}

func writeUnpacked(dst string, r io.Reader) error {
	if err := os.MkdirAll(filepath.Dir(dst), 0o700); err != nil {
		return err
	}
	out, err := os.Create(dst)
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, r); err != nil {
		out.Close()
		return err
	}
	return out.Close()
}

// readLayout finds the images of an unpacked layout's index.json with
// their names from the annotations containerd and the OCI spec define.
func (a *Archive) readLayout(dir string) error {
	idx, err := layout.ImageIndexFromPath(dir)
	if err != nil {
		return err
	}
	im, err := idx.IndexManifest()
	if err != nil {
		return err
	}
	for _, d := range im.Manifests {
		item, err := layoutArchived(idx, d)
		if err != nil {
			return err
		}
		a.Images = append(a.Images, item)
	}
	return nil
}

func layoutArchived(idx v1.ImageIndex, d v1.Descriptor) (Archived, error) {
	var item Archived
	var err error
	switch {
	case d.MediaType.IsIndex():
		item.Index, err = idx.ImageIndex(d.Digest)
	case d.MediaType.IsImage():
		item.Image, err = idx.Image(d.Digest)
	default:
		return Archived{}, fmt.Errorf("index.json names %s of media type %q, not an image", d.Digest, d.MediaType)
	}
	if err != nil {
		return Archived{}, err
	}
	item.Ref, err = layoutName(d.Annotations)
	return item, err
}

// layoutName reads an image's name: containerd's io.containerd.image.name
// (a full reference), else org.opencontainers.image.ref.name, which is a
// full reference or only a tag.
func layoutName(annotations map[string]string) (Reference, error) {
	full := annotations["io.containerd.image.name"]
	refName := annotations["org.opencontainers.image.ref.name"]
	switch {
	case full != "":
		return ParseReference(full)
	case strings.ContainsAny(refName, "/:@"):
		return ParseReference(refName)
	case refName != "":
		if !validTag(refName) {
			return Reference{}, fmt.Errorf("invalid tag %q", refName)
		}
		return Reference{Tag: refName}, nil
	}
	return Reference{}, nil
}
