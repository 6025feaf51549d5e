package integration

import (
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/utils/ptr"
)

func createTests() []suiteTest {
	return []suiteTest{
		{name: "create/metadata", fn: testCreateMetadata},
		{name: "create/generation", fn: testGeneration},
		{name: "create/defaults", fn: testDefaults},
		{name: "create/dry-run", fn: testDryRun},
	}
}

// testCreateMetadata: the server names generateName objects and sets uid
// and creationTimestamp; a second create of a name is 409 AlreadyExists.
func testCreateMetadata(t *testing.T, c *Cluster) {
	ctx := testContext(t)
	ns := newNamespace(t, c)
	before := time.Now().Add(-time.Second).Truncate(time.Second)
	cms := c.Client.CoreV1().ConfigMaps(ns)
	a, err := cms.Create(ctx, &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{GenerateName: "gen-"}}, metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	b, err := cms.Create(ctx, &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{GenerateName: "gen-"}}, metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	for _, cm := range []*corev1.ConfigMap{a, b} {
		if !strings.HasPrefix(cm.Name, "gen-") || len(cm.Name) != len("gen-")+5 {
			t.Errorf("generated name %q, want gen- and 5 characters", cm.Name)
		}
		if cm.UID == "" || cm.ResourceVersion == "" {
			t.Errorf("%s: uid %q resourceVersion %q", cm.Name, cm.UID, cm.ResourceVersion)
		}
		if ts := cm.CreationTimestamp.Time; ts.Before(before) || ts.After(time.Now().Add(time.Second)) {
			t.Errorf("%s: creationTimestamp %v not now", cm.Name, ts)
		}
	}
	if a.Name == b.Name || a.UID == b.UID {
		t.Errorf("two creates share name or uid: %s/%s %s/%s", a.Name, a.UID, b.Name, b.UID)
	}
	_, err = cms.Create(ctx, &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: a.Name}}, metav1.CreateOptions{})
	if !apierrors.IsAlreadyExists(err) {
		t.Fatalf("second create of %s: %v, want 409 AlreadyExists", a.Name, err)
	}
	if want := `configmaps "` + a.Name + `" already exists`; err.Error() != want {
		t.Errorf("message %q, want %q", err, want)
	}
}

