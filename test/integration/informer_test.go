package integration

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/watch"
	"k8s.io/client-go/informers"
	"k8s.io/client-go/tools/cache"
	"k8s.io/utils/ptr"
)

func informerTests() []suiteTest {
	return []suiteTest{
		{name: "informers/sync-and-restart", storage: true, own: true, fn: testInformersAcrossRestart},
		{name: "informers/watchlist-reflector", storage: true, fn: testWatchListReflector},
	}
}

// testInformersAcrossRestart: informers on pods, configmaps and
// deployments sync, follow adds, updates and deletes, and after the server
// restarts catch up with what changed while they were reconnecting.
func testInformersAcrossRestart(t *testing.T, c *Cluster) {
	ctx := testContext(t)
	ns := newNamespace(t, c)
	mustCreateCM(t, c, ns, "before", nil)
	factory := informers.NewSharedInformerFactoryWithOptions(c.Client, 0, informers.WithNamespace(ns))
	cms := factory.Core().V1().ConfigMaps()
	pods := factory.Core().V1().Pods()
	deps := factory.Apps().V1().Deployments()
	rec := &eventRecorder{}
	for _, inf := range []cache.SharedIndexInformer{cms.Informer(), pods.Informer(), deps.Informer()} {
		if _, err := inf.AddEventHandler(rec); err != nil {
			t.Fatal(err)
		}
	}
	stop := make(chan struct{})
	defer func() { close(stop); factory.Shutdown() }()
	factory.Start(stop)
	for typ, ok := range factory.WaitForCacheSync(stop) {
		if !ok {
			t.Fatalf("%v did not sync", typ)
		}
	}
	rec.waitFor(t, "add ConfigMap before")

	mustCreateCM(t, c, ns, "a", nil)
	mustCreatePod(t, c, ns, "p", "")
	if _, err := c.Client.AppsV1().Deployments(ns).Create(ctx, newDeployment("d", 1), metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	rec.waitFor(t, "add ConfigMap a", "add Pod p", "add Deployment d")
	mustUpdateCM(t, c, ns, "a", "2")
	rec.waitFor(t, "update ConfigMap a")
	if err := c.Client.CoreV1().Pods(ns).Delete(ctx, "p", metav1.DeleteOptions{GracePeriodSeconds: ptr.To[int64](0)}); err != nil {
		t.Fatal(err)
	}
	rec.waitFor(t, "delete Pod p")

	c.Restart()
	// Written at once, while the informers are still reconnecting.
	mustCreateCM(t, c, ns, "after", nil)
	mustUpdateCM(t, c, ns, "a", "3")
	if err := c.Client.CoreV1().ConfigMaps(ns).Delete(ctx, "before", metav1.DeleteOptions{}); err != nil {
		t.Fatal(err)
	}
	waitUntil(t, "configmap lister catches up after restart", func() (bool, string) {
		got := listerState(cms.Lister().ConfigMaps(ns).List(labels.Everything()))
		return got == "a=3 after=1", got
	})
	mustCreatePod(t, c, ns, "p2", "")
	waitUntil(t, "pod lister after restart", func() (bool, string) {
		got, _ := pods.Lister().Pods(ns).List(labels.Everything())
		return len(got) == 1 && got[0].Name == "p2", fmt.Sprint(len(got))
	})
	if _, err := deps.Lister().Deployments(ns).Get("d"); err != nil {
		t.Fatalf("deployment lost from the cache after restart: %v", err)
	}
}

// testWatchListReflector: client-go's reflector with WatchList on fills
// its store from the streaming list without ever calling List.
func testWatchListReflector(t *testing.T, c *Cluster) {
	ns := newNamespace(t, c)
	for i := range 5 {
		mustCreateCM(t, c, ns, fmt.Sprintf("cm-%d", i), nil)
	}
	var lists atomic.Int32
	lw := &cache.ListWatch{
		ListFunc: func(o metav1.ListOptions) (runtime.Object, error) {
			lists.Add(1)
			return c.Client.CoreV1().ConfigMaps(ns).List(context.Background(), o)
		},
		WatchFunc: func(o metav1.ListOptions) (watch.Interface, error) {
			return c.Client.CoreV1().ConfigMaps(ns).Watch(context.Background(), o)
		},
	}
	store := cache.NewStore(cache.MetaNamespaceKeyFunc)
	r := cache.NewReflector(lw, &corev1.ConfigMap{}, store, 0)
	r.UseWatchList = ptr.To(true)
	stop := make(chan struct{})
	done := make(chan struct{})
	go func() { defer close(done); r.Run(stop) }()
	defer func() { close(stop); <-done }()
	waitUntil(t, "reflector store holds the 5 configmaps", func() (bool, string) {
		return len(store.ListKeys()) == 5, fmt.Sprint(store.ListKeys())
	})
	mustCreateCM(t, c, ns, "later", nil)
	waitUntil(t, "reflector sees a later configmap", func() (bool, string) {
		_, ok, _ := store.GetByKey(ns + "/later")
		return ok, fmt.Sprint(store.ListKeys())
	})
	if n := lists.Load(); n != 0 {
		t.Fatalf("reflector fell back to LIST %d times: the streaming list did not work", n)
	}
}

// eventRecorder is an informer handler that notes "verb Kind name".
type eventRecorder struct {
	mu   sync.Mutex
	seen map[string]bool
}

func (r *eventRecorder) note(verb string, obj any) {
	if d, ok := obj.(cache.DeletedFinalStateUnknown); ok {
		obj = d.Obj
	}
	kind := strings.TrimPrefix(fmt.Sprintf("%T", obj), "*v1.")
	name := ""
	if m, ok := obj.(metav1.Object); ok {
		name = m.GetName()
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.seen == nil {
		r.seen = map[string]bool{}
	}
	r.seen[verb+" "+kind+" "+name] = true
}

func (r *eventRecorder) OnAdd(obj any, _ bool) { r.note("add", obj) }
func (r *eventRecorder) OnUpdate(_, obj any)   { r.note("update", obj) }
func (r *eventRecorder) OnDelete(obj any)      { r.note("delete", obj) }
func (r *eventRecorder) has(key string) bool   { r.mu.Lock(); defer r.mu.Unlock(); return r.seen[key] }

func (r *eventRecorder) waitFor(t *testing.T, keys ...string) {
	t.Helper()
	for _, k := range keys {
		waitUntil(t, "informer event "+k, func() (bool, string) { return r.has(k), "" })
	}
}

// listerState renders configmaps as sorted "name=v" pairs.
func listerState(cms []*corev1.ConfigMap, err error) string {
	if err != nil {
		return err.Error()
	}
	var out []string
	for _, cm := range cms {
		out = append(out, cm.Name+"="+cm.Data["v"])
	}
	sort.Strings(out)
	return strings.Join(out, " ")
}

// waitUntil polls cond every 20ms for up to 30s; cond returns whether it
// holds and what it saw, for the failure message.
func waitUntil(t testing.TB, what string, cond func() (bool, string)) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	tick := time.NewTicker(20 * time.Millisecond)
	defer tick.Stop()
	for {
		ok, saw := cond()
		if ok {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s; last saw: %s", what, saw)
		}
		<-tick.C
	}
}

func mustUpdateCM(t testing.TB, c *Cluster, ns, name, v string) *corev1.ConfigMap {
	t.Helper()
	ctx := testContext(t)
	cm, err := c.Client.CoreV1().ConfigMaps(ns).Get(ctx, name, metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	cm.Data = map[string]string{"v": v}
	if cm, err = c.Client.CoreV1().ConfigMaps(ns).Update(ctx, cm, metav1.UpdateOptions{}); err != nil {
		t.Fatal(err)
	}
	return cm
}

func mustCreatePod(t testing.TB, c *Cluster, ns, name, node string) *corev1.Pod {
	t.Helper()
	pod := newPod(name)
	pod.Spec.NodeName = node
	got, err := c.Client.CoreV1().Pods(ns).Create(testContext(t), pod, metav1.CreateOptions{})
	if err != nil {
		t.Fatalf("create pod %s/%s: %v", ns, name, err)
	}
	return got
}

func newPod(name string) *corev1.Pod {
	return &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Name: name, Labels: map[string]string{"app": "test"}},
		Spec:       corev1.PodSpec{Containers: []corev1.Container{{Name: "c", Image: "busybox"}}},
	}
}

func newDeployment(name string, replicas int32) *appsv1.Deployment {
	sel := map[string]string{"app": name}
	return &appsv1.Deployment{
		ObjectMeta: metav1.ObjectMeta{Name: name},
		Spec: appsv1.DeploymentSpec{
			Replicas: ptr.To(replicas),
			Selector: &metav1.LabelSelector{MatchLabels: sel},
			Template: corev1.PodTemplateSpec{
				ObjectMeta: metav1.ObjectMeta{Labels: sel},
				Spec:       corev1.PodSpec{Containers: []corev1.Container{{Name: "c", Image: "busybox"}}},
			},
		},
	}
}
