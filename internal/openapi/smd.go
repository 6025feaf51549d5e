package openapi

import (
	"fmt"

	"k8s.io/client-go/applyconfigurations"
	smdschema "sigs.k8s.io/structured-merge-diff/v4/schema"
	"sigs.k8s.io/structured-merge-diff/v4/typed"
)

// builtinSMDSchema returns the structured-merge-diff schema client-go
// carries for every built-in type. It is the one place outside Kubernetes'
// generated code that records +listType, +listMapKey and +mapType.
func builtinSMDSchema() (*smdschema.Schema, error) {
	tc := applyconfigurations.NewTypeConverter(nil)
	p, ok := tc.TypeResolver.(*typed.Parser)
	if !ok {
		return nil, fmt.Errorf("client-go type resolver is %T, not *typed.Parser", tc.TypeResolver)
	}
	return &p.Schema, nil
}

// semantics is the structured-merge-diff view of one struct definition.
type semantics struct {
	m *smdschema.Map
}

func (w *walker) semantics(name string) semantics {
	if w.smd == nil {
		return semantics{}
	}
	td, ok := w.smd.FindNamedType(name)
	if !ok {
		return semantics{}
	}
	return semantics{m: td.Map}
}

// typeMapType is x-kubernetes-map-type of the definition itself
// (LabelSelector and ObjectReference are atomic).
func (s semantics) typeMapType() string {
	if s.m == nil {
		return ""
	}
	return mapType(s.m.ElementRelationship)
}

// apply sets the list and map semantics of field f.
func (s semantics) apply(f *field) {
	if s.m == nil {
		return
	}
	sf, ok := s.m.FindField(f.name)
	if !ok {
		return
	}
	tr := sf.Type
	switch {
	case tr.Inlined.List != nil:
		f.listType, f.listMapKeys = listType(tr.Inlined.List)
	case tr.Inlined.Map != nil:
		f.mapType = mapType(tr.Inlined.Map.ElementRelationship)
	case tr.ElementRelationship != nil:
		f.mapType = mapType(*tr.ElementRelationship)
	}
}

func listType(l *smdschema.List) (string, []string) {
	switch {
	case l.ElementRelationship != smdschema.Associative:
		return "atomic", nil
	case len(l.Keys) > 0:
		return "map", l.Keys
	default:
		return "set", nil
	}
}

// mapType names an element relationship as x-kubernetes-map-type does;
// the default (unset) is not published.
func mapType(r smdschema.ElementRelationship) string {
	switch r {
	case smdschema.Atomic:
		return "atomic"
	case smdschema.Separable:
		return "granular"
	}
	return ""
}
