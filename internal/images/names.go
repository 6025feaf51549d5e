package images

import (
	"fmt"
	"regexp"
	"strings"
)

// DefaultHost is the registry host of names without one, as in docker.
const DefaultHost = "docker.io"

var (
	// pathComponent is one component of a repository path below the host.
	pathComponent = regexp.MustCompile(`^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*$`)
	// hostComponent is a registry host name or IP with an optional port.
	hostComponent = regexp.MustCompile(`^(?:[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?)(?:\.[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?)*(?::[0-9]+)?$`)
	tagPattern    = regexp.MustCompile(`^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$`)
	digestPattern = regexp.MustCompile(`^sha256:[a-f0-9]{64}$`)
)

// maxNameLength bounds a full repository name, host included.
const maxNameLength = 255

// Reference is a parsed image reference: a full repository name (host
// included) and a tag or a digest.
type Reference struct {
	Repository string
	Tag        string
	Digest     string
}

// String is the reference as docker prints it.
func (r Reference) String() string {
	if r.Digest != "" {
		return r.Repository + "@" + r.Digest
	}
	return r.Repository + ":" + r.Tag
}

// ParseReference reads an image reference the way docker and the kubelet
// do: "busybox:1.36" is docker.io/library/busybox:1.36, a reference
// without tag or digest gets the tag latest.
func ParseReference(s string) (Reference, error) {
	var ref Reference
	name := s
	if i := strings.Index(name, "@"); i >= 0 {
		name, ref.Digest = name[:i], name[i+1:]
		if !digestPattern.MatchString(ref.Digest) {
			return Reference{}, fmt.Errorf("image reference %q: invalid digest %q", s, ref.Digest)
		}
	}
	if i := strings.LastIndex(name, ":"); i > strings.LastIndex(name, "/") {
		name, ref.Tag = name[:i], name[i+1:]
		if !tagPattern.MatchString(ref.Tag) {
			return Reference{}, fmt.Errorf("image reference %q: invalid tag %q", s, ref.Tag)
		}
	}
	if ref.Tag == "" && ref.Digest == "" {
		ref.Tag = "latest"
	}
	repo, err := NormalizeRepository(name)
	if err != nil {
		return Reference{}, fmt.Errorf("image reference %q: %w", s, err)
	}
	ref.Repository = repo
	return ref, nil
}

// NormalizeRepository turns a repository name as users write it into the
// full name the registry stores: host first, docker.io and library/ for
// Docker Hub short names, index.docker.io spelled docker.io.
func NormalizeRepository(name string) (string, error) {
	host, path := splitHost(name)
	if host == "" || host == "index.docker.io" {
		host = DefaultHost
	}
	if host == DefaultHost && !strings.Contains(path, "/") {
		path = "library/" + path
	}
	full := host + "/" + path
	return full, validateRepository(full)
}

// RepositoryFor is the stored repository a registry request names: the
// path name in the URL and the ns query parameter containerd adds when it
// uses this registry as a mirror (see the package doc).
func RepositoryFor(name, ns string) (string, error) {
	if ns == "" {
		return NormalizeRepository(name)
	}
	if !isHost(ns) {
		return "", nameInvalid("ns %q is not a registry host", ns)
	}
	full := ns + "/" + name
	return full, validateRepository(full)
}

// splitHost separates a leading registry host from the path; host is ""
// when the first component is not one.
func splitHost(name string) (host, path string) {
	first, rest, found := strings.Cut(name, "/")
	if !found || !isHost(first) {
		return "", name
	}
	return first, rest
}

// isHost tells a registry host from a path component the way docker does:
// it has a dot or a port, or is localhost.
func isHost(s string) bool {
	return (strings.ContainsAny(s, ".:") || s == "localhost") && hostComponent.MatchString(s)
}

// validateRepository checks a full repository name: a host, then one or
// more path components. It also keeps names safe as directory paths.
func validateRepository(full string) error {
	if len(full) > maxNameLength {
		return nameInvalid("repository name %q is longer than %d characters", full, maxNameLength)
	}
	host, path := splitHost(full)
	if host == "" || path == "" {
		return nameInvalid("repository name %q has no registry host", full)
	}
	for _, c := range strings.Split(path, "/") {
		if !pathComponent.MatchString(c) {
			return nameInvalid("invalid repository name %q", full)
		}
	}
	return nil
}

// validTag reports whether s can name a tag.
func validTag(s string) bool { return tagPattern.MatchString(s) }

// validDigest reports whether s is a sha256 digest, the only algorithm
// the registry stores.
func validDigest(s string) bool { return digestPattern.MatchString(s) }
