package openapi

import (
	"fmt"
	"reflect"
	"strings"

	"k8s.io/kube-openapi/pkg/common"
	smdschema "sigs.k8s.io/structured-merge-diff/v4/schema"
)

// walker turns Go types into definitions, following json tags the way
// encoding/json does.
type walker struct {
	defs map[string]*typeDef
	smd  *smdschema.Schema
}

func newWalker(smd *smdschema.Schema) *walker {
	return &walker{defs: map[string]*typeDef{}, smd: smd}
}

// define makes sure the named struct or scalar type t has a definition and
// returns its name. The definition is registered before its fields are
// walked, so recursive types end in a $ref.
func (w *walker) define(t reflect.Type) (string, error) {
	name := defName(t)
	if _, ok := w.defs[name]; ok {
		return name, nil
	}
	docs := docsOf(t)
	d := &typeDef{name: name, description: docs[""]}
	w.defs[name] = d
	if d.scalar = scalarOf(t); d.scalar != nil {
		return name, nil
	}
	if t.Kind() != reflect.Struct {
		return "", fmt.Errorf("type %s is not a struct", name)
	}
	sem := w.semantics(name)
	d.mapType = sem.typeMapType()
	if err := w.addFields(d, t, docs, sem); err != nil {
		return "", fmt.Errorf("type %s: %w", name, err)
	}
	return name, nil
}

// addFields appends the JSON properties of struct t to d; embedded structs
// without a json name are inlined with their own docs.
func (w *walker) addFields(d *typeDef, t reflect.Type, docs map[string]string, sem semantics) error {
	for i := 0; i < t.NumField(); i++ {
		sf := t.Field(i)
		tag := sf.Tag.Get("json")
		if tag == "-" || (!sf.IsExported() && !sf.Anonymous) {
			continue
		}
		name, opts, _ := strings.Cut(tag, ",")
		if sf.Anonymous && name == "" {
			et := deref(sf.Type)
			if err := w.addFields(d, et, docsOf(et), sem); err != nil {
				return err
			}
			continue
		}
		if name == "" {
			name = sf.Name
		}
		f, err := w.field(t, sf, name, strings.Contains(opts, "omitempty"), docs[name])
		if err != nil {
			return fmt.Errorf("field %s: %w", name, err)
		}
		sem.apply(&f)
		d.fields = append(d.fields, f)
	}
	return nil
}

// field builds one property of owner from its struct field.
func (w *walker) field(owner reflect.Type, sf reflect.StructField, name string, omitempty bool, doc string) (field, error) {
	s, err := w.shapeOf(sf.Type)
	if err != nil {
		return field{}, err
	}
	return field{
		name:          name,
		description:   doc,
		shape:         s,
		required:      isRequired(owner, name, omitempty),
		zeroDefault:   sf.Type.Kind() != reflect.Pointer && (!omitempty || sf.Type.Kind() == reflect.Struct),
		patchStrategy: sf.Tag.Get("patchStrategy"),
		patchMergeKey: sf.Tag.Get("patchMergeKey"),
	}, nil
}

// shapeOf maps a Go type to its JSON shape, defining named types on the way.
func (w *walker) shapeOf(t reflect.Type) (shape, error) {
	t = deref(t)
	if t.PkgPath() != "" && (t.Kind() == reflect.Struct || scalarOf(t) != nil) {
		name, err := w.define(t)
		return shape{ref: name}, err
	}
	switch t.Kind() {
	case reflect.Slice, reflect.Array:
		if t.Elem().Kind() == reflect.Uint8 {
			return shape{typ: "string", format: "byte"}, nil
		}
		return w.container("array", t.Elem())
	case reflect.Map:
		return w.container("object", t.Elem())
	case reflect.Interface, reflect.Struct:
		return shape{typ: "object"}, nil
	}
	typ, format := common.OpenAPITypeFormat(t.Kind().String())
	if typ == "" {
		return shape{}, fmt.Errorf("no OpenAPI type for Go kind %s", t.Kind())
	}
	return shape{typ: typ, format: format}, nil
}

// container is an array or map whose items have the shape of elem.
func (w *walker) container(typ string, elem reflect.Type) (shape, error) {
	e, err := w.shapeOf(elem)
	if err != nil {
		return shape{}, err
	}
	return shape{typ: typ, elem: &e, elemZero: elem.Kind() != reflect.Pointer}, nil
}

func deref(t reflect.Type) reflect.Type {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	return t
}
