package integration

import (
	"sort"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

func selectorTests() []suiteTest {
	return []suiteTest{
		{name: "selectors/list", storage: true, fn: testSelectors},
		{name: "selectors/unsupported-field", fn: testUnsupportedFieldSelector},
	}
}

// testSelectors: label and field selectors pick the same pods Kubernetes
// would, from a paged storage read and from the cache alike.
func testSelectors(t *testing.T, c *Cluster) {
	ctx := testContext(t)
	ns := newNamespace(t, c)
	other := newNamespace(t, c)
	pods := []struct {
		name, node, phase string
		labels            map[string]string
	}{
		{"web-1", "node-a", "", map[string]string{"app": "web", "tier": "front"}},
		{"web-2", "node-b", "Running", map[string]string{"app": "web", "tier": "back"}},
		{"db-1", "", "", map[string]string{"app": "db"}},
	}
	for _, p := range pods {
		pod := newPod(p.name)
		pod.Labels, pod.Spec.NodeName = p.labels, p.node
		got, err := c.Client.CoreV1().Pods(ns).Create(ctx, pod, metav1.CreateOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if p.phase != "" {
			got.Status.Phase = corev1.PodPhase(p.phase)
			if _, err := c.Client.CoreV1().Pods(ns).UpdateStatus(ctx, got, metav1.UpdateOptions{}); err != nil {
				t.Fatal(err)
			}
		}
	}
	mustCreatePod(t, c, other, "web-1", "node-a")
	cases := []struct {
		ns, label, field, want string
	}{
		{ns, "app=web", "", "web-1 web-2"},
		{ns, "app!=web", "", "db-1"},
		{ns, "tier in (front,middle)", "", "web-1"},
		{ns, "!tier", "", "db-1"},
		{ns, "app=web,tier notin (front)", "", "web-2"},
		{ns, "", "metadata.name=web-2", "web-2"},
		{ns, "", "spec.nodeName=node-a", "web-1"},
		{ns, "", "spec.nodeName=", "db-1"},
		{ns, "", "spec.nodeName!=node-a", "db-1 web-2"},
		{ns, "", "status.phase=Running", "web-2"},
		{ns, "", "status.phase=Pending", "db-1 web-1"},
		{ns, "app=web", "spec.nodeName=node-b", "web-2"},
		{"", "", "metadata.namespace=" + other, other + "/web-1"},
		{"", "", "metadata.name=web-1,metadata.namespace=" + ns, ns + "/web-1"},
	}
	for _, tc := range cases {
		for _, limit := range []int64{0, 1} {
			list, err := c.Client.CoreV1().Pods(tc.ns).List(ctx, metav1.ListOptions{LabelSelector: tc.label, FieldSelector: tc.field, Limit: limit})
			if err != nil {
				t.Errorf("list %q %q: %v", tc.label, tc.field, err)
				continue
			}
			if limit > 0 && list.Continue != "" {
				// A paged list: read it all to compare.
				list = listAllPods(t, c, tc.ns, metav1.ListOptions{LabelSelector: tc.label, FieldSelector: tc.field, Limit: limit})
			}
			if got := podNames(list.Items, tc.ns == ""); got != tc.want {
				t.Errorf("label %q field %q limit %d: got %q, want %q", tc.label, tc.field, limit, got, tc.want)
			}
		}
	}
}

func listAllPods(t *testing.T, c *Cluster, ns string, opts metav1.ListOptions) *corev1.PodList {
	t.Helper()
	all := &corev1.PodList{}
	for {
		list, err := c.Client.CoreV1().Pods(ns).List(testContext(t), opts)
		if err != nil {
			t.Fatal(err)
		}
		all.Items = append(all.Items, list.Items...)
		if opts.Continue = list.Continue; opts.Continue == "" {
			return all
		}
	}
}

func podNames(pods []corev1.Pod, withNamespace bool) string {
	var out []string
	for _, p := range pods {
		if withNamespace {
			out = append(out, p.Namespace+"/"+p.Name)
		} else {
			out = append(out, p.Name)
		}
	}
	sort.Strings(out)
	return strings.Join(out, " ")
}

// testUnsupportedFieldSelector: a field the resource cannot select on is
// a 400 Bad Request, for list and watch.
func testUnsupportedFieldSelector(t *testing.T, c *Cluster) {
	ctx := testContext(t)
	ns := newNamespace(t, c)
	_, err := c.Client.CoreV1().Pods(ns).List(ctx, metav1.ListOptions{FieldSelector: "spec.dnsPolicy=Default"})
	if !apierrors.IsBadRequest(err) {
		t.Errorf("pods by spec.dnsPolicy: %v, want 400", err)
	}
	_, err = c.Client.CoreV1().ConfigMaps(ns).List(ctx, metav1.ListOptions{FieldSelector: "spec.nodeName=a"})
	if !apierrors.IsBadRequest(err) {
		t.Errorf("configmaps by spec.nodeName: %v, want 400", err)
	}
	if err != nil && !strings.Contains(err.Error(), "spec.nodeName") {
		t.Errorf("message does not name the field: %v", err)
	}
	_, err = c.Client.CoreV1().Pods(ns).Watch(ctx, metav1.ListOptions{FieldSelector: "metadata.uid=x"})
	if !apierrors.IsBadRequest(err) {
		t.Errorf("watch pods by metadata.uid: %v, want 400", err)
	}
}
