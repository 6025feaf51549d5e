package runtime

import (
	"archive/tar"
	"bytes"
	"encoding/json"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"sort"
	"testing"
)

// readTar maps each entry name to its header and body.
func readTar(t *testing.T, data []byte) (map[string]*tar.Header, map[string][]byte) {
	t.Helper()
	hdrs, bodies := map[string]*tar.Header{}, map[string][]byte{}
	tr := tar.NewReader(bytes.NewReader(data))
	for {
		h, err := tr.Next()
		if err == io.EOF {
			return hdrs, bodies
		}
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(tr)
		hdrs[h.Name], bodies[h.Name] = h, b
	}
}

func TestBusyboxImageArchive(t *testing.T) {
	bin := filepath.Join(t.TempDir(), "busybox")
	if err := os.WriteFile(bin, []byte("not really busybox"), 0o755); err != nil {
		t.Fatal(err)
	}
	img := BusyboxImage{Ref: "docker.io/library/busybox:1.36", Busybox: bin, Cmd: []string{"sleep", "infinity"}, Applets: []string{"sh", "sleep", "busybox"}}
	var a, b bytes.Buffer
	if err := img.WriteOCIArchive(&a); err != nil {
		t.Fatal(err)
	}
	if err := img.WriteOCIArchive(&b); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(a.Bytes(), b.Bytes()) {
		t.Error("two builds of the same image differ")
	}
	_, files := readTar(t, a.Bytes())

	var index struct{ Manifests []descriptor }
	mustJSON(t, files["index.json"], &index)
	if len(index.Manifests) != 1 {
		t.Fatalf("index has %d manifests", len(index.Manifests))
	}
	m := index.Manifests[0]
	if m.Annotations[annotationName] != img.Ref || m.Annotations[annotationRefNm] != "1.36" {
		t.Errorf("index annotations = %v", m.Annotations)
	}
	manifest := blob(t, files, m)
	var man struct {
		Config descriptor
		Layers []descriptor
	}
	mustJSON(t, manifest, &man)
	var cfg struct {
		OS     string
		Config struct{ Cmd []string }
		RootFS struct {
			DiffIDs []string `json:"diff_ids"`
		}
	}
	mustJSON(t, blob(t, files, man.Config), &cfg)
	if cfg.OS != "linux" || !reflect.DeepEqual(cfg.Config.Cmd, img.Cmd) {
		t.Errorf("image config = %+v", cfg)
	}
	if len(man.Layers) != 1 || cfg.RootFS.DiffIDs[0] != man.Layers[0].Digest {
		t.Fatalf("layer %v does not match diff_ids %v (uncompressed layer: they must be equal)", man.Layers, cfg.RootFS.DiffIDs)
	}
	hdrs, layer := readTar(t, blob(t, files, man.Layers[0]))
	if string(layer["bin/busybox"]) != "not really busybox" || hdrs["bin/busybox"].Mode != 0o755 {
		t.Errorf("bin/busybox wrong: %+v", hdrs["bin/busybox"])
	}
	var links []string
	for name, h := range hdrs {
		if h.Typeflag == tar.TypeSymlink {
			links = append(links, name+"->"+h.Linkname)
		}
	}
	sort.Strings(links)
	if want := []string{"bin/sh->busybox", "bin/sleep->busybox"}; !reflect.DeepEqual(links, want) {
		t.Errorf("symlinks = %v, want %v", links, want)
	}
	if hdrs["tmp/"] == nil || hdrs["tmp/"].Mode != 0o1777 {
		t.Error("tmp/ missing or not sticky")
	}
}

func TestBusyboxImageNeedsRefAndBinary(t *testing.T) {
	if err := (BusyboxImage{Busybox: "/bin/busybox"}).WriteOCIArchive(io.Discard); err == nil {
		t.Error("missing Ref must be an error")
	}
	if err := (BusyboxImage{Ref: "x:1", Busybox: "/nonexistent", Applets: []string{}}).WriteOCIArchive(io.Discard); err == nil {
		t.Error("missing binary must be an error")
	}
}

func TestRefTag(t *testing.T) {
	cases := map[string]string{
		"docker.io/library/busybox:1.36": "1.36",
		"busybox":                        "latest",
		"localhost:5000/busybox":         "latest",
		"localhost:5000/busybox:v1":      "v1",
		"busybox:1@sha256:abc":           "1",
	}
	for ref, want := range cases {
		if got := refTag(ref); got != want {
			t.Errorf("refTag(%q) = %q, want %q", ref, got, want)
		}
	}
}

func mustJSON(t *testing.T, data []byte, v any) {
	t.Helper()
	if err := json.Unmarshal(data, v); err != nil {
		t.Fatalf("%v in %s", err, data)
	}
}

// blob returns the blob d points to and checks its digest and size.
func blob(t *testing.T, files map[string][]byte, d descriptor) []byte {
	t.Helper()
	b, ok := files["blobs/sha256/"+d.Digest[len("sha256:"):]]
	if !ok || digestOf(b) != d.Digest || len(b) != d.Size {
		t.Fatalf("blob %s missing or does not match its descriptor", d.Digest)
	}
	return b
}
