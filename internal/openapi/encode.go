package openapi

import (
	"crypto/sha512"
	"fmt"
	"sync"

	"github.com/google/gnostic-models/compiler"
	openapiv2 "github.com/google/gnostic-models/openapiv2"
	openapiv3 "github.com/google/gnostic-models/openapiv3"
	"google.golang.org/protobuf/proto"
)

// encoded is one document: its JSON, made by Build, and its gnostic
// protobuf form, made from the JSON on first request. Compiling protobuf
// costs twice what building all the JSON does, and only kubectl's schema
// validation asks for it (v2), so start-up does not wait for it; Kubernetes
// defers it the same way.
type encoded struct {
	json []byte
	// hash is the upper-case hex SHA-512 of json: the ETag, and in v3 the
	// hash query parameter of the document's URL.
	hash string

	toProto   func([]byte) ([]byte, error)
	protoOnce sync.Once
	proto     []byte
	protoErr  error
}

func newEncoded(json []byte, toProto func([]byte) ([]byte, error)) *encoded {
	return &encoded{json: json, hash: fmt.Sprintf("%X", sha512.Sum512(json)), toProto: toProto}
}

// protobuf returns the protobuf encoding, compiling it once.
func (e *encoded) protobuf() ([]byte, error) {
	e.protoOnce.Do(func() {
		if e.toProto == nil {
			e.protoErr = fmt.Errorf("no protobuf form")
			return
		}
		e.proto, e.protoErr = e.toProto(e.json)
	})
	return e.proto, e.protoErr
}

// v2Proto compiles a Swagger 2.0 JSON document to gnostic protobuf.
func v2Proto(b []byte) ([]byte, error) {
	root, err := jsonNode(b)
	if err != nil {
		return nil, err
	}
	doc, err := openapiv2.NewDocument(root, compiler.NewContextWithExtensions("$root", root, nil, nil))
	if err != nil {
		return nil, fmt.Errorf("compile openapi v2: %w", err)
	}
	return proto.Marshal(doc)
}

// v3Proto compiles an OpenAPI 3.0 JSON document to gnostic protobuf.
func v3Proto(b []byte) ([]byte, error) {
	root, err := jsonNode(b)
	if err != nil {
		return nil, err
	}
	doc, err := openapiv3.NewDocument(root, compiler.NewContextWithExtensions("$root", root, nil, nil))
	if err != nil {
		return nil, fmt.Errorf("compile openapi v3: %w", err)
	}
	return proto.Marshal(doc)
}
