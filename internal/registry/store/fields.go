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
		fa, fb := va.Field(i), vb.Field(i)
		if t.Field(i).Name == "Spec" && fa.Kind() == reflect.Struct {
			if !specFieldsEqual(fa, fb) {
				return false
			}
		} else if !equality.Semantic.DeepEqual(fa.Interface(), fb.Interface()) {
			return false
		}
	}
	return true
}

// specFieldsEqual is equality.Semantic.DeepEqual of two specs, except
// that it compares their plain fields (strings, numbers, booleans) before
// the nested ones. A pod binding changes only spec.nodeName, which comes
// after the containers and volumes in PodSpec: in declaration order most
// of the spec was walked to find that one difference.
func specFieldsEqual(a, b reflect.Value) bool {
	for i := 0; i < a.NumField(); i++ {
		if !a.Field(i).CanInterface() {
			return equality.Semantic.DeepEqual(a.Interface(), b.Interface())
		}
	}
	for i := 0; i < a.NumField(); i++ {
		if plain(a.Field(i).Kind()) && !a.Field(i).Equal(b.Field(i)) {
			return false
		}
	}
	for i := 0; i < a.NumField(); i++ {
		if !plain(a.Field(i).Kind()) && !equality.Semantic.DeepEqual(a.Field(i).Interface(), b.Field(i).Interface()) {
			return false
		}
	}
	return true
}

// plain reports whether values of kind k are equal exactly when == says
// so, as Semantic.DeepEqual would also find.
func plain(k reflect.Kind) bool {
	switch k {
	case reflect.Bool, reflect.String,
		reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return true
	}
	return false
}

// withStatusOf returns a copy of old carrying new's status: what an update
// of the status subresource may change.
func withStatusOf(obj, old runtime.Object) runtime.Object {
	out := old.DeepCopyObject()
	copyStatus(out, obj)
	return out
}
