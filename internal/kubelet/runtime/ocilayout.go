package runtime

import (
	"archive/tar"
	"encoding/json"
	"fmt"
	"io"
	"strings"
)

// OCI media types and the annotation containerd's importer names images by.
const (
	mediaManifest   = "application/vnd.oci.image.manifest.v1+json"
	mediaConfig     = "application/vnd.oci.image.config.v1+json"
	mediaLayerTar   = "application/vnd.oci.image.layer.v1.tar"
	annotationName  = "io.containerd.image.name"
	annotationRefNm = "org.opencontainers.image.ref.name"
)

type descriptor struct {
	MediaType   string            `json:"mediaType"`
	Digest      string            `json:"digest"`
	Size        int               `json:"size"`
	Annotations map[string]string `json:"annotations,omitempty"`
}

// writeOCILayout writes an OCI image layout tarball holding one image of
// one layer, named ref.
func writeOCILayout(w io.Writer, ref string, layer, config []byte) error {
	manifest, _ := json.Marshal(map[string]any{
		"schemaVersion": 2,
		"mediaType":     mediaManifest,
		"config":        descriptor{MediaType: mediaConfig, Digest: digestOf(config), Size: len(config)},
		"layers":        []descriptor{{MediaType: mediaLayerTar, Digest: digestOf(layer), Size: len(layer)}},
	})
	index, _ := json.Marshal(map[string]any{
		"schemaVersion": 2,
		"manifests": []descriptor{{
			MediaType: mediaManifest, Digest: digestOf(manifest), Size: len(manifest),
			Annotations: map[string]string{annotationName: ref, annotationRefNm: refTag(ref)},
		}},
	})
	tw := tar.NewWriter(w)
	entries := []struct {
		name string
		body []byte
	}{
		{"oci-layout", []byte(`{"imageLayoutVersion":"1.0.0"}`)},
		{"index.json", index},
		{blobPath(config), config},
		{blobPath(layer), layer},
		{blobPath(manifest), manifest},
	}
	for _, e := range entries {
		h := &tar.Header{Typeflag: tar.TypeReg, Name: e.name, Mode: 0o644, Size: int64(len(e.body)), ModTime: layerTime}
		if err := tw.WriteHeader(h); err != nil {
			return fmt.Errorf("write OCI archive: %w", err)
		}
		if _, err := tw.Write(e.body); err != nil {
			return fmt.Errorf("write OCI archive: %w", err)
		}
	}
	if err := tw.Close(); err != nil {
		return fmt.Errorf("write OCI archive: %w", err)
	}
	return nil
}

func blobPath(b []byte) string {
	return "blobs/sha256/" + strings.TrimPrefix(digestOf(b), "sha256:")
}

// refTag is the tag of ref ("1.36" of "docker.io/library/busybox:1.36"),
// or "latest" when it has none.
func refTag(ref string) string {
	name := ref
	if i := strings.IndexByte(name, '@'); i >= 0 {
		name = name[:i]
	}
	slash := strings.LastIndexByte(name, '/')
	if colon := strings.LastIndexByte(name, ':'); colon > slash {
		return name[colon+1:]
	}
	return "latest"
}
