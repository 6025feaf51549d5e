package integration

import (
	"fmt"
	"sync"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/watch"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
	"k8s.io/utils/ptr"
)

func watchTests() []suiteTest {
	return []suiteTest{
		{name: "watch/resume-from-rv", storage: true, fn: testWatchResume},
		{name: "watch/bookmarks", storage: true, fn: testWatchBookmarks},
		{name: "watch/watchlist-initial-events-end", storage: true, fn: testWatchListInitialEnd},
		{name: "watch/too-old-after-compaction", storage: true, own: true, fn: testWatchTooOld},
		{name: "watch/shared-objects", fn: testWatchSharedObjects},
	}
}

// testWatchResume: a watch from a resourceVersion gets exactly the changes
// after it, in order, then live ones.
func testWatchResume(t *testing.T, c *Cluster) {
	ctx := testContext(t)
	ns := newNamespace(t, c)
	cms := c.Client.CoreV1().ConfigMaps(ns)
	a := mustCreateCM(t, c, ns, "a", nil)
	a.Data = map[string]string{"v": "2"}
	if _, err := cms.Update(ctx, a, metav1.UpdateOptions{}); err != nil {
		t.Fatal(err)
	}
	mustCreateCM(t, c, ns, "b", nil)
	w, err := cms.Watch(ctx, metav1.ListOptions{ResourceVersion: a.ResourceVersion})
	if err != nil {
		t.Fatal(err)
	}
	defer w.Stop()
	mustCreateCM(t, c, ns, "c", nil)
	if err := cms.Delete(ctx, "b", metav1.DeleteOptions{}); err != nil {
		t.Fatal(err)
	}
	want := []string{"MODIFIED a", "ADDED b", "ADDED c", "DELETED b"}
	got := nextEvents(t, w, len(want))
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("events = %v, want %v", got, want)
		}
	}
	expectNoEvent(t, w, 300*time.Millisecond)
}

// testWatchBookmarks: a quiet watch that allows bookmarks receives them,
// carrying a resourceVersion and no object data.
func testWatchBookmarks(t *testing.T, c *Cluster) {
	ctx := testContext(t)
	ns := newNamespace(t, c)
	cm := mustCreateCM(t, c, ns, "a", nil)
	w, err := c.Client.CoreV1().ConfigMaps(ns).Watch(ctx, metav1.ListOptions{
		ResourceVersion: cm.ResourceVersion, AllowWatchBookmarks: true, TimeoutSeconds: ptr.To[int64](30),
	})
	if err != nil {
		t.Fatal(err)
	}
	defer w.Stop()
	deadline := time.After(20 * time.Second)
	for {
		select {
		case ev, ok := <-w.ResultChan():
			if !ok {
				t.Fatal("watch closed before a bookmark")
			}
			if ev.Type != watch.Bookmark {
				t.Fatalf("unexpected %s event on a quiet namespace: %v", ev.Type, ev.Object)
			}
			m, err := meta.Accessor(ev.Object)
			if err != nil {
				t.Fatal(err)
			}
			if rvLess(m.GetResourceVersion(), cm.ResourceVersion) {
				t.Fatalf("bookmark rv %s before the watch's %s", m.GetResourceVersion(), cm.ResourceVersion)
			}
			if m.GetName() != "" {
				t.Fatalf("bookmark carries an object: %q", m.GetName())
			}
			return
		case <-deadline:
			t.Fatal("no bookmark within 20s")
		}
	}
}

// testWatchListInitialEnd: the streaming list form sends every object as
// ADDED, then a bookmark annotated k8s.io/initial-events-end, then changes.
func testWatchListInitialEnd(t *testing.T, c *Cluster) {
	ctx := testContext(t)
	ns := newNamespace(t, c)
	for i := range 3 {
		mustCreateCM(t, c, ns, fmt.Sprintf("cm-%d", i), nil)
	}
	w, err := c.Client.CoreV1().ConfigMaps(ns).Watch(ctx, metav1.ListOptions{
		SendInitialEvents: ptr.To(true), ResourceVersionMatch: metav1.ResourceVersionMatchNotOlderThan,
		AllowWatchBookmarks: true,
	})
	if err != nil {
		t.Fatal(err)
	}
	defer w.Stop()
	got := nextEvents(t, w, 4)
	for i := range 3 {
		if want := fmt.Sprintf("ADDED cm-%d", i); got[i] != want {
			t.Fatalf("initial events = %v, want %s at %d", got, want, i)
		}
	}
	if got[3] != "BOOKMARK end" {
		t.Fatalf("4th event = %q, want the initial-events-end bookmark", got[3])
	}
	mustCreateCM(t, c, ns, "later", nil)
	if ev := nextEvents(t, w, 1); ev[0] != "ADDED later" {
		t.Fatalf("after the initial events: %v", ev)
	}
}

