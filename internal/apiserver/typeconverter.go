package apiserver

import (
	"fmt"
	"reflect"
	"runtime"
	"slices"
	"strings"
	"sync"
	"weak"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	kruntime "k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/util/managedfields"
	"k8s.io/client-go/applyconfigurations"
	"sigs.k8s.io/structured-merge-diff/v4/typed"
	"sigs.k8s.io/structured-merge-diff/v4/value"
)

// typeConverter turns API objects into structured-merge-diff typed values
// for managedFields, using the schemas client-go's apply configurations
// carry.
//
// It differs from applyconfigurations.NewTypeConverter in two ways that
// matter on every write. The schema of a Go type is looked up once, not
// derived from its name per call. And a Go struct converted for an Update
// (the field manager passes typed.AllowDuplicates only there) is not
// validated against the schema: the schema was generated from that very Go
// type, so the walk cannot fail, and the strategy validated the object's
// content already. Profiles of the scale benchmark showed that walk as
// about half of the managedFields cost of a pod status write. Applied
// configurations arrive unstructured and are still validated.
type typeConverter struct {
	scheme   *kruntime.Scheme
	resolver interface {
		Type(openAPIName string) typed.ParseableType
	}
	types sync.Map // reflect.Type -> typed.ParseableType
	kinds sync.Map // schema.GroupVersionKind -> reflect.Type

	// origins maps typed values made from Go objects back to them. The
	// field manager turns the live object's typed value back into an
	// object once per update, only to read its apiVersion; rebuilding it
	// as unstructured content cost more than the rest of the update's
	// bookkeeping. Entries go when their typed value is collected.
	mu      sync.Mutex
	origins map[weak.Pointer[typed.TypedValue]]kruntime.Object
}

var _ managedfields.TypeConverter = (*typeConverter)(nil)

func newTypeConverter(sch *kruntime.Scheme) *typeConverter {
	return &typeConverter{
		scheme:   sch,
		resolver: applyconfigurations.NewTypeConverter(sch).TypeResolver,
		origins:  map[weak.Pointer[typed.TypedValue]]kruntime.Object{},
	}
}

func (c *typeConverter) ObjectToTyped(obj kruntime.Object, opts ...typed.ValidationOptions) (*typed.TypedValue, error) {
	gvk := obj.GetObjectKind().GroupVersionKind()
	rt, err := c.goType(gvk)
	if err != nil {
		return nil, err
	}
	t, err := c.parseable(rt)
	if err != nil {
		return nil, err
	}
	if u, ok := obj.(*unstructured.Unstructured); ok {
		return t.FromUnstructured(u.UnstructuredContent(), opts...)
	}
	if slices.Contains(opts, typed.AllowDuplicates) && reflect.TypeOf(obj) == rt {
		v, err := value.NewValueReflect(obj)
		if err != nil {
			return nil, fmt.Errorf("%s as a typed value: %w", gvk.Kind, err)
		}
		return c.remember(typed.AsTypedUnvalidated(v, t.Schema, t.TypeRef), obj), nil
	}
	tv, err := t.FromStructured(obj, opts...)
	if err != nil {
		return nil, err
	}
	return c.remember(tv, obj), nil
}

// goType is the Go type (a pointer to a struct) of a kind: what
// scheme.New would make, without making one on every write.
func (c *typeConverter) goType(gvk schema.GroupVersionKind) (reflect.Type, error) {
	if t, ok := c.kinds.Load(gvk); ok {
		return t.(reflect.Type), nil
	}
	example, err := c.scheme.New(gvk)
	if err != nil {
		return nil, err
	}
	t := reflect.TypeOf(example)
	c.kinds.Store(gvk, t)
	return t, nil
}

func (c *typeConverter) remember(tv *typed.TypedValue, obj kruntime.Object) *typed.TypedValue {
	key := weak.Make(tv)
	c.mu.Lock()
	c.origins[key] = obj
	c.mu.Unlock()
	runtime.AddCleanup(tv, c.forget, key)
	return tv
}

func (c *typeConverter) forget(key weak.Pointer[typed.TypedValue]) {
	c.mu.Lock()
	delete(c.origins, key)
	c.mu.Unlock()
}

// TypedToObject returns the object a typed value was made from, if it was
// made here from one; the field manager only reads such objects.
func (c *typeConverter) TypedToObject(tv *typed.TypedValue) (kruntime.Object, error) {
	c.mu.Lock()
	obj, ok := c.origins[weak.Make(tv)]
	c.mu.Unlock()
	if ok {
		return obj, nil
	}
	u, ok := tv.AsValue().Unstructured().(map[string]any)
	if !ok {
		return nil, fmt.Errorf("typed value of %T is not an object", tv.AsValue().Unstructured())
	}
	return &unstructured.Unstructured{Object: u}, nil
}

func (c *typeConverter) parseable(rt reflect.Type) (typed.ParseableType, error) {
	if t, ok := c.types.Load(rt); ok {
		return t.(typed.ParseableType), nil
	}
	if rt.Kind() == reflect.Pointer {
		rt = rt.Elem()
	}
	t := c.resolver.Type(openAPIName(rt.PkgPath(), rt.Name()))
	if !t.IsValid() {
		return typed.ParseableType{}, fmt.Errorf("no schema for %s.%s", rt.PkgPath(), rt.Name())
	}
	c.types.Store(reflect.PointerTo(rt), t)
	return t, nil
}

// openAPIName is the OpenAPI definition name of a Go type:
// k8s.io/api/core/v1.Pod is io.k8s.api.core.v1.Pod.
func openAPIName(pkgPath, name string) string {
	parts := strings.Split(pkgPath, "/")
	domain := strings.Split(parts[0], ".")
	slices.Reverse(domain)
	parts[0] = strings.Join(domain, ".")
	return strings.Join(parts, ".") + "." + name
}