// testGeneration: generation starts at 1 and grows with spec changes (and,
// for deployments, annotation changes) but not label or status changes.
func testGeneration(t *testing.T, c *Cluster) {
	ctx := testContext(t)
	ns := newNamespace(t, c)
	deps := c.Client.AppsV1().Deployments(ns)
	d, err := deps.Create(ctx, newDeployment("d", 1), metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	steps := []struct {
		what   string
		change func()
		status bool
		want   int64
	}{
		{"spec", func() { d.Spec.Replicas = ptr.To[int32](3) }, false, 2},
		{"labels", func() { d.Labels = map[string]string{"x": "y"} }, false, 2},
		{"annotations", func() { d.Annotations = map[string]string{"note": "z"} }, false, 3},
		{"status", func() { d.Status.ObservedGeneration, d.Status.Replicas = 3, 2 }, true, 3},
		{"template", func() { d.Spec.Template.Spec.Containers[0].Image = "busybox:2" }, false, 4},
	}
	if d.Generation != 1 {
		t.Fatalf("generation on create = %d, want 1", d.Generation)
	}
	for _, s := range steps {
		s.change()
		if s.status {
			d, err = deps.UpdateStatus(ctx, d, metav1.UpdateOptions{})
		} else {
			d, err = deps.Update(ctx, d, metav1.UpdateOptions{})
		}
		if err != nil {
			t.Fatalf("%s update: %v", s.what, err)
		}
		if d.Generation != s.want {
			t.Errorf("after a %s change generation = %d, want %d", s.what, d.Generation, s.want)
		}
	}
}

// testDefaults: defaulted fields are visible in the create response and
// in later reads.
func testDefaults(t *testing.T, c *Cluster) {
	ctx := testContext(t)
	ns := newNamespace(t, c)
	pod := mustCreatePod(t, c, ns, "p", "")
	ctr := pod.Spec.Containers[0]
	checks := []fieldCheck{
		{"spec.restartPolicy", pod.Spec.RestartPolicy, corev1.RestartPolicyAlways},
		{"spec.dnsPolicy", pod.Spec.DNSPolicy, corev1.DNSClusterFirst},
		{"spec.schedulerName", pod.Spec.SchedulerName, "default-scheduler"},
		{"spec.terminationGracePeriodSeconds", ptr.Deref(pod.Spec.TerminationGracePeriodSeconds, -1), int64(30)},
		{"spec.enableServiceLinks", ptr.Deref(pod.Spec.EnableServiceLinks, false), true},
		{"spec.containers[0].imagePullPolicy", ctr.ImagePullPolicy, corev1.PullAlways},
		{"spec.containers[0].terminationMessagePath", ctr.TerminationMessagePath, "/dev/termination-log"},
		{"spec.containers[0].terminationMessagePolicy", ctr.TerminationMessagePolicy, corev1.TerminationMessageReadFile},
		{"status.phase", pod.Status.Phase, corev1.PodPending},
	}
	d, err := c.Client.AppsV1().Deployments(ns).Create(ctx, newDeployment("d", 1), metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	ru := d.Spec.Strategy.RollingUpdate
	checks = append(checks,
		fieldCheck{"deployment spec.strategy.rollingUpdate.maxSurge", ru != nil && ru.MaxSurge != nil && *ru.MaxSurge == intstr.FromString("25%"), true},
		fieldCheck{"deployment spec.revisionHistoryLimit", ptr.Deref(d.Spec.RevisionHistoryLimit, -1), int32(10)},
		fieldCheck{"deployment spec.progressDeadlineSeconds", ptr.Deref(d.Spec.ProgressDeadlineSeconds, -1), int32(600)},
	)
	for _, ch := range checks {
		if ch.got != ch.want {
			t.Errorf("%s = %v, want %v", ch.field, ch.got, ch.want)
		}
	}
}

// fieldCheck compares one field of a response with what Kubernetes gives.
type fieldCheck struct {
	field     string
	got, want any
}

// testDryRun: dryRun=All answers as a write would but stores nothing.
func testDryRun(t *testing.T, c *Cluster) {
	ctx := testContext(t)
	ns := newNamespace(t, c)
	cms := c.Client.CoreV1().ConfigMaps(ns)
	dry := metav1.CreateOptions{DryRun: []string{metav1.DryRunAll}}
	got, err := cms.Create(ctx, &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: "dry"}, Data: map[string]string{"v": "1"}}, dry)
	if err != nil {
		t.Fatal(err)
	}
	if got.Name != "dry" || got.Data["v"] != "1" || got.CreationTimestamp.IsZero() {
		t.Errorf("dry-run create returned %+v", got.ObjectMeta)
	}
	if _, err := cms.Get(ctx, "dry", metav1.GetOptions{}); !apierrors.IsNotFound(err) {
		t.Fatalf("after dry-run create: %v, want 404", err)
	}
	real := mustCreateCM(t, c, ns, "real", nil)
	real.Data["v"] = "changed"
	if _, err := cms.Update(ctx, real, metav1.UpdateOptions{DryRun: []string{metav1.DryRunAll}}); err != nil {
		t.Fatal(err)
	}
	if err := cms.Delete(ctx, "real", metav1.DeleteOptions{DryRun: []string{metav1.DryRunAll}}); err != nil {
		t.Fatal(err)
	}
	after, err := cms.Get(ctx, "real", metav1.GetOptions{})
	if err != nil {
		t.Fatalf("after dry-run delete: %v", err)
	}
	if after.Data["v"] != "1" || after.ResourceVersion != real.ResourceVersion {
		t.Errorf("dry-run update changed the object: v=%s rv %s -> %s", after.Data["v"], real.ResourceVersion, after.ResourceVersion)
	}
	if _, err := cms.Create(ctx, &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: "Bad_Name"}}, dry); !apierrors.IsInvalid(err) {
		t.Errorf("dry-run of an invalid object: %v, want 422", err)
	}
}
