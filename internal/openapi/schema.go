package openapi

import (
	"k8s.io/kube-openapi/pkg/validation/spec"
)

// dialect is the OpenAPI version a schema is emitted for. The two differ
// in where definitions live, in how a $ref carries a description (v2 puts
// them side by side, v3 wraps the $ref in allOf), and in v3's defaults and
// oneOf scalars, all as Kubernetes publishes them.
type dialect struct {
	refPrefix string
	v3        bool
}

func swagger2() dialect { return dialect{refPrefix: "#/definitions/"} }

func openAPI3() dialect { return dialect{refPrefix: "#/components/schemas/", v3: true} }

// emitter writes definitions of one dialect; defs resolves references to
// tell struct definitions (default {}) from scalar ones.
type emitter struct {
	dialect
	defs map[string]*typeDef
}

func (e emitter) ref(name string) spec.Ref {
	return spec.MustCreateRef(e.refPrefix + name)
}

// definition emits the schema of one named type.
func (e emitter) definition(d *typeDef) spec.Schema {
	s := spec.Schema{}
	s.Description = d.description
	if d.scalar != nil {
		e.scalar(&s, d.scalar)
		return s
	}
	s.Type = spec.StringOrArray{"object"}
	if len(d.fields) > 0 {
		s.Properties = make(map[string]spec.Schema, len(d.fields))
	}
	for _, f := range d.fields {
		s.Properties[f.name] = e.property(f)
		if f.required {
			s.Required = append(s.Required, f.name)
		}
	}
	if d.mapType != "" {
		s.AddExtension("x-kubernetes-map-type", d.mapType)
	}
	if len(d.gvks) > 0 {
		list := make([]interface{}, 0, len(d.gvks))
		for _, gvk := range d.gvks {
			list = append(list, map[string]interface{}{"group": gvk.Group, "version": gvk.Version, "kind": gvk.Kind})
		}
		s.AddExtension("x-kubernetes-group-version-kind", list)
	}
	return s
}

func (e emitter) scalar(s *spec.Schema, sc *scalarDef) {
	s.Format = sc.format
	if e.v3 && len(sc.oneOf) > 0 {
		for _, t := range sc.oneOf {
			s.OneOf = append(s.OneOf, spec.Schema{SchemaProps: spec.SchemaProps{Type: spec.StringOrArray{t}}})
		}
		return
	}
	s.Type = spec.StringOrArray{sc.typ}
}

// property emits one struct field with its description and extensions.
func (e emitter) property(f field) spec.Schema {
	s := e.value(f.shape, f.description, f.zeroDefault)
	add := func(k string, v interface{}) { s.AddExtension(k, v) }
	if f.patchStrategy != "" {
		add("x-kubernetes-patch-strategy", f.patchStrategy)
	}
	if f.patchMergeKey != "" {
		add("x-kubernetes-patch-merge-key", f.patchMergeKey)
	}
	if f.listType != "" {
		add("x-kubernetes-list-type", f.listType)
	}
	if len(f.listMapKeys) > 0 {
		keys := make([]interface{}, len(f.listMapKeys))
		for i, k := range f.listMapKeys {
			keys[i] = k
		}
		add("x-kubernetes-list-map-keys", keys)
	}
	if f.mapType != "" {
		add("x-kubernetes-map-type", f.mapType)
	}
	return s
}

// value emits a shape; withDefault asks for the Go zero value as the v3
// default, which Kubernetes publishes for values that are never null.
func (e emitter) value(sh shape, description string, withDefault bool) spec.Schema {
	var s spec.Schema
	if e.v3 && withDefault {
		s.Default = e.zero(sh)
	}
	if sh.ref != "" {
		return e.refValue(sh.ref, description, s.Default)
	}
	s.Description = description
	s.Type = spec.StringOrArray{sh.typ}
	s.Format = sh.format
	if sh.elem == nil {
		return s
	}
	elem := e.value(*sh.elem, "", sh.elemZero)
	if sh.typ == "array" {
		s.Items = &spec.SchemaOrArray{Schema: &elem}
	} else {
		s.AdditionalProperties = &spec.SchemaOrBool{Allows: true, Schema: &elem}
	}
	s.Default = nil
	return s
}

// refValue is a $ref with a description: side by side in v2, wrapped in
// allOf in v3 whenever there is anything beside it.
func (e emitter) refValue(name, description string, def interface{}) spec.Schema {
	ref := spec.Schema{SchemaProps: spec.SchemaProps{Ref: e.ref(name)}}
	if !e.v3 {
		ref.Description = description
		return ref
	}
	if description == "" && def == nil {
		return ref
	}
	s := spec.Schema{SchemaProps: spec.SchemaProps{AllOf: []spec.Schema{ref}, Description: description, Default: def}}
	return s
}

// zero is the JSON zero value of a shape, or nil when it has none worth
// publishing (arrays, maps, scalar definitions such as Time).
func (e emitter) zero(sh shape) interface{} {
	if sh.ref != "" {
		if d := e.defs[sh.ref]; d != nil && d.scalar == nil {
			return map[string]interface{}{}
		}
		return nil
	}
	switch sh.typ {
	case "string":
		return ""
	case "integer", "number":
		return 0
	case "boolean":
		return false
	}
	return nil
}
