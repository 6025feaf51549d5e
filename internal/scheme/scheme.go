// Package scheme builds the runtime.Scheme that knows every API type skiff
// serves and the codecs that go with it. It holds no global state: each
// caller builds its own.
package scheme

import (
	"fmt"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/runtime/serializer"
	clientgoscheme "k8s.io/client-go/kubernetes/scheme"
)

// New returns a scheme with every built-in group of k8s.io/api, the
// meta.k8s.io types (Table, PartialObjectMetadata) and the unversioned
// option types (ListOptions, DeleteOptions, Status, WatchEvent).
func New() (*runtime.Scheme, error) {
	s := runtime.NewScheme()
	if err := clientgoscheme.AddToScheme(s); err != nil {
		return nil, fmt.Errorf("register built-in types: %w", err)
	}
	if err := metav1.AddMetaToScheme(s); err != nil {
		return nil, fmt.Errorf("register meta types: %w", err)
	}
	metav1.AddToGroupVersion(s, schema.GroupVersion{Version: "v1"})
	// kubectl sends DeleteOptions as meta.k8s.io/v1.
	metav1.AddToGroupVersion(s, metav1.SchemeGroupVersion)
	return s, nil
}

// Codecs returns the codec factory for s: JSON, YAML and protobuf.
func Codecs(s *runtime.Scheme) serializer.CodecFactory {
	return serializer.NewCodecFactory(s)
}
