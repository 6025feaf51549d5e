package resource

import (
	"fmt"
	"reflect"

	"k8s.io/apimachinery/pkg/conversion"
	"k8s.io/apimachinery/pkg/runtime"
)

// Register teaches a scheme the view's conversions in both directions, so
// that machinery converting by scheme (the field manager, when it meets
// managedFields written through the other version) can use them. viewType
// is an object of the view's own type (Resource.New()).
func (v *StorageView) Register(s *runtime.Scheme, viewType runtime.Object) error {
	if err := s.AddConversionFunc(viewType, v.NewStored(), convertWith(v.ToStored)); err != nil {
		return fmt.Errorf("register conversion %T to %T: %w", viewType, v.NewStored(), err)
	}
	if err := s.AddConversionFunc(v.NewStored(), viewType, convertWith(v.FromStored)); err != nil {
		return fmt.Errorf("register conversion %T to %T: %w", v.NewStored(), viewType, err)
	}
	return nil
}

// convertWith adapts a view conversion to the scheme's form, which fills
// an object the caller allocated.
func convertWith(f func(runtime.Object) (runtime.Object, error)) conversion.ConversionFunc {
	return func(in, out interface{}, _ conversion.Scope) error {
		obj, ok := in.(runtime.Object)
		if !ok {
			return fmt.Errorf("cannot convert %T", in)
		}
		converted, err := f(obj)
		if err != nil {
			return err
		}
		dst, src := reflect.ValueOf(out), reflect.ValueOf(converted)
		if dst.Kind() != reflect.Pointer || dst.Type() != src.Type() {
			return fmt.Errorf("conversion made %T, want %T", converted, out)
		}
		dst.Elem().Set(src.Elem())
		return nil
	}
}
