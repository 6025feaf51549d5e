package integration

import (
	"bytes"
	"compress/gzip"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
	"sigs.k8s.io/yaml"
)

func contentTests() []suiteTest {
	return []suiteTest{
		{name: "content/protobuf", storage: true, fn: testProtobuf},
		{name: "content/yaml", fn: testYAML},
		{name: "content/gzip", fn: testGzip},
	}
}

const protobufType = "application/vnd.kubernetes.protobuf"

// testProtobuf: a client-go clientset speaking protobuf creates, gets,
// lists and watches; the server really answers in protobuf.
func testProtobuf(t *testing.T, c *Cluster) {
	ctx := testContext(t)
	ns := newNamespace(t, c)
	cfg := *c.Config
	cfg.ContentType = protobufType
	cfg.AcceptContentTypes = protobufType
	pb := kubernetes.NewForConfigOrDie(&cfg)
	pods := pb.CoreV1().Pods(ns)
	w, err := pods.Watch(ctx, metav1.ListOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer w.Stop()
	created, err := pods.Create(ctx, newPod("pb"), metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if created.Spec.Containers[0].Image != "busybox" || created.Spec.RestartPolicy != corev1.RestartPolicyAlways {
		t.Errorf("protobuf create returned %+v", created.Spec)
	}
	got, err := pods.Get(ctx, "pb", metav1.GetOptions{})
	if err != nil || got.UID != created.UID {
		t.Fatalf("protobuf get: %v", err)
	}
	list, err := pods.List(ctx, metav1.ListOptions{})
	if err != nil || len(list.Items) != 1 || list.ResourceVersion == "" {
		t.Fatalf("protobuf list: %v %v", err, list)
	}
	if ev := nextEvents(t, w, 1); ev[0] != "ADDED pb" {
		t.Fatalf("protobuf watch: %v", ev)
	}
	r := c.do(t, "GET", "/api/v1/namespaces/"+ns+"/pods/pb", "", protobufType, nil)
	if r.code != 200 || r.header.Get("Content-Type") != protobufType || !bytes.HasPrefix(r.body, []byte("k8s\x00")) {
		t.Fatalf("raw protobuf get: HTTP %d %q %q", r.code, r.header.Get("Content-Type"), r.body[:min(len(r.body), 8)])
	}
}

// testYAML: objects can be sent and read as YAML.
func testYAML(t *testing.T, c *Cluster) {
	ns := newNamespace(t, c)
	path := "/api/v1/namespaces/" + ns + "/configmaps"
	body := []byte("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: yam\ndata:\n  greeting: hello\n")
	r := c.do(t, "POST", path, "application/yaml", "application/yaml", body)
	if r.code != 201 || !strings.HasPrefix(r.header.Get("Content-Type"), "application/yaml") {
		t.Fatalf("YAML create: HTTP %d %q: %s", r.code, r.header.Get("Content-Type"), r.body)
	}
	r = c.do(t, "GET", path+"/yam", "", "application/yaml", nil)
	var cm corev1.ConfigMap
	if err := yaml.UnmarshalStrict(r.body, &cm); err != nil {
		t.Fatalf("YAML get: HTTP %d: %v: %s", r.code, err, r.body)
	}
	if cm.Kind != "ConfigMap" || cm.Data["greeting"] != "hello" || cm.UID == "" {
		t.Fatalf("YAML get returned %+v", cm)
	}
	r = c.do(t, "GET", path+"/missing", "", "application/yaml", nil)
	if r.code != 404 || !bytes.Contains(r.body, []byte("kind: Status")) {
		t.Errorf("YAML 404: HTTP %d: %s", r.code, r.body)
	}
}

// testGzip: a big response is gzipped for a client that asks.
func testGzip(t *testing.T, c *Cluster) {
	ns := newNamespace(t, c)
	ctx := testContext(t)
	for i := range 40 {
		cm := &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: fmt.Sprintf("big-%02d", i)}, Data: map[string]string{"x": strings.Repeat("z", 8<<10)}}
		if _, err := c.Client.CoreV1().ConfigMaps(ns).Create(ctx, cm, metav1.CreateOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	req, err := http.NewRequestWithContext(ctx, "GET", c.URL("/api/v1/namespaces/"+ns+"/configmaps"), nil)
	if err != nil {
		t.Fatal(err)
	}
	// Set by hand, the transport leaves the body compressed for us.
	req.Header.Set("Accept-Encoding", "gzip")
	resp, err := c.HTTP.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != 200 || resp.Header.Get("Content-Encoding") != "gzip" {
		t.Fatalf("HTTP %d Content-Encoding %q, want gzip", resp.StatusCode, resp.Header.Get("Content-Encoding"))
	}
	zr, err := gzip.NewReader(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	data, err := io.ReadAll(zr)
	if err != nil {
		t.Fatal(err)
	}
	var list corev1.ConfigMapList
	if err := yaml.Unmarshal(data, &list); err != nil || len(list.Items) < 40 {
		t.Fatalf("gunzipped list: %v, %d items", err, len(list.Items))
	}
}
