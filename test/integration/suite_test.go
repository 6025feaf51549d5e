package integration

import (
	"context"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// suiteTest is one behaviour of the API server, checked against a running
// cluster.
type suiteTest struct {
	name string
	fn   func(t *testing.T, c *Cluster)
	// storage marks behaviour that depends on the store (watch, revisions,
	// compaction, restarts): it runs on every backend, the rest on
	// embedded etcd only.
	storage bool
	// own asks for a cluster of its own, for tests that restart the server
	// or compact its history.
	own bool
}

// suite is the whole conformance suite, gathered from the files that
// define each concern.
func suite() []suiteTest {
	var all []suiteTest
	for _, part := range [][]suiteTest{
		smokeTests(),
		watchTests(),
		informerTests(),
		conflictTests(),
		pagingTests(),
		selectorTests(),
		createTests(),
		deleteTests(),
		subresourceTests(),
		serviceTests(),
		errorTests(),
		contentTests(),
		applyTests(),
	} {
		all = append(all, part...)
	}
	return all
}

// TestConformance runs the suite against each storage backend: one shared
// cluster per backend, plus a fresh one for tests that need their own.
func TestConformance(t *testing.T) {
	for i, kind := range allBackends(t) {
		t.Run(kind.name, func(t *testing.T) {
			shared := startCluster(t, kind.fresh(t))
			for _, st := range suite() {
				if i > 0 && !st.storage {
					continue
				}
				t.Run(st.name, func(t *testing.T) {
					t.Parallel()
					c := shared
					if st.own {
						c = startCluster(t, kind.fresh(t))
					}
					st.fn(t, c)
				})
			}
		})
	}
}

func smokeTests() []suiteTest {
	return []suiteTest{{name: "smoke", storage: true, fn: testSmoke}}
}

func testSmoke(t *testing.T, c *Cluster) {
	ctx := testContext(t)
	ns := newNamespace(t, c)
	cm := &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: "a"}, Data: map[string]string{"k": "v"}}
	if _, err := c.Client.CoreV1().ConfigMaps(ns).Create(ctx, cm, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	got, err := c.Client.CoreV1().ConfigMaps(ns).Get(ctx, "a", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if got.Data["k"] != "v" {
		t.Fatalf("data = %v", got.Data)
	}
}

// testContext ends with the test, or after a minute.
func testContext(t testing.TB) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	t.Cleanup(cancel)
	return ctx
}

// newNamespace creates a namespace for one test, named after it.
func newNamespace(t testing.TB, c *Cluster) string {
	t.Helper()
	name := strings.ToLower(t.Name())
	name = strings.NewReplacer("/", "-", "_", "-", " ", "-").Replace(name)
	if len(name) > 40 {
		name = name[len(name)-40:]
	}
	name = strings.Trim(name, "-")
	ns := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{GenerateName: name + "-"}}
	got, err := c.Client.CoreV1().Namespaces().Create(testContext(t), ns, metav1.CreateOptions{})
	if err != nil {
		t.Fatalf("create namespace: %v", err)
	}
	// No controller runs here; the ServiceAccount admission needs the
	// account the serviceaccount controller would make.
	sa := &corev1.ServiceAccount{ObjectMeta: metav1.ObjectMeta{Name: "default"}}
	if _, err := c.Client.CoreV1().ServiceAccounts(got.Name).Create(testContext(t), sa, metav1.CreateOptions{}); err != nil {
		t.Fatalf("create default service account: %v", err)
	}
	return got.Name
}
