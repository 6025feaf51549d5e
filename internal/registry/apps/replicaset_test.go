package apps

import (
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"
)

func validReplicaSet() *appsv1.ReplicaSet {
	rs := &appsv1.ReplicaSet{
		ObjectMeta: metav1.ObjectMeta{Name: "web-5d4f", Namespace: "default"},
		Spec:       appsv1.ReplicaSetSpec{Selector: webSelector(), Template: webTemplate()},
	}
	replicaSetStrategy{pods: fakePods}.Default(rs)
	return rs
}

func TestReplicaSetDefault(t *testing.T) {
	rs := validReplicaSet()
	if got := ptr.Deref(rs.Spec.Replicas, -1); got != 1 {
		t.Errorf("replicas = %d, want 1", got)
	}
	if rs.Spec.Template.Spec.RestartPolicy != "Always" {
		t.Error("pod template defaults not applied")
	}
	rs.Spec.Replicas = ptr.To[int32](0)
	replicaSetStrategy{pods: fakePods}.Default(rs)
	if *rs.Spec.Replicas != 0 {
		t.Error("explicit 0 replicas overwritten")
	}
}

func TestReplicaSetValidate(t *testing.T) {
	tests := []struct {
		name   string
		mutate func(*appsv1.ReplicaSet)
		want   []string
	}{
		{"valid", func(*appsv1.ReplicaSet) {}, nil},
		{"negative replicas", func(rs *appsv1.ReplicaSet) { rs.Spec.Replicas = ptr.To[int32](-2) }, []string{"FieldValueInvalid spec.replicas"}},
		{"negative min ready", func(rs *appsv1.ReplicaSet) { rs.Spec.MinReadySeconds = -1 }, []string{"FieldValueInvalid spec.minReadySeconds"}},
		{"no selector", func(rs *appsv1.ReplicaSet) { rs.Spec.Selector = nil },
			[]string{"FieldValueRequired spec.selector", "FieldValueInvalid spec.template.metadata.labels"}},
		{"selector misses template", func(rs *appsv1.ReplicaSet) {
			rs.Spec.Selector.MatchExpressions = []metav1.LabelSelectorRequirement{{Key: "tier", Operator: metav1.LabelSelectorOpNotIn, Values: []string{"front"}}}
		}, []string{"FieldValueInvalid spec.template.metadata.labels"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rs := validReplicaSet()
			tt.mutate(rs)
			checkErrors(t, replicaSetStrategy{pods: fakePods}.Validate(rs), tt.want)
		})
	}
}

func TestReplicaSetSelectorImmutable(t *testing.T) {
	old := validReplicaSet()
	rs := old.DeepCopy()
	rs.Spec.Replicas = ptr.To[int32](4)
	checkErrors(t, replicaSetStrategy{pods: fakePods}.ValidateUpdate(rs, old), nil)
	rs.Spec.Selector = &metav1.LabelSelector{MatchLabels: map[string]string{"tier": "front"}}
	checkErrors(t, replicaSetStrategy{pods: fakePods}.ValidateUpdate(rs, old), []string{"FieldValueInvalid spec.selector"})
}

func TestReplicaSetCellsAndFields(t *testing.T) {
	rs := validReplicaSet()
	rs.Spec.Replicas = ptr.To[int32](3)
	rs.Status = appsv1.ReplicaSetStatus{Replicas: 2, ReadyReplicas: 1}
	checkColumns(t, replicaSetStrategy{}, rs,
		[]string{"Desired", "Current", "Ready", "Age", "Containers", "Images", "Selector"},
		[]interface{}{int64(3), int64(2), int64(1), nil, "nginx,sidecar", "nginx:1.27,busybox:1.36", "app=web"})
	if got := (replicaSetStrategy{}).Fields(rs)["status.replicas"]; got != "2" {
		t.Errorf("status.replicas field = %q, want 2", got)
	}
	if _, ok := (replicaSetStrategy{}).Fields(&appsv1.ReplicaSet{})["status.replicas"]; !ok {
		t.Error("empty object lacks the status.replicas key")
	}
}
