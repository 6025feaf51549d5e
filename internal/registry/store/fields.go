package store

import (
	"errors"
	"reflect"

	"k8s.io/apimachinery/pkg/api/equality"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/runtime"
)

// The store handles spec and status generically: every API type keeps its
// desired state in a field named Spec (or in top-level fields, for kinds such
// as ConfigMap) and its observed state in Status. Reflection over those two
// names saves a hand-written copy function per resource.

func errorsIs(err, target error) bool { return errors.Is(err, target) }

func isAPIError(err error) bool {
	var s apierrors.APIStatus
	return errors.As(err, &s)
}

// structOf returns the struct an object pointer points at.
func structOf(obj runtime.Object) reflect.Value {
	v := reflect.ValueOf(obj)
	if v.Kind() == reflect.Pointer {
		v = v.Elem()
	}
	return v
}

func hasField(obj runtime.Object, name string) bool {
	v := structOf(obj)
	return v.Kind() == reflect.Struct && v.FieldByName(name).IsValid()
}

// copyStatus sets dst's Status to src's. Both must be the same type.
func copyStatus(dst, src runtime.Object) {
	d, s := structOf(dst).FieldByName("Status"), structOf(src).FieldByName("Status")
	if d.IsValid() && d.CanSet() {
		d.Set(s)
	}
}

// specEqual reports whether a and b agree on everything but metadata and
// status: the fields whose change bumps metadata.generation.
func specEqual(a, b runtime.Object) bool {
	va, vb := structOf(a), structOf(b)
	t := va.Type()
	for i := 0; i < t.NumField(); i++ {
		switch t.Field(i).Name {
		case "TypeMeta", "ObjectMeta", "Status":
			continue
		}
		if !equality.Semantic.DeepEqual(va.Field(i).Interface(), vb.Field(i).Interface()) {
			return false
		}
	}
	return true
}

// withStatusOf returns a copy of old carrying new's status: what an update
// of the status subresource may change.
func withStatusOf(obj, old runtime.Object) runtime.Object {
	out := old.DeepCopyObject()
	copyStatus(out, obj)
	return out
}
