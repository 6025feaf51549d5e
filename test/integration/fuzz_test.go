package integration

import (
	"bytes"
	"encoding/json"
	"net/http"
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/serializer/protobuf"
	"k8s.io/client-go/kubernetes/scheme"
	"sigs.k8s.io/yaml"
)

// fuzzTarget is one write endpoint the fuzz test aims at.
type fuzzTarget struct {
	method, path string
	// patch: the body is a patch, sent with one of the patch types.
	patch bool
}

func fuzzTargets() []fuzzTarget {
	const ns = "/api/v1/namespaces/fuzz"
	const apps = "/apis/apps/v1/namespaces/fuzz"
	return []fuzzTarget{
		{method: "POST", path: ns + "/configmaps"},
		{method: "POST", path: ns + "/pods"},
		{method: "POST", path: ns + "/services"},
		{method: "POST", path: apps + "/deployments"},
		{method: "POST", path: "/api/v1/namespaces"},
		{method: "PUT", path: ns + "/configmaps/target"},
		{method: "PUT", path: apps + "/deployments/target/status"},
		{method: "PATCH", path: ns + "/configmaps/target", patch: true},
		{method: "PATCH", path: apps + "/deployments/target", patch: true},
		{method: "PATCH", path: apps + "/deployments/target/scale", patch: true},
	}
}

// FuzzCreateBody feeds arbitrary bodies to create, update and patch
// endpoints of several resources. Whatever the body, the server must not
// answer 5xx, every error must be a decodable metav1.Status, and the
// server must stay healthy. `go test` runs the seeds only; to search:
//
//	go test -run '^$' -fuzz FuzzCreateBody -fuzztime 60s ./test/integration/
func FuzzCreateBody(f *testing.F) {
	for _, seed := range fuzzSeeds(f) {
		f.Add(seed.target, seed.kind, seed.body)
	}
	c := startCluster(f, embedded().fresh(f))
	setupFuzzTargets(f, c)
	targets := fuzzTargets()
	bodyTypes := []string{"application/json", "application/yaml", protobufType}
	patchTypes := []string{"application/json-patch+json", "application/merge-patch+json", "application/strategic-merge-patch+json", "application/apply-patch+yaml"}
	f.Fuzz(func(t *testing.T, target, kind uint8, body []byte) {
		tg := targets[int(target)%len(targets)]
		ct := bodyTypes[int(kind)%len(bodyTypes)]
		path := tg.path
		if tg.patch {
			ct = patchTypes[int(kind)%len(patchTypes)]
			path += "?fieldManager=fuzz"
		}
		r := c.do(t, tg.method, path, ct, "application/json", body)
		if r.code >= 500 {
			t.Fatalf("%s %s (%s): HTTP %d: %.500s", tg.method, path, ct, r.code, r.body)
		}
		if r.code >= 400 {
			var st metav1.Status
			if err := json.Unmarshal(r.body, &st); err != nil || st.Kind != "Status" || int(st.Code) != r.code {
				t.Fatalf("%s %s (%s): HTTP %d body is no Status (%v): %.500s", tg.method, path, ct, r.code, err, r.body)
			}
		}
		if hc := c.do(t, "GET", "/readyz", "", "", nil); hc.code != http.StatusOK {
			t.Fatalf("server unhealthy after %s %s: %d %s", tg.method, path, hc.code, hc.body)
		}
	})
}

// setupFuzzTargets creates the namespace and the objects the update and
// patch targets name.
func setupFuzzTargets(f *testing.F, c *Cluster) {
	ctx := testContext(f)
	if _, err := c.Client.CoreV1().Namespaces().Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: "fuzz"}}, metav1.CreateOptions{}); err != nil {
		f.Fatal(err)
	}
	mustCreateCM(f, c, "fuzz", "target", nil)
	if _, err := c.Client.AppsV1().Deployments("fuzz").Create(ctx, newDeployment("target", 1), metav1.CreateOptions{}); err != nil {
		f.Fatal(err)
	}
}

type fuzzSeed struct {
	target, kind uint8
	body         []byte
}

// fuzzSeeds are valid bodies in each encoding plus a few broken ones, so
// that mutations start near what the decoders accept.
func fuzzSeeds(f *testing.F) []fuzzSeed {
	cm := &corev1.ConfigMap{TypeMeta: metav1.TypeMeta{APIVersion: "v1", Kind: "ConfigMap"}, ObjectMeta: metav1.ObjectMeta{Name: "seed"}, Data: map[string]string{"a": "b"}}
	pod := newPod("seed")
	pod.TypeMeta = metav1.TypeMeta{APIVersion: "v1", Kind: "Pod"}
	svc := newService("seed", corev1.ServiceTypeNodePort)
	svc.TypeMeta = metav1.TypeMeta{APIVersion: "v1", Kind: "Service"}
	dep := newDeployment("seed", 2)
	dep.TypeMeta = metav1.TypeMeta{APIVersion: "apps/v1", Kind: "Deployment"}
	ns := &corev1.Namespace{TypeMeta: metav1.TypeMeta{APIVersion: "v1", Kind: "Namespace"}, ObjectMeta: metav1.ObjectMeta{Name: "seed"}}
	target := cm.DeepCopy()
	target.Name = "target"
	depTarget := dep.DeepCopy()
	depTarget.Name = "target"
	var seeds []fuzzSeed
	for i, obj := range []runtime.Object{cm, pod, svc, dep, ns, target, depTarget} {
		for kind, enc := range []func(testing.TB, runtime.Object) []byte{encodeJSON, encodeYAML, encodeProtobuf} {
			seeds = append(seeds, fuzzSeed{uint8(i), uint8(kind), enc(f, obj)})
		}
	}
	patches := []string{
		`[{"op":"replace","path":"/data/a","value":"c"}]`,
		`{"data":{"a":null,"b":"c"}}`,
		`{"metadata":{"labels":{"x":"y"}},"spec":{"replicas":3}}`,
		"apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: target\ndata:\n  k: v\n",
	}
	for target := 7; target <= 9; target++ {
		for kind, p := range patches {
			seeds = append(seeds, fuzzSeed{uint8(target), uint8(kind), []byte(p)})
		}
	}
	for _, broken := range []string{"", "{", "null", "[]", `{"apiVersion":"v1","kind":"ConfigMap","metadata":[]}`, "k8s\x00\xff\xff", "- a\n- : b"} {
		seeds = append(seeds, fuzzSeed{0, 0, []byte(broken)}, fuzzSeed{7, 1, []byte(broken)}, fuzzSeed{3, 2, []byte(broken)})
	}
	return seeds
}

func encodeJSON(t testing.TB, obj runtime.Object) []byte {
	data, err := json.Marshal(obj)
	if err != nil {
		t.Fatal(err)
	}
	return data
}

func encodeYAML(t testing.TB, obj runtime.Object) []byte {
	data, err := yaml.Marshal(obj)
	if err != nil {
		t.Fatal(err)
	}
	return data
}

func encodeProtobuf(t testing.TB, obj runtime.Object) []byte {
	var buf bytes.Buffer
	if err := protobuf.NewSerializer(scheme.Scheme, scheme.Scheme).Encode(obj, &buf); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}
