package integration

import (
	"sort"
	"strings"
	"testing"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	appsv1ac "k8s.io/client-go/applyconfigurations/apps/v1"
	corev1ac "k8s.io/client-go/applyconfigurations/core/v1"
	metav1ac "k8s.io/client-go/applyconfigurations/meta/v1"
	"k8s.io/utils/ptr"
)

func applyTests() []suiteTest {
	return []suiteTest{
		{name: "apply/configmap-managers", fn: testApplyManagers},
		{name: "apply/deployment", fn: testApplyDeployment},
	}
}

// testApplyManagers: apply creates and updates; a second manager setting
// a field the first owns gets 409 with a cause naming the field, and wins
// with force.
func testApplyManagers(t *testing.T, c *Cluster) {
	ctx := testContext(t)
	ns := newNamespace(t, c)
	cms := c.Client.CoreV1().ConfigMaps(ns)
	alice := metav1.ApplyOptions{FieldManager: "alice"}
	cm, err := cms.Apply(ctx, corev1ac.ConfigMap("a", ns).WithData(map[string]string{"shared": "alice", "mine": "1"}), alice)
	if err != nil {
		t.Fatalf("apply create: %v", err)
	}
	if got := managers(cm.ManagedFields); got != "alice/Apply" {
		t.Errorf("managedFields after create: %s", got)
	}
	// Applying without "mine" removes it: alice no longer wants it.
	cm, err = cms.Apply(ctx, corev1ac.ConfigMap("a", ns).WithData(map[string]string{"shared": "alice", "new": "2"}), alice)
	if err != nil {
		t.Fatalf("apply update: %v", err)
	}
	if _, ok := cm.Data["mine"]; ok || cm.Data["new"] != "2" {
		t.Errorf("data after second apply = %v, want shared and new only", cm.Data)
	}
	bob := corev1ac.ConfigMap("a", ns).WithData(map[string]string{"shared": "bob"})
	_, err = cms.Apply(ctx, bob, metav1.ApplyOptions{FieldManager: "bob"})
	if !apierrors.IsConflict(err) {
		t.Fatalf("conflicting apply: %v, want 409", err)
	}
	st := err.(apierrors.APIStatus).Status()
	if st.Details == nil || len(st.Details.Causes) != 1 || st.Details.Causes[0].Type != metav1.CauseTypeFieldManagerConflict ||
		st.Details.Causes[0].Field != ".data.shared" || !strings.Contains(st.Message, `conflict with "alice"`) {
		t.Errorf("conflict status = %+v", st)
	}
	cm, err = cms.Apply(ctx, bob, metav1.ApplyOptions{FieldManager: "bob", Force: true})
	if err != nil {
		t.Fatalf("forced apply: %v", err)
	}
	if cm.Data["shared"] != "bob" || cm.Data["new"] != "2" {
		t.Errorf("data after forced apply = %v", cm.Data)
	}
	if got := managers(cm.ManagedFields); got != "alice/Apply bob/Apply" {
		t.Errorf("managedFields after forced apply: %s", got)
	}
}

// testApplyDeployment: apply of a typed deployment defaults like a create;
// an Update by another manager then conflicts with a re-apply.
func testApplyDeployment(t *testing.T, c *Cluster) {
	ctx := testContext(t)
	ns := newNamespace(t, c)
	deps := c.Client.AppsV1().Deployments(ns)
	labels := map[string]string{"app": "web"}
	ac := appsv1ac.Deployment("web", ns).WithSpec(appsv1ac.DeploymentSpec().
		WithReplicas(2).
		WithSelector(metav1ac.LabelSelector().WithMatchLabels(labels)).
		WithTemplate(corev1ac.PodTemplateSpec().WithLabels(labels).WithSpec(corev1ac.PodSpec().
			WithContainers(corev1ac.Container().WithName("c").WithImage("busybox")))))
	opts := metav1.ApplyOptions{FieldManager: "deployer"}
	d, err := deps.Apply(ctx, ac, opts)
	if err != nil {
		t.Fatalf("apply deployment: %v", err)
	}
	if *d.Spec.Replicas != 2 || d.Spec.Template.Spec.RestartPolicy != "Always" || d.Generation != 1 {
		t.Errorf("applied deployment: replicas %d restartPolicy %q generation %d", *d.Spec.Replicas, d.Spec.Template.Spec.RestartPolicy, d.Generation)
	}
	d.Spec.Replicas = ptr.To[int32](5)
	if d, err = deps.Update(ctx, d, metav1.UpdateOptions{FieldManager: "scaler"}); err != nil {
		t.Fatal(err)
	}
	if got := managers(d.ManagedFields); got != "deployer/Apply scaler/Update" {
		t.Errorf("managedFields after an update: %s", got)
	}
	if _, err := deps.Apply(ctx, ac, opts); !apierrors.IsConflict(err) {
		t.Fatalf("re-apply of replicas owned by scaler: %v, want 409", err)
	}
	// Dropping the field from the apply configuration resolves it.
	ac.Spec.Replicas = nil
	if d, err = deps.Apply(ctx, ac, opts); err != nil || *d.Spec.Replicas != 5 {
		t.Fatalf("apply without replicas: %v", err)
	}
}

// managers renders managedFields as sorted "manager/operation" entries.
func managers(entries []metav1.ManagedFieldsEntry) string {
	var out []string
	for _, e := range entries {
		out = append(out, e.Manager+"/"+string(e.Operation))
	}
	sort.Strings(out)
	return strings.Join(out, " ")
}
