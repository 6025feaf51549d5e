package networking

import (
	"k8s.io/apimachinery/pkg/api/equality"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// bumpGeneration moves metadata.generation on when the spec changed, the
// way Kubernetes tells controllers there is new desired state to act on.
func bumpGeneration(newMeta *metav1.ObjectMeta, oldMeta metav1.ObjectMeta, newSpec, oldSpec interface{}) {
	newMeta.Generation = oldMeta.Generation
	if !equality.Semantic.DeepEqual(newSpec, oldSpec) {
		newMeta.Generation = oldMeta.Generation + 1
	}
}
