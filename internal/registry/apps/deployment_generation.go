package apps

import (
	appsv1 "k8s.io/api/apps/v1"
	"k8s.io/apimachinery/pkg/api/equality"
	"k8s.io/apimachinery/pkg/runtime"
)

// PrepareForUpdate bumps generation when annotations change: a
// Deployment copies its annotations to its ReplicaSets, so the controller
// must see them as a change of desired state (as in Kubernetes).
func (deploymentStrategy) PrepareForUpdate(obj, old runtime.Object) {
	d, o := obj.(*appsv1.Deployment), old.(*appsv1.Deployment)
	if !equality.Semantic.DeepEqual(d.Annotations, o.Annotations) && d.Generation == o.Generation {
		d.Generation = o.Generation + 1
	}
}
