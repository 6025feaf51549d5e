package images

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/random"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/google/go-containerregistry/pkg/v1/validate"
)

// testRegistry serves a fresh store over TLS, as the API server does.
type testRegistry struct {
	srv   *httptest.Server
	store *Store
	host  string
}

func newTestRegistry(t *testing.T, authorize func(*http.Request, bool) error) *testRegistry {
	t.Helper()
	st, err := Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewTLSServer(NewHandler(HandlerConfig{Store: st, Authorize: authorize}))
	t.Cleanup(srv.Close)
	return &testRegistry{srv: srv, store: st, host: strings.TrimPrefix(srv.URL, "https://")}
}

func (r *testRegistry) ref(t *testing.T, s string) name.Reference {
	t.Helper()
	ref, err := name.ParseReference(r.host + "/" + s)
	if err != nil {
		t.Fatal(err)
	}
	return ref
}

func (r *testRegistry) remote() []remote.Option {
	return []remote.Option{remote.WithTransport(r.srv.Client().Transport)}
}

// do sends one request and returns the response with its body read.
func (r *testRegistry) do(t *testing.T, method, path string, body []byte, header ...string) (*http.Response, []byte) {
	t.Helper()
	req, err := http.NewRequest(method, r.srv.URL+path, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	resp, err := r.srv.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp, data
}

func sha(data []byte) string {
	sum := sha256.Sum256(data)
	return "sha256:" + hex.EncodeToString(sum[:])
}

// errorCode reads the code of a registry error body.
func errorCode(t *testing.T, body []byte) string {
	t.Helper()
	var e errorBody
	if err := json.Unmarshal(body, &e); err != nil || len(e.Errors) == 0 {
		t.Fatalf("not a registry error body: %q", body)
	}
	return e.Errors[0].Code
}

func TestPushPullRoundTrip(t *testing.T) {
	reg := newTestRegistry(t, nil)
	img, err := random.Image(4096, 3)
	if err != nil {
		t.Fatal(err)
	}
	ref := reg.ref(t, "docker.io/library/test:v1")
	if err := remote.Write(ref, img, reg.remote()...); err != nil {
		t.Fatalf("push: %v", err)
	}
	pulled, err := remote.Image(ref, reg.remote()...)
	if err != nil {
		t.Fatalf("pull: %v", err)
	}
	if err := validate.Image(pulled); err != nil {
		t.Errorf("pulled image does not verify: %v", err)
	}
	want, _ := img.Digest()
	got, _ := pulled.Digest()
	if got != want {
		t.Errorf("pulled digest %s, pushed %s", got, want)
	}
	// containerd as a mirror client names the upstream host in ns.
	resp, _ := reg.do(t, http.MethodHead, "/v2/library/test/manifests/v1?ns=docker.io", nil)
	if resp.StatusCode != http.StatusOK || resp.Header.Get("Docker-Content-Digest") != want.String() {
		t.Errorf("HEAD via ns: %d digest %q, want 200 %s", resp.StatusCode, resp.Header.Get("Docker-Content-Digest"), want)
	}
	// Pushing again uploads nothing new and keeps the digest.
	if err := remote.Write(ref, img, reg.remote()...); err != nil {
		t.Fatalf("push again: %v", err)
	}
}

func TestPushPullIndex(t *testing.T) {
	reg := newTestRegistry(t, nil)
	idx, err := random.Index(1024, 1, 2)
	if err != nil {
		t.Fatal(err)
	}
	ref := reg.ref(t, "registry.k8s.io/multi:1")
	if err := remote.WriteIndex(ref, idx, reg.remote()...); err != nil {
		t.Fatalf("push index: %v", err)
	}
	pulled, err := remote.Index(ref, reg.remote()...)
	if err != nil {
		t.Fatalf("pull index: %v", err)
	}
	if err := validate.Index(pulled); err != nil {
		t.Errorf("pulled index does not verify: %v", err)
	}
	desc, err := remote.Get(ref, reg.remote()...)
	if err != nil {
		t.Fatal(err)
	}
	want, _ := idx.MediaType()
	if desc.MediaType != want {
		t.Errorf("index served as %q, want %q", desc.MediaType, want)
	}
}

func TestBlobEndpoints(t *testing.T) {
	reg := newTestRegistry(t, nil)
	data := []byte("hello, layers")
	digest := sha(data)
	resp, _ := reg.do(t, http.MethodHead, "/v2/x.io/app/blobs/"+digest, nil)
	if resp.StatusCode != http.StatusNotFound {
		t.Fatalf("HEAD missing blob: %d, want 404", resp.StatusCode)
	}
	resp, body := reg.do(t, http.MethodGet, "/v2/x.io/app/blobs/"+digest, nil)
	if resp.StatusCode != http.StatusNotFound || errorCode(t, body) != "BLOB_UNKNOWN" {
		t.Fatalf("GET missing blob: %d %s", resp.StatusCode, body)
	}
	// Monolithic upload with the digest in the POST.
	resp, _ = reg.do(t, http.MethodPost, "/v2/x.io/app/blobs/uploads/?digest="+digest, data)
	if resp.StatusCode != http.StatusCreated || resp.Header.Get("Location") != "/v2/x.io/app/blobs/"+digest {
		t.Fatalf("monolithic upload: %d Location %q", resp.StatusCode, resp.Header.Get("Location"))
	}
	resp, _ = reg.do(t, http.MethodHead, "/v2/x.io/app/blobs/"+digest, nil)
	if resp.StatusCode != http.StatusOK || resp.ContentLength != int64(len(data)) || resp.Header.Get("Docker-Content-Digest") != digest {
		t.Errorf("HEAD blob: %d length %d digest %q", resp.StatusCode, resp.ContentLength, resp.Header.Get("Docker-Content-Digest"))
	}
	resp, body = reg.do(t, http.MethodGet, "/v2/x.io/app/blobs/"+digest, nil, "Range", "bytes=7-")
	if resp.StatusCode != http.StatusPartialContent || string(body) != "layers" {
		t.Errorf("ranged GET: %d %q", resp.StatusCode, body)
	}
	// A mount from another repository finds the shared blob.
	resp, _ = reg.do(t, http.MethodPost, "/v2/x.io/other/blobs/uploads/?mount="+digest+"&from=x.io/app", nil)
	if resp.StatusCode != http.StatusCreated {
		t.Errorf("mount: %d, want 201", resp.StatusCode)
	}
	// A wrong digest is refused and nothing is stored.
	resp, body = reg.do(t, http.MethodPost, "/v2/x.io/app/blobs/uploads/?digest="+sha([]byte("other")), data)
	if resp.StatusCode != http.StatusBadRequest || errorCode(t, body) != "DIGEST_INVALID" {
		t.Errorf("wrong digest: %d %s", resp.StatusCode, body)
	}
	if _, err := reg.store.StatBlob(sha([]byte("other"))); err == nil {
		t.Error("a blob with a wrong digest was stored")
	}
}

// uploadStep is one request of a chunked upload and what must come back.
type uploadStep struct {
	method, query string
	body          string
	contentRange  string
	wantStatus    int
	wantRange     string
	wantCode      string
}

func TestChunkedUpload(t *testing.T) {
	whole := "chunk-one|chunk-two|chunk-three"
	digest := sha([]byte(whole))
	steps := []uploadStep{
		{method: http.MethodPatch, body: "chunk-one|", contentRange: "0-9", wantStatus: 202, wantRange: "0-9"},
		{method: http.MethodPatch, body: "chunk-two|", wantStatus: 202, wantRange: "0-19"},
		{method: http.MethodPatch, body: "gap", contentRange: "25-27", wantStatus: 416, wantCode: "RANGE_INVALID"},
		{method: http.MethodGet, wantStatus: 204, wantRange: "0-19"},
		{method: http.MethodPut, wantStatus: 400, wantCode: "DIGEST_INVALID"}, // no ?digest=
	}
	reg := newTestRegistry(t, nil)
	resp, _ := reg.do(t, http.MethodPost, "/v2/docker.io/library/up/blobs/uploads/", nil)
	if resp.StatusCode != http.StatusAccepted || resp.Header.Get("Docker-Upload-UUID") == "" {
		t.Fatalf("start upload: %d", resp.StatusCode)
	}
	loc := resp.Header.Get("Location")
	runSteps(t, reg, loc, steps)
	// The final PUT names the digest and carries the last chunk.
	resp, _ = reg.do(t, http.MethodPut, loc+"?digest="+digest, []byte("chunk-three"))
	if resp.StatusCode != http.StatusCreated || resp.Header.Get("Docker-Content-Digest") != digest {
		t.Fatalf("finish upload: %d", resp.StatusCode)
	}
	_, body := reg.do(t, http.MethodGet, "/v2/docker.io/library/up/blobs/"+digest, nil)
	if string(body) != whole {
		t.Errorf("stored blob %q, want %q", body, whole)
	}
	resp, body = reg.do(t, http.MethodGet, loc, nil)
	if resp.StatusCode != http.StatusNotFound || errorCode(t, body) != "BLOB_UPLOAD_UNKNOWN" {
		t.Errorf("finished upload still there: %d", resp.StatusCode)
	}
}

func runSteps(t *testing.T, reg *testRegistry, loc string, steps []uploadStep) {
	t.Helper()
	for i, s := range steps {
		var header []string
		if s.contentRange != "" {
			header = []string{"Content-Range", s.contentRange}
		}
		resp, body := reg.do(t, s.method, loc, []byte(s.body), header...)
		if resp.StatusCode != s.wantStatus {
			t.Fatalf("step %d %s: status %d, want %d (%s)", i, s.method, resp.StatusCode, s.wantStatus, body)
		}
		if s.wantRange != "" && resp.Header.Get("Range") != s.wantRange {
			t.Errorf("step %d %s: Range %q, want %q", i, s.method, resp.Header.Get("Range"), s.wantRange)
		}
		if s.wantCode != "" && errorCode(t, body) != s.wantCode {
			t.Errorf("step %d %s: code %s, want %s", i, s.method, errorCode(t, body), s.wantCode)
		}
	}
}

func TestUploadWrongDigest(t *testing.T) {
	reg := newTestRegistry(t, nil)
	resp, _ := reg.do(t, http.MethodPost, "/v2/docker.io/library/up/blobs/uploads/", nil)
	loc := resp.Header.Get("Location")
	reg.do(t, http.MethodPatch, loc, []byte("some content"))
	claimed := sha([]byte("other content"))
	resp, body := reg.do(t, http.MethodPut, loc+"?digest="+claimed, nil)
	if resp.StatusCode != http.StatusBadRequest || errorCode(t, body) != "DIGEST_INVALID" {
		t.Fatalf("wrong digest: %d %s", resp.StatusCode, body)
	}
	for _, d := range []string{claimed, sha([]byte("some content"))} {
		if _, err := reg.store.StatBlob(d); err == nil {
			t.Errorf("blob %s stored after a failed upload", d)
		}
	}
}

func TestManifestEndpoints(t *testing.T) {
	reg := newTestRegistry(t, nil)
	config := []byte(`{"architecture":"amd64","os":"linux","rootfs":{"type":"layers","diff_ids":[]}}`)
	reg.do(t, http.MethodPost, "/v2/x.io/app/blobs/uploads/?digest="+sha(config), config)
	manifest := func(configDigest string) []byte {
		m := v1.Manifest{SchemaVersion: 2, MediaType: MediaTypeDockerManifest,
			Config: v1.Descriptor{MediaType: "application/vnd.docker.container.image.v1+json", Size: int64(len(config)), Digest: v1.Hash{Algorithm: "sha256", Hex: strings.TrimPrefix(configDigest, "sha256:")}}}
		data, _ := json.Marshal(m)
		return data
	}
	good, missing := manifest(sha(config)), manifest(sha([]byte("absent")))
	ct := []string{"Content-Type", MediaTypeDockerManifest}
	cases := []struct {
		name, method, path string
		body               []byte
		header             []string
		wantStatus         int
		wantCode           string
	}{
		{"missing blob", "PUT", "/v2/x.io/app/manifests/v1", missing, ct, 400, "MANIFEST_BLOB_UNKNOWN"},
		{"not json", "PUT", "/v2/x.io/app/manifests/v1", []byte("{"), ct, 400, "MANIFEST_INVALID"},
		{"wrong digest", "PUT", "/v2/x.io/app/manifests/" + sha([]byte("x")), good, ct, 400, "DIGEST_INVALID"},
		{"bad tag", "PUT", "/v2/x.io/app/manifests/-bad", good, ct, 400, "TAG_INVALID"},
		{"push", "PUT", "/v2/x.io/app/manifests/v1", good, ct, 201, ""},
		{"push by digest", "PUT", "/v2/x.io/app/manifests/" + sha(good), good, ct, 201, ""},
		{"get by tag", "GET", "/v2/x.io/app/manifests/v1", nil, nil, 200, ""},
		{"get by digest", "GET", "/v2/x.io/app/manifests/" + sha(good), nil, nil, 200, ""},
		{"unknown tag", "GET", "/v2/x.io/app/manifests/v2", nil, nil, 404, "MANIFEST_UNKNOWN"},
		{"other repo", "GET", "/v2/x.io/other/manifests/" + sha(good), nil, nil, 404, "MANIFEST_UNKNOWN"},
		{"delete", "DELETE", "/v2/x.io/app/manifests/v1", nil, nil, 405, "UNSUPPORTED"},
		{"bad name", "GET", "/v2/x.io/App/manifests/v1", nil, nil, 400, "NAME_INVALID"},
	}
	for _, c := range cases {
		resp, body := reg.do(t, c.method, c.path, c.body, c.header...)
		if resp.StatusCode != c.wantStatus {
			t.Errorf("%s: status %d, want %d (%s)", c.name, resp.StatusCode, c.wantStatus, body)
			continue
		}
		if c.wantCode != "" && errorCode(t, body) != c.wantCode {
			t.Errorf("%s: code %s, want %s", c.name, errorCode(t, body), c.wantCode)
		}
		if c.method == "GET" && c.wantStatus == 200 {
			if !bytes.Equal(body, good) || resp.Header.Get("Content-Type") != MediaTypeDockerManifest || resp.Header.Get("Docker-Content-Digest") != sha(good) {
				t.Errorf("%s: served %q as %q digest %q", c.name, body, resp.Header.Get("Content-Type"), resp.Header.Get("Docker-Content-Digest"))
			}
		}
	}
}

func TestTagsAndCatalog(t *testing.T) {
	reg := newTestRegistry(t, nil)
	img, err := random.Image(512, 1)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range []string{"docker.io/library/a:1", "docker.io/library/a:2", "docker.io/library/a:3", "quay.io/b/c:x"} {
		if err := remote.Write(reg.ref(t, r), img, reg.remote()...); err != nil {
			t.Fatal(err)
		}
	}
	cases := []struct {
		path, want, wantLink string
		wantStatus           int
	}{
		{"/v2/_catalog", `{"repositories":["docker.io/library/a","quay.io/b/c"]}`, "", 200},
		{"/v2/_catalog?n=1", `{"repositories":["docker.io/library/a"]}`, `</v2/_catalog?last=docker.io%2Flibrary%2Fa&n=1>; rel="next"`, 200},
		{"/v2/docker.io/library/a/tags/list", `{"name":"docker.io/library/a","tags":["1","2","3"]}`, "", 200},
		{"/v2/library/a/tags/list?ns=docker.io&n=2&last=1", `{"name":"library/a","tags":["2","3"]}`, "", 200},
		{"/v2/docker.io/library/a/tags/list?n=1&last=1", `{"name":"docker.io/library/a","tags":["2"]}`, `</v2/docker.io/library/a/tags/list?last=2&n=1>; rel="next"`, 200},
		{"/v2/docker.io/library/nope/tags/list", "", "", 404},
	}
	for _, c := range cases {
		resp, body := reg.do(t, http.MethodGet, c.path, nil)
		if resp.StatusCode != c.wantStatus {
			t.Errorf("GET %s: %d, want %d", c.path, resp.StatusCode, c.wantStatus)
			continue
		}
		if c.want != "" && strings.TrimSpace(string(body)) != c.want {
			t.Errorf("GET %s = %s, want %s", c.path, body, c.want)
		}
		if resp.Header.Get("Link") != c.wantLink {
			t.Errorf("GET %s Link = %q, want %q", c.path, resp.Header.Get("Link"), c.wantLink)
		}
	}
	tags, err := remote.List(reg.ref(t, "docker.io/library/a").Context(), reg.remote()...)
	if err != nil || strings.Join(tags, ",") != "1,2,3" {
		t.Errorf("remote.List = %v, %v", tags, err)
	}
}

func TestAuthorizeHook(t *testing.T) {
	// The hook sees every request first and says whether it writes.
	var writes []bool
	reg := newTestRegistry(t, func(r *http.Request, write bool) error {
		writes = append(writes, write)
		if r.Header.Get("X-Who") == "" {
			return Unauthorized("who are you")
		}
		if write && r.Header.Get("X-Who") != "admin" {
			return Denied("no")
		}
		return nil
	})
	cases := []struct {
		method, who string
		wantStatus  int
		wantCode    string
	}{
		{"GET", "", 401, "UNAUTHORIZED"},
		{"GET", "reader", 200, ""},
		{"POST", "reader", 403, "DENIED"},
		{"POST", "admin", 202, ""},
	}
	for _, c := range cases {
		path := "/v2/"
		if c.method == "POST" {
			path = "/v2/x.io/app/blobs/uploads/"
		}
		resp, body := reg.do(t, c.method, path, nil, "X-Who", c.who)
		if resp.StatusCode != c.wantStatus || (c.wantCode != "" && errorCode(t, body) != c.wantCode) {
			t.Errorf("%s as %q: %d %s, want %d %s", c.method, c.who, resp.StatusCode, body, c.wantStatus, c.wantCode)
		}
	}
	if want := []bool{false, false, true, true}; !slices.Equal(writes, want) {
		t.Errorf("hook saw writes %v, want %v", writes, want)
	}
}
