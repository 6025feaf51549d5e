package integration

import (
	"context"
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	autoscalingv1 "k8s.io/api/autoscaling/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/utils/ptr"
)

func subresourceTests() []suiteTest {
	return []suiteTest{
		{name: "subresources/status", fn: testStatusSubresource},
		{name: "subresources/scale", fn: testScaleSubresource},
	}
}

// testStatusSubresource: /status writes change only status; writes to the
// main resource leave status alone.
func testStatusSubresource(t *testing.T, c *Cluster) {
	ctx := testContext(t)
	ns := newNamespace(t, c)
	deps := c.Client.AppsV1().Deployments(ns)
	d, err := deps.Create(ctx, newDeployment("d", 1), metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	d.Spec.Replicas = ptr.To[int32](7)
	d.Labels = map[string]string{"ignored": "yes"}
	d.Status.Replicas, d.Status.ObservedGeneration = 4, 1
	d, err = deps.UpdateStatus(ctx, d, metav1.UpdateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if *d.Spec.Replicas != 1 || d.Labels["ignored"] != "" || d.Status.Replicas != 4 {
		t.Errorf("after a status update: spec.replicas %d labels %v status.replicas %d; want 1, none, 4",
			*d.Spec.Replicas, d.Labels, d.Status.Replicas)
	}
	d.Spec.Replicas = ptr.To[int32](2)
	d.Status.Replicas = 9
	d, err = deps.Update(ctx, d, metav1.UpdateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if *d.Spec.Replicas != 2 || d.Status.Replicas != 4 {
		t.Errorf("after a main update: spec.replicas %d status.replicas %d; want 2, 4", *d.Spec.Replicas, d.Status.Replicas)
	}
}

// scaler is the scale subresource of one workload kind.
type scaler struct {
	kind   string
	create func(ctx context.Context, name string) error
	get    func(ctx context.Context, name string) (*autoscalingv1.Scale, error)
	update func(ctx context.Context, name string, s *autoscalingv1.Scale) (*autoscalingv1.Scale, error)
	patch  func(ctx context.Context, name string, data []byte) error
	// replicas reads spec.replicas from the object itself.
	replicas func(ctx context.Context, name string) (int32, error)
}

func scalers(c *Cluster, ns string) []scaler {
	apps := c.Client.AppsV1()
	return []scaler{
		{
			kind: "deployment",
			create: func(ctx context.Context, name string) error {
				_, err := apps.Deployments(ns).Create(ctx, newDeployment(name, 2), metav1.CreateOptions{})
				return err
			},
			get: func(ctx context.Context, n string) (*autoscalingv1.Scale, error) {
				return apps.Deployments(ns).GetScale(ctx, n, metav1.GetOptions{})
			},
			update: func(ctx context.Context, n string, s *autoscalingv1.Scale) (*autoscalingv1.Scale, error) {
				return apps.Deployments(ns).UpdateScale(ctx, n, s, metav1.UpdateOptions{})
			},
			patch: func(ctx context.Context, n string, data []byte) error {
				_, err := apps.Deployments(ns).Patch(ctx, n, types.MergePatchType, data, metav1.PatchOptions{}, "scale")
				return err
			},
			replicas: func(ctx context.Context, n string) (int32, error) {
				d, err := apps.Deployments(ns).Get(ctx, n, metav1.GetOptions{})
				if err != nil {
					return 0, err
				}
				return *d.Spec.Replicas, nil
			},
		},
		{
			kind: "replicaset",
			create: func(ctx context.Context, name string) error {
				d := newDeployment(name, 2)
				rs := &appsv1.ReplicaSet{ObjectMeta: d.ObjectMeta, Spec: appsv1.ReplicaSetSpec{Replicas: d.Spec.Replicas, Selector: d.Spec.Selector, Template: d.Spec.Template}}
				_, err := apps.ReplicaSets(ns).Create(ctx, rs, metav1.CreateOptions{})
				return err
			},
			get: func(ctx context.Context, n string) (*autoscalingv1.Scale, error) {
				return apps.ReplicaSets(ns).GetScale(ctx, n, metav1.GetOptions{})
			},
			update: func(ctx context.Context, n string, s *autoscalingv1.Scale) (*autoscalingv1.Scale, error) {
				return apps.ReplicaSets(ns).UpdateScale(ctx, n, s, metav1.UpdateOptions{})
			},
			patch: func(ctx context.Context, n string, data []byte) error {
				_, err := apps.ReplicaSets(ns).Patch(ctx, n, types.MergePatchType, data, metav1.PatchOptions{}, "scale")
				return err
			},
			replicas: func(ctx context.Context, n string) (int32, error) {
				rs, err := apps.ReplicaSets(ns).Get(ctx, n, metav1.GetOptions{})
				if err != nil {
					return 0, err
				}
				return *rs.Spec.Replicas, nil
			},
		},
		{
			kind: "statefulset",
			create: func(ctx context.Context, name string) error {
				d := newDeployment(name, 2)
				ss := &appsv1.StatefulSet{ObjectMeta: d.ObjectMeta, Spec: appsv1.StatefulSetSpec{ServiceName: name, Replicas: d.Spec.Replicas, Selector: d.Spec.Selector, Template: d.Spec.Template}}
				_, err := apps.StatefulSets(ns).Create(ctx, ss, metav1.CreateOptions{})
				return err
			},
			get: func(ctx context.Context, n string) (*autoscalingv1.Scale, error) {
				return apps.StatefulSets(ns).GetScale(ctx, n, metav1.GetOptions{})
			},
			update: func(ctx context.Context, n string, s *autoscalingv1.Scale) (*autoscalingv1.Scale, error) {
				return apps.StatefulSets(ns).UpdateScale(ctx, n, s, metav1.UpdateOptions{})
			},
			patch: func(ctx context.Context, n string, data []byte) error {
				_, err := apps.StatefulSets(ns).Patch(ctx, n, types.MergePatchType, data, metav1.PatchOptions{}, "scale")
				return err
			},
			replicas: func(ctx context.Context, n string) (int32, error) {
				ss, err := apps.StatefulSets(ns).Get(ctx, n, metav1.GetOptions{})
				if err != nil {
					return 0, err
				}
				return *ss.Spec.Replicas, nil
			},
		},
	}
}

// testScaleSubresource: get, update (with optimistic concurrency) and
// patch the scale of each workload kind; the object follows.
func testScaleSubresource(t *testing.T, c *Cluster) {
	ctx := testContext(t)
	ns := newNamespace(t, c)
	for _, s := range scalers(c, ns) {
		name := s.kind
		if err := s.create(ctx, name); err != nil {
			t.Fatalf("create %s: %v", s.kind, err)
		}
		sc, err := s.get(ctx, name)
		if err != nil {
			t.Fatalf("%s get scale: %v", s.kind, err)
		}
		if sc.Spec.Replicas != 2 || sc.Name != name || sc.Namespace != ns || sc.Status.Selector != "app="+name || sc.ResourceVersion == "" {
			t.Errorf("%s scale = %+v", s.kind, sc)
		}
		stale := sc.DeepCopy()
		sc.Spec.Replicas = 5
		if sc, err = s.update(ctx, name, sc); err != nil || sc.Spec.Replicas != 5 {
			t.Fatalf("%s update scale: %v %+v", s.kind, err, sc)
		}
		if n, err := s.replicas(ctx, name); err != nil || n != 5 {
			t.Errorf("%s spec.replicas after scale to 5: %d %v", s.kind, n, err)
		}
		stale.Spec.Replicas = 1
		if _, err := s.update(ctx, name, stale); !apierrors.IsConflict(err) {
			t.Errorf("%s scale update with a stale resourceVersion: %v, want 409", s.kind, err)
		}
		if err := s.patch(ctx, name, []byte(`{"spec":{"replicas":3}}`)); err != nil {
			t.Fatalf("%s patch scale: %v", s.kind, err)
		}
		if n, err := s.replicas(ctx, name); err != nil || n != 3 {
			t.Errorf("%s spec.replicas after scale patch to 3: %d %v", s.kind, n, err)
		}
	}
}
