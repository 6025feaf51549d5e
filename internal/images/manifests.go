package images

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
)

// The manifest media types the registry stores.
const (
	MediaTypeOCIManifest    = "application/vnd.oci.image.manifest.v1+json"
	MediaTypeOCIIndex       = "application/vnd.oci.image.index.v1+json"
	MediaTypeDockerManifest = "application/vnd.docker.distribution.manifest.v2+json"
	MediaTypeDockerList     = "application/vnd.docker.distribution.manifest.list.v2+json"
)

// maxManifestBytes bounds a manifest, as other registries do.
const maxManifestBytes = 4 << 20

// Manifest is a stored manifest.
type Manifest struct {
	MediaType string
	Digest    string
	Data      []byte
}

// descriptor is the part of an OCI descriptor the registry checks.
type descriptor struct {
	MediaType string   `json:"mediaType"`
	Digest    string   `json:"digest"`
	Size      int64    `json:"size"`
	URLs      []string `json:"urls,omitempty"`
}

// manifestDoc is the part of an image manifest or index the registry reads.
type manifestDoc struct {
	SchemaVersion int          `json:"schemaVersion"`
	MediaType     string       `json:"mediaType"`
	Config        *descriptor  `json:"config"`
	Layers        []descriptor `json:"layers"`
	Manifests     []descriptor `json:"manifests"`
}

func isIndex(mediaType string) bool {
	return mediaType == MediaTypeOCIIndex || mediaType == MediaTypeDockerList
}

// PutManifest verifies and stores a manifest in repo under ref (a tag, or
// the manifest's own digest) and returns its digest. contentType is the
// request's Content-Type; the body's mediaType decides when it is absent.
func (s *Store) PutManifest(repo, ref, contentType string, data []byte) (string, error) {
	if err := validateRepository(repo); err != nil {
		return "", err
	}
	mediaType, err := s.checkManifest(contentType, data)
	if err != nil {
		return "", err
	}
	if !validDigest(ref) && !validTag(ref) {
		return "", tagInvalid(ref)
	}
	digest, err := s.putBlob(data)
	if err != nil {
		return "", err
	}
	if validDigest(ref) && ref != digest {
		return "", digestInvalid("manifest has digest %s, not %s", digest, ref)
	}
	if err := s.writeFile(s.revisionPath(repo, digest), []byte(mediaType)); err != nil {
		return "", err
	}
	if validTag(ref) {
		if err := s.writeFile(s.tagPath(repo, ref), []byte(digest)); err != nil {
			return "", err
		}
	}
	return digest, nil
}

// checkManifest parses a manifest, settles its media type and checks that
// the blobs an image manifest names are stored with the sizes it names.
// An index may name manifests that were not pushed (platforms left out).
func (s *Store) checkManifest(contentType string, data []byte) (string, error) {
	var doc manifestDoc
	if err := json.Unmarshal(data, &doc); err != nil {
		return "", manifestInvalid("manifest is not JSON: %v", err)
	}
	mediaType, err := manifestMediaType(contentType, doc)
	if err != nil {
		return "", err
	}
	if doc.SchemaVersion != 2 {
		return "", manifestInvalid("schemaVersion %d is not supported", doc.SchemaVersion)
	}
	if isIndex(mediaType) {
		return mediaType, checkDescriptors(doc.Manifests)
	}
	if doc.Config == nil {
		return "", manifestInvalid("image manifest has no config")
	}
	for _, d := range append([]descriptor{*doc.Config}, doc.Layers...) {
		if err := s.checkBlob(d); err != nil {
			return "", err
		}
	}
	return mediaType, nil
}

func manifestMediaType(contentType string, doc manifestDoc) (string, error) {
	mt := contentType
	if i := strings.IndexByte(mt, ';'); i >= 0 {
		mt = strings.TrimSpace(mt[:i])
	}
	if supportedMediaType(mt) {
		if doc.MediaType != "" && doc.MediaType != mt {
			return "", manifestInvalid("manifest mediaType %q does not match Content-Type %q", doc.MediaType, mt)
		}
		return mt, nil
	}
	switch {
	case doc.MediaType != "":
		if !supportedMediaType(doc.MediaType) {
			return "", manifestInvalid("manifest media type %q is not supported", doc.MediaType)
		}
		return doc.MediaType, nil
	case doc.Manifests != nil:
		return MediaTypeOCIIndex, nil
	case doc.Config != nil:
		return MediaTypeOCIManifest, nil
	}
	return "", manifestInvalid("cannot tell the manifest's media type (Content-Type %q)", contentType)
}

