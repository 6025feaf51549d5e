package apiserver

import (
	kruntime "k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
)

// fieldConvertor is the object convertor the field managers use. The
// field manager converts the live and the new object to the version its
// field sets are recorded in before every update, and the scheme's
// ConvertToVersion deep-copies an object even when it is already in that
// version, so that the manager may clear managedFields on its result. A
// shallow copy gives it that freedom too, since ObjectMeta is held by
// value, and it reads nothing else (unstructured objects, whose content is
// one shared map, still get a deep copy): the two deep copies were a tenth of
// the bytes the API server allocated in the scale benchmark. Conversions
// between versions go to the scheme.
type fieldConvertor struct {
	*kruntime.Scheme
}

func (c fieldConvertor) ConvertToVersion(in kruntime.Object, target kruntime.GroupVersioner) (kruntime.Object, error) {
	if gvk, ok := c.inVersion(in, target); ok {
		if out := shallowCopy(in); out != nil {
			out.GetObjectKind().SetGroupVersionKind(gvk)
			return out, nil
		}
	}
	return c.Scheme.ConvertToVersion(in, target)
}

// inVersion reports whether a typed object is already in the target
// version, and its kind there. Unstructured objects never are: their
// content is one map, which a shallow copy would share.
func (c fieldConvertor) inVersion(in kruntime.Object, target kruntime.GroupVersioner) (schema.GroupVersionKind, bool) {
	if _, ok := in.(kruntime.Unstructured); ok {
		return schema.GroupVersionKind{}, false
	}
	kinds, _, err := c.ObjectKinds(in)
	if err != nil || len(kinds) == 0 {
		return schema.GroupVersionKind{}, false
	}
	gvk, ok := target.KindForGroupVersionKinds(kinds)
	return gvk, ok && gvk == kinds[0]
}
