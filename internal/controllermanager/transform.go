package controllermanager

import (
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// StripManagedFields is an informer transform that drops managedFields
// before objects enter a cache: no controller or scheduler reads them, and
// they are often the larger part of a pod.
func StripManagedFields(obj interface{}) (interface{}, error) {
	if a, ok := obj.(metav1.ObjectMetaAccessor); ok {
		if m := a.GetObjectMeta(); m != nil {
			m.SetManagedFields(nil)
		}
	}
	return obj, nil
}
