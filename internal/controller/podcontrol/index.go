package podcontrol

import (
	"fmt"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/tools/cache"
)

// ControllerIndex indexes objects by the UID of their controlling owner,
// and objects without one under OrphanKey(namespace). A controller then
// reads its own pods without listing the namespace: with 30,000 pods a
// per-sync list would dominate the work.
const ControllerIndex = "skiff.io/controller-uid"

// OrphanKey is the index value of uncontrolled objects in namespace.
func OrphanKey(namespace string) string { return "orphan/" + namespace }

func controllerIndexFunc(obj any) ([]string, error) {
	m, ok := obj.(metav1.Object)
	if !ok {
		return nil, nil
	}
	if ref := metav1.GetControllerOfNoCopy(m); ref != nil {
		return []string{string(ref.UID)}, nil
	}
	return []string{OrphanKey(m.GetNamespace())}, nil
}

// AddControllerIndex adds ControllerIndex to inf unless another controller
// sharing the informer already did. Call it before the informers start.
func AddControllerIndex(inf cache.SharedIndexInformer) error {
	if _, ok := inf.GetIndexer().GetIndexers()[ControllerIndex]; ok {
		return nil
	}
	if err := inf.AddIndexers(cache.Indexers{ControllerIndex: controllerIndexFunc}); err != nil {
		return fmt.Errorf("add controller index: %w", err)
	}
	return nil
}

// Candidates returns the objects controlled by uid and the orphans of
// namespace: everything an owner may own or adopt.
func Candidates[T metav1.Object](indexer cache.Indexer, namespace string, uid types.UID) ([]T, error) {
	owned, err := indexer.ByIndex(ControllerIndex, string(uid))
	if err != nil {
		return nil, fmt.Errorf("index by controller: %w", err)
	}
	orphans, err := indexer.ByIndex(ControllerIndex, OrphanKey(namespace))
	if err != nil {
		return nil, fmt.Errorf("index orphans: %w", err)
	}
	out := make([]T, 0, len(owned)+len(orphans))
	for _, o := range append(owned, orphans...) {
		if t, ok := o.(T); ok {
			out = append(out, t)
		}
	}
	return out, nil
}

// Controlled returns only the objects controlled by uid.
func Controlled[T metav1.Object](indexer cache.Indexer, uid types.UID) ([]T, error) {
	owned, err := indexer.ByIndex(ControllerIndex, string(uid))
	if err != nil {
		return nil, fmt.Errorf("index by controller: %w", err)
	}
	out := make([]T, 0, len(owned))
	for _, o := range owned {
		if t, ok := o.(T); ok {
			out = append(out, t)
		}
	}
	return out, nil
}