func supportedMediaType(mt string) bool {
	switch mt {
	case MediaTypeOCIManifest, MediaTypeOCIIndex, MediaTypeDockerManifest, MediaTypeDockerList:
		return true
	}
	return false
}

func checkDescriptors(ds []descriptor) error {
	for _, d := range ds {
		if !validDigest(d.Digest) {
			return manifestInvalid("manifest names invalid digest %q", d.Digest)
		}
	}
	return nil
}

// checkBlob checks one descriptor of an image manifest. Foreign layers,
// which clients fetch from their URLs, need not be stored.
func (s *Store) checkBlob(d descriptor) error {
	if !validDigest(d.Digest) {
		return manifestInvalid("manifest names invalid digest %q", d.Digest)
	}
	if len(d.URLs) > 0 || strings.Contains(d.MediaType, "foreign") || strings.Contains(d.MediaType, "nondistributable") {
		return nil
	}
	size, err := s.StatBlob(d.Digest)
	var e *Error
	if errors.As(err, &e) && e.Code == "BLOB_UNKNOWN" {
		return manifestBlobUnknown(d.Digest)
	}
	if err != nil {
		return err
	}
	if size != d.Size {
		return manifestInvalid("blob %s has %d bytes, the manifest says %d", d.Digest, size, d.Size)
	}
	return nil
}

func (s *Store) revisionPath(repo, digest string) string {
	return filepath.Join(s.repoPath(repo), "revisions", "sha256", strings.TrimPrefix(digest, "sha256:"))
}

func (s *Store) tagPath(repo, tag string) string {
	return filepath.Join(s.repoPath(repo), "tags", tag)
}

// GetManifest reads a manifest of repo by tag or digest.
func (s *Store) GetManifest(repo, ref string) (Manifest, error) {
	if err := validateRepository(repo); err != nil {
		return Manifest{}, err
	}
	digest := ref
	if !validDigest(ref) {
		if !validTag(ref) {
			return Manifest{}, tagInvalid(ref)
		}
		data, err := os.ReadFile(s.tagPath(repo, ref))
		if errors.Is(err, os.ErrNotExist) {
			return Manifest{}, manifestUnknown(repo + ":" + ref)
		}
		if err != nil {
			return Manifest{}, fmt.Errorf("read tag %s:%s: %w", repo, ref, err)
		}
		digest = string(data)
	}
	mediaType, err := os.ReadFile(s.revisionPath(repo, digest))
	if errors.Is(err, os.ErrNotExist) {
		return Manifest{}, manifestUnknown(repo + "@" + digest)
	}
	if err != nil {
		return Manifest{}, fmt.Errorf("read manifest %s@%s: %w", repo, digest, err)
	}
	data, err := os.ReadFile(s.blobPath(digest))
	if err != nil {
		return Manifest{}, fmt.Errorf("read manifest %s@%s: %w", repo, digest, err)
	}
	return Manifest{MediaType: string(mediaType), Digest: digest, Data: data}, nil
}

// Tags lists a repository's tags in order.
func (s *Store) Tags(repo string) ([]string, error) {
	if err := validateRepository(repo); err != nil {
		return nil, err
	}
	if _, err := os.Stat(s.repoPath(repo)); errors.Is(err, os.ErrNotExist) {
		return nil, nameUnknown(repo)
	}
	entries, err := os.ReadDir(filepath.Join(s.repoPath(repo), "tags"))
	if err != nil && !errors.Is(err, os.ErrNotExist) {
		return nil, fmt.Errorf("list tags of %s: %w", repo, err)
	}
	tags := []string{}
	for _, e := range entries {
		tags = append(tags, e.Name())
	}
	slices.Sort(tags)
	return tags, nil
}

// Repositories lists every repository in order.
func (s *Store) Repositories() ([]string, error) {
	root := filepath.Join(s.dir, "repositories")
	var repos []string
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil || !d.IsDir() || d.Name() != "_manifests" {
			return err
		}
		rel, err := filepath.Rel(root, filepath.Dir(path))
		if err != nil {
			return err
		}
		repos = append(repos, filepath.ToSlash(rel))
		return filepath.SkipDir
	})
	if err != nil {
		return nil, fmt.Errorf("list repositories: %w", err)
	}
	slices.Sort(repos)
	return repos, nil
}
