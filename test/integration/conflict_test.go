package integration

import (
	"fmt"
	"strconv"
	"sync"
	"testing"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/client-go/util/retry"
)

func conflictTests() []suiteTest {
	return []suiteTest{
		{name: "conflict/stale-update", storage: true, fn: testStaleUpdate},
		{name: "conflict/retry-on-conflict", storage: true, fn: testRetryOnConflict},
	}
}

// testStaleUpdate: an update carrying an old resourceVersion is refused
// with 409 Conflict and Kubernetes' message; the stored object is kept.
func testStaleUpdate(t *testing.T, c *Cluster) {
	ctx := testContext(t)
	ns := newNamespace(t, c)
	stale := mustCreateCM(t, c, ns, "a", nil)
	mustUpdateCM(t, c, ns, "a", "2")
	stale.Data = map[string]string{"v": "stale"}
	_, err := c.Client.CoreV1().ConfigMaps(ns).Update(ctx, stale, metav1.UpdateOptions{})
	if !apierrors.IsConflict(err) {
		t.Fatalf("stale update: %v, want 409 Conflict", err)
	}
	want := `Operation cannot be fulfilled on configmaps "a": the object has been modified; please apply your changes to the latest version and try again`
	if err.Error() != want {
		t.Errorf("message:\n got %s\nwant %s", err, want)
	}
	st := err.(apierrors.APIStatus).Status()
	if st.Code != 409 || st.Details == nil || st.Details.Name != "a" || st.Details.Kind != "configmaps" {
		t.Errorf("status = %+v, want code 409 and details naming configmaps a", st)
	}
	got, err := c.Client.CoreV1().ConfigMaps(ns).Get(ctx, "a", metav1.GetOptions{})
	if err != nil || got.Data["v"] != "2" {
		t.Fatalf("after a refused update: %v %v", got.Data, err)
	}
}

// patientRetry outlasts the contention of the workers below (client-go's
// DefaultRetry gives up after 5 tries, which six writers can exhaust).
func patientRetry() wait.Backoff {
	return wait.Backoff{Steps: 100, Duration: 5 * time.Millisecond, Factor: 1.2, Jitter: 1, Cap: 100 * time.Millisecond}
}

// testRetryOnConflict: concurrent read-modify-write loops that retry on
// conflict all land: no increment is lost.
func testRetryOnConflict(t *testing.T, c *Cluster) {
	ctx := testContext(t)
	ns := newNamespace(t, c)
	mustCreateCM(t, c, ns, "counter", nil)
	cms := c.Client.CoreV1().ConfigMaps(ns)
	const workers, each = 6, 5
	var wg sync.WaitGroup
	errs := make(chan error, workers*each)
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range each {
				errs <- retry.RetryOnConflict(patientRetry(), func() error {
					cm, err := cms.Get(ctx, "counter", metav1.GetOptions{})
					if err != nil {
						return err
					}
					n, _ := strconv.Atoi(cm.Data["v"])
					cm.Data["v"] = strconv.Itoa(n + 1)
					_, err = cms.Update(ctx, cm, metav1.UpdateOptions{})
					return err
				})
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatalf("update: %v", err)
		}
	}
	cm, err := cms.Get(ctx, "counter", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if want := fmt.Sprint(1 + workers*each); cm.Data["v"] != want {
		t.Fatalf("counter = %s, want %s", cm.Data["v"], want)
	}
}
