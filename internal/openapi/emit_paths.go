package openapi

import (
	"k8s.io/kube-openapi/pkg/spec3"
	"k8s.io/kube-openapi/pkg/validation/spec"
)

// opExtensions are the vendor extensions kubectl reads from an operation:
// the kind it acts on (to match a PATCH to a kind) and its action.
func opExtensions(op operation) spec.Extensions {
	ext := spec.Extensions{}
	if op.action != "" {
		ext.Add("x-kubernetes-action", op.action)
	}
	if op.gvk != nil {
		ext.Add("x-kubernetes-group-version-kind", map[string]interface{}{
			"group": op.gvk.Group, "version": op.gvk.Version, "kind": op.gvk.Kind,
		})
	}
	return ext
}

func produces(op operation) []string {
	if op.produces != nil {
		return op.produces
	}
	return objectTypes()
}

// --- Swagger 2.0 ---

// addPaths2 adds the path items of one group-version to out.
func (e emitter) addPaths2(out *spec.Paths, items []pathItem, tag string) {
	for _, it := range items {
		pi := spec.PathItem{}
		pi.Parameters = params2(it.params)
		for _, op := range it.ops {
			setMethod2(&pi, op.method, e.operation2(op, tag))
		}
		out.Paths[it.path] = pi
	}
}

func (e emitter) operation2(op operation, tag string) *spec.Operation {
	o := &spec.Operation{}
	o.Description = op.description
	o.ID = op.id
	o.Tags = []string{tag}
	o.Schemes = []string{"https"}
	o.Consumes = op.consumes
	if o.Consumes == nil {
		o.Consumes = []string{"*/*"}
	}
	o.Produces = produces(op)
	o.Parameters = params2(op.params)
	if op.body != "" {
		body := spec.Parameter{ParamProps: spec.ParamProps{
			Name: "body", In: "body", Required: op.method != "delete",
			Schema: &spec.Schema{SchemaProps: spec.SchemaProps{Ref: e.ref(op.body)}},
		}}
		o.Parameters = append(o.Parameters, body)
	}
	o.Responses = &spec.Responses{ResponsesProps: spec.ResponsesProps{StatusCodeResponses: map[int]spec.Response{}}}
	for _, r := range op.responses {
		resp := spec.Response{ResponseProps: spec.ResponseProps{
			Description: responseDescription(r.code),
			Schema:      &spec.Schema{SchemaProps: spec.SchemaProps{Ref: e.ref(r.ref)}},
		}}
		o.Responses.StatusCodeResponses[r.code] = resp
	}
	o.Responses.StatusCodeResponses[401] = spec.Response{ResponseProps: spec.ResponseProps{Description: responseDescription(401)}}
	o.Extensions = opExtensions(op)
	return o
}

func params2(ps []param) []spec.Parameter {
	out := make([]spec.Parameter, 0, len(ps))
	for _, p := range ps {
		sp := spec.Parameter{}
		sp.Name, sp.In, sp.Description, sp.Required = p.name, p.in, p.description, p.required
		sp.Type = p.typ
		sp.UniqueItems = true
		out = append(out, sp)
	}
	return out
}

func setMethod2(pi *spec.PathItem, method string, o *spec.Operation) {
	switch method {
	case "get":
		pi.Get = o
	case "put":
		pi.Put = o
	case "post":
		pi.Post = o
	case "patch":
		pi.Patch = o
	case "delete":
		pi.Delete = o
	}
}

// --- OpenAPI 3.0 ---

func (e emitter) paths3(items []pathItem, tagName string) *spec3.Paths {
	out := &spec3.Paths{Paths: make(map[string]*spec3.Path, len(items))}
	for _, it := range items {
		p := &spec3.Path{}
		p.Parameters = params3(it.params)
		for _, op := range it.ops {
			setMethod3(p, op.method, e.operation3(op, tagName))
		}
		out.Paths[it.path] = p
	}
	return out
}

func (e emitter) operation3(op operation, tag string) *spec3.Operation {
	o := &spec3.Operation{}
	o.Description = op.description
	o.OperationId = op.id
	o.Tags = []string{tag}
	o.Parameters = params3(op.params)
	if op.body != "" {
		types := op.consumes
		if types == nil {
			types = []string{"*/*"}
		}
		o.RequestBody = &spec3.RequestBody{RequestBodyProps: spec3.RequestBodyProps{
			Content: e.content(op.body, types), Required: op.method != "delete",
		}}
	}
	o.Responses = &spec3.Responses{ResponsesProps: spec3.ResponsesProps{StatusCodeResponses: map[int]*spec3.Response{}}}
	for _, r := range op.responses {
		o.Responses.StatusCodeResponses[r.code] = &spec3.Response{ResponseProps: spec3.ResponseProps{
			Description: responseDescription(r.code), Content: e.content(r.ref, produces(op)),
		}}
	}
	o.Responses.StatusCodeResponses[401] = &spec3.Response{ResponseProps: spec3.ResponseProps{Description: responseDescription(401)}}
	o.Extensions = opExtensions(op)
	return o
}

// content maps each media type to a $ref of the named definition.
func (e emitter) content(ref string, types []string) map[string]*spec3.MediaType {
	out := make(map[string]*spec3.MediaType, len(types))
	for _, t := range types {
		out[t] = &spec3.MediaType{MediaTypeProps: spec3.MediaTypeProps{
			Schema: &spec.Schema{SchemaProps: spec.SchemaProps{Ref: e.ref(ref)}},
		}}
	}
	return out
}

func params3(ps []param) []*spec3.Parameter {
	out := make([]*spec3.Parameter, 0, len(ps))
	for _, p := range ps {
		sp := &spec3.Parameter{}
		sp.Name, sp.In, sp.Description, sp.Required = p.name, p.in, p.description, p.required
		sp.Schema = &spec.Schema{SchemaProps: spec.SchemaProps{Type: spec.StringOrArray{p.typ}, UniqueItems: true}}
		out = append(out, sp)
	}
	return out
}

func setMethod3(p *spec3.Path, method string, o *spec3.Operation) {
	switch method {
	case "get":
		p.Get = o
	case "put":
		p.Put = o
	case "post":
		p.Post = o
	case "patch":
		p.Patch = o
	case "delete":
		p.Delete = o
	}
}
