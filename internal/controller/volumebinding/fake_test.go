package volumebinding

import (
	"errors"
	"strconv"
	"sync"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/client-go/kubernetes/fake"
	k8stesting "k8s.io/client-go/testing"
)

// enforceResourceVersions makes the fake clientset behave like the API
// server where the controller depends on it: every write gets a new
// resourceVersion, an update carrying an old one fails with a conflict,
// and an update of the main resource keeps the stored status while one of
// the status subresource keeps the stored spec and metadata.
func enforceResourceVersions(client *fake.Clientset) {
	var mu sync.Mutex
	rv := 1000
	nextRV := func() string {
		rv++
		return strconv.Itoa(rv)
	}
	client.PrependReactor("create", "*", func(action k8stesting.Action) (bool, runtime.Object, error) {
		mu.Lock()
		defer mu.Unlock()
		obj := action.(k8stesting.CreateAction).GetObject().DeepCopyObject()
		m, err := meta.Accessor(obj)
		if err != nil {
			return false, nil, nil
		}
		m.SetResourceVersion(nextRV())
		if err := client.Tracker().Create(action.GetResource(), obj, action.GetNamespace()); err != nil {
			return true, nil, err
		}
		return true, obj, nil
	})
	client.PrependReactor("update", "*", func(action k8stesting.Action) (bool, runtime.Object, error) {
		mu.Lock()
		defer mu.Unlock()
		u := action.(k8stesting.UpdateAction)
		obj := u.GetObject().DeepCopyObject()
		m, err := meta.Accessor(obj)
		if err != nil {
			return false, nil, nil
		}
		gvr := action.GetResource()
		cur, err := client.Tracker().Get(gvr, action.GetNamespace(), m.GetName())
		if err != nil {
			return true, nil, err
		}
		cm, _ := meta.Accessor(cur)
		if m.GetResourceVersion() != "" && m.GetResourceVersion() != cm.GetResourceVersion() {
			return true, nil, apierrors.NewConflict(gvr.GroupResource(), m.GetName(),
				errors.New("the object has been modified; please apply your changes to the latest version and try again"))
		}
		obj = separate(obj, cur, action.GetSubresource() == "status")
		m, _ = meta.Accessor(obj)
		m.SetResourceVersion(nextRV())
		if err := client.Tracker().Update(gvr, obj, action.GetNamespace()); err != nil {
			return true, nil, err
		}
		return true, obj, nil
	})
}

// separate applies the spec/status split of the API server to volumes and
// claims.
func separate(obj, cur runtime.Object, status bool) runtime.Object {
	switch o := obj.(type) {
	case *corev1.PersistentVolume:
		c := cur.(*corev1.PersistentVolume).DeepCopy()
		if status {
			c.Status = o.Status
			return c
		}
		o.Status = c.Status
	case *corev1.PersistentVolumeClaim:
		c := cur.(*corev1.PersistentVolumeClaim).DeepCopy()
		if status {
			c.Status = o.Status
			return c
		}
		o.Status = c.Status
	}
	return obj
}
