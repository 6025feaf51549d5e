package integration

import (
	"cmp"
	"context"
	"fmt"
	"sync"
	"testing"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

func pagingTests() []suiteTest {
	return []suiteTest{
		{name: "paging/consistent-pages", storage: true, fn: testPaging},
		{name: "paging/expired-continue", storage: true, own: true, fn: testExpiredContinue},
	}
}

// testPaging: 1,200 configmaps read 100 at a time come in 12 pages, every
// name once, all at the first page's resourceVersion, even though more
// objects are created between pages.
func testPaging(t *testing.T, c *Cluster) {
	ctx := testContext(t)
	ns := newNamespace(t, c)
	const total, limit = 1200, 100
	createMany(t, c, ns, "cm", total)
	cms := c.Client.CoreV1().ConfigMaps(ns)
	seen := map[string]bool{}
	var rv, cont string
	pages := 0
	for {
		list, err := cms.List(ctx, metav1.ListOptions{Limit: limit, Continue: cont})
		if err != nil {
			t.Fatalf("page %d: %v", pages+1, err)
		}
		pages++
		if rv == "" {
			rv = list.ResourceVersion
			if r := list.RemainingItemCount; r == nil || *r != total-limit {
				t.Errorf("first page remainingItemCount = %v, want %d", r, total-limit)
			}
		} else if list.ResourceVersion != rv {
			t.Fatalf("page %d at rv %s, first page at %s", pages, list.ResourceVersion, rv)
		}
		for _, cm := range list.Items {
			if seen[cm.Name] {
				t.Fatalf("%s listed twice", cm.Name)
			}
			seen[cm.Name] = true
		}
		// Written between pages: must not show up in this list.
		mustCreateCM(t, c, ns, fmt.Sprintf("extra-%02d", pages), nil)
		if cont = list.Continue; cont == "" {
			break
		}
		if len(list.Items) != limit {
			t.Fatalf("page %d has %d items, want %d", pages, len(list.Items), limit)
		}
	}
	if pages != total/limit || len(seen) != total {
		t.Fatalf("%d pages, %d names; want %d pages and %d names", pages, len(seen), total/limit, total)
	}
}

// testExpiredContinue: a continue token whose revision was compacted
// away gets 410 Expired.
func testExpiredContinue(t *testing.T, c *Cluster) {
	ctx := testContext(t)
	ns := newNamespace(t, c)
	createMany(t, c, ns, "cm", 30)
	cms := c.Client.CoreV1().ConfigMaps(ns)
	first, err := cms.List(ctx, metav1.ListOptions{Limit: 10})
	if err != nil || first.Continue == "" {
		t.Fatalf("first page: continue %q, %v", first.Continue, err)
	}
	mustCreateCM(t, c, ns, "newer", nil)
	c.Compact(t)
	_, err = cms.List(ctx, metav1.ListOptions{Limit: 10, Continue: first.Continue})
	if !apierrors.IsResourceExpired(err) {
		t.Fatalf("continue after compaction: %v, want 410 Expired", err)
	}
	if code := err.(apierrors.APIStatus).Status().Code; code != 410 {
		t.Fatalf("code %d, want 410", code)
	}
}

// createMany creates n configmaps named prefix-0000... with 16 writers.
func createMany(t testing.TB, c *Cluster, ns, prefix string, n int) {
	t.Helper()
	ctx := testContext(t)
	names := make(chan string)
	var mu sync.Mutex
	var firstErr error
	var wg sync.WaitGroup
	for range 16 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for name := range names {
				cm := &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: name, Labels: map[string]string{"bulk": prefix}}}
				if _, err := c.Client.CoreV1().ConfigMaps(ns).Create(ctx, cm, metav1.CreateOptions{}); err != nil {
					mu.Lock()
					firstErr = cmp.Or(firstErr, fmt.Errorf("create %s: %w", name, err))
					mu.Unlock()
				}
			}
		}()
	}
	sendNames(ctx, names, prefix, n)
	wg.Wait()
	if firstErr != nil {
		t.Fatal(firstErr)
	}
}

func sendNames(ctx context.Context, names chan<- string, prefix string, n int) {
	defer close(names)
	for i := range n {
		select {
		case names <- fmt.Sprintf("%s-%04d", prefix, i):
		case <-ctx.Done():
			return
		}
	}
}