// testWatchTooOld: once history is compacted and the server's cache starts
// afresh, a watch or a list from an old resourceVersion gets 410 Gone.
func testWatchTooOld(t *testing.T, c *Cluster) {
	ctx := testContext(t)
	ns := newNamespace(t, c)
	old := mustCreateCM(t, c, ns, "old", nil)
	for i := range 5 {
		mustCreateCM(t, c, ns, fmt.Sprintf("n-%d", i), nil)
	}
	c.Compact(t)
	c.Restart()
	w, err := c.Client.CoreV1().ConfigMaps(ns).Watch(ctx, metav1.ListOptions{ResourceVersion: old.ResourceVersion})
	if err == nil {
		defer w.Stop()
		select {
		case ev := <-w.ResultChan():
			err = apierrors.FromObject(ev.Object)
			if ev.Type != watch.Error {
				t.Fatalf("first event %s, want ERROR 410", ev.Type)
			}
		case <-time.After(10 * time.Second):
			t.Fatal("no error event for a too-old watch")
		}
	}
	if !apierrors.IsResourceExpired(err) && !apierrors.IsGone(err) {
		t.Fatalf("watch from compacted rv %s: %v, want 410 Expired", old.ResourceVersion, err)
	}
	_, err = c.Client.CoreV1().ConfigMaps(ns).List(ctx, metav1.ListOptions{
		ResourceVersion: old.ResourceVersion, ResourceVersionMatch: metav1.ResourceVersionMatchExact,
	})
	if !apierrors.IsResourceExpired(err) && !apierrors.IsGone(err) {
		t.Fatalf("exact list at compacted rv: %v, want 410", err)
	}
}

// nextEvents reads n events and renders each as "TYPE name" (bookmarks
// as "BOOKMARK" or "BOOKMARK end" for the initial-events-end one).
func nextEvents(t *testing.T, w watch.Interface, n int) []string {
	t.Helper()
	var out []string
	deadline := time.After(20 * time.Second)
	for len(out) < n {
		select {
		case ev, ok := <-w.ResultChan():
			if !ok {
				t.Fatalf("watch closed after %v", out)
			}
			out = append(out, describeEvent(ev))
		case <-deadline:
			t.Fatalf("got %v, waited in vain for %d events", out, n)
		}
	}
	return out
}

func describeEvent(ev watch.Event) string {
	if ev.Type == watch.Error {
		return fmt.Sprintf("ERROR %v", apierrors.FromObject(ev.Object))
	}
	m, err := meta.Accessor(ev.Object)
	if err != nil {
		return fmt.Sprintf("%s %T", ev.Type, ev.Object)
	}
	if ev.Type == watch.Bookmark {
		if m.GetAnnotations()[metav1.InitialEventsAnnotationKey] == "true" {
			return "BOOKMARK end"
		}
		return "BOOKMARK"
	}
	return fmt.Sprintf("%s %s", ev.Type, m.GetName())
}

// expectNoEvent fails if anything but a bookmark arrives within d.
func expectNoEvent(t *testing.T, w watch.Interface, d time.Duration) {
	t.Helper()
	timer := time.After(d)
	for {
		select {
		case ev := <-w.ResultChan():
			if ev.Type != watch.Bookmark {
				t.Fatalf("unexpected event %s", describeEvent(ev))
			}
		case <-timer:
			return
		}
	}
}

func mustCreateCM(t testing.TB, c *Cluster, ns, name string, labels map[string]string) *corev1.ConfigMap {
	t.Helper()
	cm := &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: name, Labels: labels}, Data: map[string]string{"v": "1"}}
	got, err := c.Client.CoreV1().ConfigMaps(ns).Create(testContext(t), cm, metav1.CreateOptions{})
	if err != nil {
		t.Fatalf("create configmap %s/%s: %v", ns, name, err)
	}
	return got
}

// rvLess compares resourceVersions as numbers (skiff's are etcd revisions;
// clients must not rely on that, but these tests may).
func rvLess(a, b string) bool {
	var x, y int64
	fmt.Sscan(a, &x)
	fmt.Sscan(b, &y)
	return x < y
}

// testWatchSharedObjects: several watchers in JSON and protobuf, and
// unpaged lists served from the watch cache, read the same cached objects
// at once while they change. Under -race this catches an encoder writing
// on a shared object (the versioning codec sets apiVersion and kind).
func testWatchSharedObjects(t *testing.T, c *Cluster) {
	ctx := testContext(t)
	ns := newNamespace(t, c)
	cms := c.Client.CoreV1().ConfigMaps(ns)
	protoCfg := rest.CopyConfig(c.Config)
	protoCfg.ContentType = "application/vnd.kubernetes.protobuf"
	protoCfg.AcceptContentTypes = "application/vnd.kubernetes.protobuf,application/json"
	proto, err := kubernetes.NewForConfig(protoCfg)
	if err != nil {
		t.Fatal(err)
	}
	const n = 20
	var watchers []watch.Interface
	for _, cl := range []kubernetes.Interface{c.Client, proto, c.Client, proto} {
		w, err := cl.CoreV1().ConfigMaps(ns).Watch(ctx, metav1.ListOptions{})
		if err != nil {
			t.Fatal(err)
		}
		defer w.Stop()
		watchers = append(watchers, w)
	}
	var wg sync.WaitGroup
	for _, cl := range []kubernetes.Interface{c.Client, proto} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range n {
				if _, err := cl.CoreV1().ConfigMaps(ns).List(ctx, metav1.ListOptions{ResourceVersion: "0"}); err != nil {
					t.Error(err)
					return
				}
			}
		}()
	}
	for i := range n {
		mustCreateCM(t, c, ns, fmt.Sprintf("cm-%d", i), nil)
	}
	wg.Wait()
	for _, w := range watchers {
		got := nextEvents(t, w, n)
		if got[n-1] != fmt.Sprintf("ADDED cm-%d", n-1) {
			t.Fatalf("last event %q, want ADDED cm-%d", got[n-1], n-1)
		}
	}
	if _, err := cms.Get(ctx, "cm-0", metav1.GetOptions{ResourceVersion: "0"}); err != nil {
		t.Fatal(err)
	}
}
