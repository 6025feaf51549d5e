package openapi

import (
	"reflect"
)

// openAPITyper is implemented by apimachinery types that marshal as JSON
// scalars (metav1.Time, resource.Quantity, intstr.IntOrString, ...).
type openAPITyper interface {
	OpenAPISchemaType() []string
	OpenAPISchemaFormat() string
}

// openAPIV3OneOfTyper gives the v3 alternatives of such a scalar.
type openAPIV3OneOfTyper interface {
	OpenAPIV3OneOfTypes() []string
}

// swaggerDocer is implemented by every k8s.io/api type: "" is the type's
// doc, other keys are json field names.
type swaggerDocer interface {
	SwaggerDoc() map[string]string
}

// scalarOf returns the scalar form of t when t declares one.
func scalarOf(t reflect.Type) *scalarDef {
	v, ok := reflect.New(t).Interface().(openAPITyper)
	if !ok {
		return nil
	}
	types := v.OpenAPISchemaType()
	s := &scalarDef{format: v.OpenAPISchemaFormat()}
	if len(types) > 0 {
		s.typ = types[0]
	}
	if o, ok := v.(openAPIV3OneOfTyper); ok {
		s.oneOf = o.OpenAPIV3OneOfTypes()
	}
	return s
}

// docsOf returns the SwaggerDoc of t, or the fallback docs for the few
// apimachinery types that have none.
func docsOf(t reflect.Type) map[string]string {
	if d, ok := reflect.New(t).Interface().(swaggerDocer); ok {
		return d.SwaggerDoc()
	}
	return extraDocs(defName(t))
}

// extraDocs documents the apimachinery types that carry no SwaggerDoc.
func extraDocs(name string) map[string]string {
	switch name {
	case "io.k8s.apimachinery.pkg.apis.meta.v1.Time":
		return map[string]string{"": "Time is a timestamp in RFC 3339 form, marshalled to the second."}
	case "io.k8s.apimachinery.pkg.apis.meta.v1.MicroTime":
		return map[string]string{"": "MicroTime is a timestamp in RFC 3339 form with microsecond precision."}
	case "io.k8s.apimachinery.pkg.apis.meta.v1.Duration":
		return map[string]string{"": "Duration is a length of time written as Go parses durations, such as \"1h30m\"."}
	case "io.k8s.apimachinery.pkg.api.resource.Quantity":
		return map[string]string{"": "Quantity is a fixed-point number with an optional suffix: a binary SI suffix (Ki, Mi, Gi, Ti, Pi, Ei), a decimal SI suffix (n, u, m, \"\", k, M, G, T, P, E) or a decimal exponent (e3, E6). Examples: \"100m\" CPU, \"128Mi\" memory, \"1.5\"."}
	case "io.k8s.apimachinery.pkg.util.intstr.IntOrString":
		return map[string]string{"": "IntOrString is a type that can hold an int32 or a string. In JSON and YAML it is whichever of the two it holds, so a field can accept, for example, a port number or a port name."}
	case "io.k8s.apimachinery.pkg.runtime.RawExtension":
		return map[string]string{"": "RawExtension holds an embedded object of any kind, serialised with its own apiVersion and kind."}
	case "io.k8s.apimachinery.pkg.apis.meta.v1.WatchEvent":
		return map[string]string{
			"":       "Event represents a single event to a watched resource.",
			"type":   "Type is ADDED, MODIFIED, DELETED, BOOKMARK or ERROR.",
			"object": "Object is the new state of the object for ADDED and MODIFIED, its last state for DELETED, an object carrying only the resourceVersion for BOOKMARK, and a Status for ERROR.",
		}
	case "io.k8s.apimachinery.pkg.version.Info":
		return map[string]string{"": "Info contains versioning information."}
	}
	return nil
}
