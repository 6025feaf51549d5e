package openapi

import (
	"reflect"
	"strings"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// param is one path or query parameter of an operation.
type param struct {
	name, in, description, typ string
	required                   bool
}

// paramSets holds the query parameters of each kind of operation, derived
// from the metav1 option types the server decodes them into, so names,
// types and descriptions follow apimachinery.
type paramSets struct {
	list, watch, create, update, patch, delete, deleteCollection []param
}

// newParamSets derives the sets; fieldValidation says whether writes
// publish the fieldValidation parameter.
func newParamSets(fieldValidation bool) paramSets {
	list := queryParams(metav1.ListOptions{})
	del := queryParams(metav1.DeleteOptions{})
	write := func(opts swaggerDocer) []param {
		ps := queryParams(opts)
		if fieldValidation {
			return ps
		}
		out := ps[:0]
		for _, p := range ps {
			if p.name != "fieldValidation" {
				out = append(out, p)
			}
		}
		return out
	}
	var collection []param
	collection = append(collection, del...)
	for _, p := range list {
		if p.name != "watch" && p.name != "allowWatchBookmarks" {
			collection = append(collection, p)
		}
	}
	return paramSets{
		list:             list,
		watch:            list,
		create:           write(metav1.CreateOptions{}),
		update:           write(metav1.UpdateOptions{}),
		patch:            write(metav1.PatchOptions{}),
		delete:           del,
		deleteCollection: collection,
	}
}

// queryParams lists the scalar fields of an options struct as query
// parameters; a list field ([]string dryRun) is a repeated string.
func queryParams(opts swaggerDocer) []param {
	docs := opts.SwaggerDoc()
	t := reflect.TypeOf(opts)
	var out []param
	for i := 0; i < t.NumField(); i++ {
		sf := t.Field(i)
		name, _, _ := strings.Cut(sf.Tag.Get("json"), ",")
		typ := queryType(deref(sf.Type).Kind())
		if sf.Anonymous || name == "" || name == "-" || typ == "" {
			continue
		}
		out = append(out, param{name: name, in: "query", description: docs[name], typ: typ})
	}
	return out
}

func queryType(k reflect.Kind) string {
	switch k {
	case reflect.Bool:
		return "boolean"
	case reflect.Int, reflect.Int32, reflect.Int64:
		return "integer"
	case reflect.String, reflect.Slice:
		return "string"
	}
	return ""
}

func pathParam(name, description string) param {
	return param{name: name, in: "path", description: description, typ: "string", required: true}
}

const prettyDoc = "If 'true', then the output is pretty printed."

func prettyParam() param {
	return param{name: "pretty", in: "query", description: prettyDoc, typ: "string"}
}

func namespaceParam() param {
	return pathParam("namespace", "object name and auth scope, such as for teams and projects")
}
