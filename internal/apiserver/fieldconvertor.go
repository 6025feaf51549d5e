package apiserver

import (
	kruntime "k8s.io/apimachinery/pkg/runtime"
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
	if _, ok := in.(kruntime.Unstructured); ok {
		// Its content is a map a shallow copy would share.
		return c.Scheme.ConvertToVersion(in, target)
	}
	kinds, _, err := c.ObjectKinds(in)
	if err != nil || len(kinds) == 0 {
		return c.Scheme.ConvertToVersion(in, target)
	}
	gvk, ok := target.KindForGroupVersionKinds(kinds)
	if !ok || gvk != kinds[0] {
		return c.Scheme.ConvertToVersion(in, target)
	}
	out := unshared(in)
	if out == in {
		return c.Scheme.ConvertToVersion(in, target)
	}
	out.GetObjectKind().SetGroupVersionKind(gvk)
	return out, nil
}
