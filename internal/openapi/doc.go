// Package openapi builds and serves the OpenAPI documents of skiff's API:
// /openapi/v2 (one Swagger 2.0 document) and /openapi/v3 (a discovery map
// plus one OpenAPI 3.0 document per group-version), in JSON and in the
// gnostic protobuf encodings kubectl asks for.
//
// Kubernetes generates its definitions from Go comments at build time; skiff
// cannot use that generated code, so Build derives the same definitions at
// start-up by reflection over the Go types of k8s.io/api and apimachinery:
// json tags give the shape, SwaggerDoc methods the descriptions, the
// OpenAPISchemaType methods the special scalars, struct tags the strategic
// merge metadata, and client-go's structured-merge-diff schema the list and
// map semantics. Everything is built and serialised once; requests are
// served from bytes.
package openapi
