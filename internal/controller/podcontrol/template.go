package podcontrol

import (
	"maps"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
)

// PodFromTemplate builds the pod an owner creates from its template: the
// template's labels, annotations, finalizers and spec, a controller
// reference to the owner, and a generated name "<owner>-" when name is
// empty (ReplicaSets, DaemonSets) or the given name (StatefulSets).
func PodFromTemplate(t *corev1.PodTemplateSpec, owner metav1.Object, kind schema.GroupVersionKind, name string) *corev1.Pod {
	p := &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{
			Namespace:       owner.GetNamespace(),
			Labels:          maps.Clone(t.Labels),
			Annotations:     maps.Clone(t.Annotations),
			Finalizers:      append([]string(nil), t.Finalizers...),
			OwnerReferences: []metav1.OwnerReference{*metav1.NewControllerRef(owner, kind)},
		},
		Spec: *t.Spec.DeepCopy(),
	}
	if name == "" {
		p.GenerateName = owner.GetName() + "-"
	} else {
		p.Name = name
	}
	return p
}
