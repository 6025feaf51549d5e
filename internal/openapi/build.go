package openapi

import (
	"encoding/json"
	"fmt"
	"sort"

	"k8s.io/kube-openapi/pkg/spec3"
	"k8s.io/kube-openapi/pkg/validation/spec"

	"github.com/skiff/skiff/internal/registry/resource"
)

// Info is what the documents say about the server.
type Info struct {
	// Title and Version go in each document's info ("Kubernetes", "v1.32.0").
	Title   string
	Version string
	// WithoutFieldValidation leaves the fieldValidation query parameter
	// out of create, update and patch operations. kubectl reads it to learn
	// that the server rejects unknown fields itself; without it kubectl
	// validates manifests against /openapi/v2 before sending them. Only a
	// server that ignores ?fieldValidation should set this.
	WithoutFieldValidation bool
}

// Docs holds the serialised OpenAPI documents; it is immutable after Build
// and safe for concurrent use.
type Docs struct {
	v2 *encoded
	// v3Index is the /openapi/v3 discovery document.
	v3Index *encoded
	// v3 holds one document per /openapi/v3 key ("apis/apps/v1").
	v3 map[string]*encoded
}

// Build derives the OpenAPI v2 and v3 documents of resources and encodes
// each once in JSON and protobuf.
func Build(resources []resource.Resource, info Info) (*Docs, error) {
	smd, err := builtinSMDSchema()
	if err != nil {
		return nil, err
	}
	m, err := buildModel(newWalker(smd), resources, newParamSets(!info.WithoutFieldValidation))
	if err != nil {
		return nil, fmt.Errorf("openapi: %w", err)
	}
	d := &Docs{v3: make(map[string]*encoded, len(m.docs))}
	b, err := json.Marshal(m.swagger(info))
	if err != nil {
		return nil, fmt.Errorf("openapi v2: %w", err)
	}
	d.v2 = newEncoded(b, v2Proto)
	schemas := &v3Schemas{e: emitter{dialect: openAPI3(), defs: m.defs}, json: map[string]json.RawMessage{}}
	for key := range m.docs {
		doc, err := m.openAPI3(key, info, schemas)
		if err != nil {
			return nil, fmt.Errorf("openapi v3 %s: %w", key, err)
		}
		b, err := json.Marshal(doc)
		if err != nil {
			return nil, fmt.Errorf("openapi v3 %s: %w", key, err)
		}
		d.v3[key] = newEncoded(b, v3Proto)
	}
	if d.v3Index, err = encodeIndex(d.v3); err != nil {
		return nil, fmt.Errorf("openapi v3 index: %w", err)
	}
	return d, nil
}

// swagger is the single v2 document: every definition and every path.
func (m *apiModel) swagger(info Info) *spec.Swagger {
	e := emitter{dialect: swagger2(), defs: m.defs}
	defs := make(spec.Definitions, len(m.defs))
	for name, d := range m.defs {
		defs[name] = e.definition(d)
	}
	paths := &spec.Paths{Paths: map[string]spec.PathItem{}}
	for key, items := range m.docs {
		e.addPaths2(paths, items, docTag(key))
	}
	return &spec.Swagger{
		SwaggerProps: spec.SwaggerProps{
			Swagger:     "2.0",
			Info:        &spec.Info{InfoProps: spec.InfoProps{Title: info.Title, Version: info.Version}},
			Paths:       paths,
			Definitions: defs,
			SecurityDefinitions: spec.SecurityDefinitions{"BearerToken": &spec.SecurityScheme{SecuritySchemeProps: spec.SecuritySchemeProps{
				Type: "apiKey", Name: "authorization", In: "header",
				Description: "Bearer Token authentication",
			}}},
			Security: []map[string][]string{{"BearerToken": {}}},
		},
	}
}

// v3Document is an OpenAPI 3.0 document whose schemas are already JSON:
// the same definitions recur in most group-versions (PodSpec in apps,
// batch and core), so each is marshalled once for all documents.
type v3Document struct {
	Components v3Components          `json:"components"`
	Info       *spec.Info            `json:"info"`
	OpenAPI    string                `json:"openapi"`
	Paths      *spec3.Paths          `json:"paths"`
	Security   []map[string][]string `json:"security"`
}

type v3Components struct {
	Schemas         map[string]json.RawMessage `json:"schemas"`
	SecuritySchemes spec3.SecuritySchemes      `json:"securitySchemes"`
}

// v3Schemas marshals each definition once in the v3 dialect.
type v3Schemas struct {
	e    emitter
	json map[string]json.RawMessage
}

func (c *v3Schemas) get(name string) (json.RawMessage, error) {
	if b, ok := c.json[name]; ok {
		return b, nil
	}
	s := c.e.definition(c.e.defs[name])
	b, err := json.Marshal(&s)
	if err != nil {
		return nil, fmt.Errorf("definition %s: %w", name, err)
	}
	c.json[name] = b
	return b, nil
}

// openAPI3 is the v3 document of one key, with only the schemas its
// operations reach.
func (m *apiModel) openAPI3(key string, info Info, schemas *v3Schemas) (*v3Document, error) {
	items := m.docs[key]
	doc := &v3Document{
		Components: v3Components{
			Schemas: map[string]json.RawMessage{},
			SecuritySchemes: spec3.SecuritySchemes{"BearerToken": &spec3.SecurityScheme{SecuritySchemeProps: spec3.SecuritySchemeProps{
				Type: "apiKey", Name: "authorization", In: "header",
				Description: "Bearer Token authentication",
			}}},
		},
		Info:     &spec.Info{InfoProps: spec.InfoProps{Title: info.Title, Version: info.Version}},
		OpenAPI:  "3.0.0",
		Paths:    schemas.e.paths3(items, docTag(key)),
		Security: []map[string][]string{{"BearerToken": {}}},
	}
	for _, name := range m.closure(items) {
		b, err := schemas.get(name)
		if err != nil {
			return nil, err
		}
		doc.Components.Schemas[name] = b
	}
	return doc, nil
}

// closure lists the definitions the path items reach, directly or through
// other definitions, in sorted order.
func (m *apiModel) closure(items []pathItem) []string {
	seen := map[string]bool{}
	var visit func(string)
	visit = func(name string) {
		if seen[name] {
			return
		}
		seen[name] = true
		if d := m.defs[name]; d != nil {
			d.deps(visit)
		}
	}
	for _, it := range items {
		it.refs(visit)
	}
	out := make([]string, 0, len(seen))
	for name := range seen {
		out = append(out, name)
	}
	sort.Strings(out)
	return out
}

// encodeIndex is the /openapi/v3 discovery document: each key with the
// URL of its document, whose hash changes whenever the document does.
func encodeIndex(docs map[string]*encoded) (*encoded, error) {
	type entry struct {
		URL string `json:"serverRelativeURL"`
	}
	paths := make(map[string]entry, len(docs))
	for key, doc := range docs {
		paths[key] = entry{URL: "/openapi/v3/" + key + "?hash=" + doc.hash}
	}
	b, err := json.Marshal(map[string]interface{}{"paths": paths})
	if err != nil {
		return nil, err
	}
	return newEncoded(b, nil), nil
}
