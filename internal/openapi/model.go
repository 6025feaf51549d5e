package openapi

import "k8s.io/apimachinery/pkg/runtime/schema"

// typeDef is one named definition, built once by reflection and emitted
// twice: as a Swagger 2.0 definition and as an OpenAPI 3.0 component.
type typeDef struct {
	name        string
	description string

	// scalar is set for types that marshal as a JSON scalar (Time,
	// Quantity, IntOrString): they have no fields.
	scalar *scalarDef

	fields []field
	// mapType is x-kubernetes-map-type on the definition ("atomic").
	mapType string
	gvks    []schema.GroupVersionKind
}

// scalarDef describes a definition whose JSON form is not an object.
type scalarDef struct {
	typ    string
	format string
	// oneOf replaces typ in OpenAPI v3 (Quantity: string or number).
	oneOf []string
}

// field is one JSON property of a struct definition.
type field struct {
	name        string
	description string
	shape       shape
	required    bool
	// zeroDefault is true for non-pointer fields whose Go zero value the
	// server fills in; v3 publishes it as "default" like Kubernetes does.
	zeroDefault bool

	patchStrategy string
	patchMergeKey string
	listType      string
	listMapKeys   []string
	mapType       string
}

// shape is the JSON shape of a value: a reference to a definition, a
// basic scalar, an array or a string-keyed map.
type shape struct {
	ref    string // definition name
	typ    string // "string", "integer", "number", "boolean", "object", "array"
	format string
	elem   *shape
	// elemZero marks array items and map values that are Go values (not
	// pointers), whose zero value v3 publishes as "default".
	elemZero bool
}

// refs calls fn for every definition the shape names.
func (s shape) refs(fn func(string)) {
	if s.ref != "" {
		fn(s.ref)
	}
	if s.elem != nil {
		s.elem.refs(fn)
	}
}

// deps returns the names of the definitions d refers to.
func (d *typeDef) deps(fn func(string)) {
	for _, f := range d.fields {
		f.shape.refs(fn)
	}
}
