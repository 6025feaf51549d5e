// Package images is skiff's image registry: an OCI Distribution (registry
// v2 API) server that stores images under the server's data dir, and the
// client side of `skiff image push` and `skiff image ls`.
//
// Storage. Blobs are content-addressed under DIR/blobs/sha256/<hex>;
// manifests are blobs too. A repository is a directory
// DIR/repositories/<name>/_manifests holding revisions/sha256/<hex> (one
// file per manifest in the repository, its content the media type) and
// tags/<tag> (its content the digest). Every file is written to DIR/tmp,
// fsynced and renamed into place, and every blob and manifest is verified
// against its digest before it is stored. Blobs are shared by all
// repositories: anyone who may read the registry may read any blob whose
// digest they know.
//
// Names. Nodes' containerd uses this registry as the mirror for every
// registry host (docker.io, registry.k8s.io, ...), and containerd passes
// the upstream host of a mirrored request in the `ns` query parameter
// (GET /v2/library/busybox/manifests/1.36?ns=docker.io). So a repository
// is stored under its full name, host included: docker.io/library/busybox.
// A request with ns names repository ns/<name>. A request without ns
// names <name> when its first component is a host (it has a dot or a
// port, or is localhost), as `skiff image push` sends it; otherwise it is
// a Docker Hub short name and gets docker.io/ (and library/ for a single
// component) in front, as docker does.
//
// Access. The handler asks its Authorize hook about each request; the API
// server answers from the TLS client certificate: any certificate the
// cluster CA signed may read (containerd on nodes uses the node's client
// certificate), and only the admin group may push.
package images
