package apiserver

import (
	"fmt"
	"io"

	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"

	"github.com/skiff/skiff/internal/registry/resource"
)

// viewCodec stores the objects of a resource that is a view of another
// (events.k8s.io/v1 events) in the other's form, converting on the way.
type viewCodec struct {
	stored runtime.Codec
	view   *resource.StorageView
}

func (c viewCodec) Encode(obj runtime.Object, w io.Writer) error {
	s, err := c.view.ToStored(obj)
	if err != nil {
		return err
	}
	return c.stored.Encode(s, w)
}

func (c viewCodec) Decode(data []byte, _ *schema.GroupVersionKind, _ runtime.Object) (runtime.Object, *schema.GroupVersionKind, error) {
	s, gvk, err := c.stored.Decode(data, nil, c.view.NewStored())
	if err != nil {
		return nil, gvk, err
	}
	out, err := c.view.FromStored(s)
	if err != nil {
		return nil, gvk, fmt.Errorf("convert stored %v: %w", gvk, err)
	}
	return out, gvk, nil
}

func (c viewCodec) Identifier() runtime.Identifier { return "view:" + c.stored.Identifier() }

// keyPrefix is where a resource's objects live in storage.
func keyPrefix(gvr schema.GroupVersionResource) string {
	group := gvr.Group
	if group == "" {
		group = "core"
	}
	return "/registry/" + group + "/" + gvr.Resource + "/"
}
