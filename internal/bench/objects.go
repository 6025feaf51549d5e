package bench

import (
	"context"
	"fmt"

	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/watch"
	"k8s.io/client-go/kubernetes"
)

// object is what the typed clients return: a pointer to an API object.
type object interface {
	metav1.Object
	runtime.Object
}

// objects is the benchmark's view of one namespaced resource. Phases call
// it without knowing the kind, so pods and configmaps share one code path.
type objects interface {
	create(ctx context.Context, name string) (object, error)
	get(ctx context.Context, name string) (object, error)
	update(ctx context.Context, o object) (object, error)
	list(ctx context.Context, opts metav1.ListOptions) (page, error)
	watch(ctx context.Context, opts metav1.ListOptions) (watch.Interface, error)
	delete(ctx context.Context, name string) error
	deleteAll(ctx context.Context, selector string) error
}

// page is what a list phase needs from one list response.
type page struct {
	items           int
	continueToken   string
	resourceVersion string
}

// typedClient is the subset of a client-go typed client the benchmark uses;
// PodInterface and ConfigMapInterface both satisfy it.
type typedClient[T object, L runtime.Object] interface {
	Create(ctx context.Context, obj T, opts metav1.CreateOptions) (T, error)
	Update(ctx context.Context, obj T, opts metav1.UpdateOptions) (T, error)
	Delete(ctx context.Context, name string, opts metav1.DeleteOptions) error
	DeleteCollection(ctx context.Context, opts metav1.DeleteOptions, listOpts metav1.ListOptions) error
	Get(ctx context.Context, name string, opts metav1.GetOptions) (T, error)
	List(ctx context.Context, opts metav1.ListOptions) (L, error)
	Watch(ctx context.Context, opts metav1.ListOptions) (watch.Interface, error)
}

// typed adapts a typedClient to objects; build makes a new object by name.
type typed[T object, L runtime.Object] struct {
	c     typedClient[T, L]
	build func(name string) T
}

// newObjects picks the client for kind in namespace ns.
func newObjects(c kubernetes.Interface, kind, ns, runID string) (objects, error) {
	switch kind {
	case KindPod:
		return typed[*podT, *podListT]{c.CoreV1().Pods(ns), func(n string) *podT { return newPod(n, runID) }}, nil
	case KindConfigMap:
		return typed[*configMapT, *configMapListT]{c.CoreV1().ConfigMaps(ns), func(n string) *configMapT { return newConfigMap(n, runID) }}, nil
	}
	return nil, fmt.Errorf("unknown kind %q (want %s or %s)", kind, KindPod, KindConfigMap)
}

func (t typed[T, L]) create(ctx context.Context, name string) (object, error) {
	return t.c.Create(ctx, t.build(name), metav1.CreateOptions{})
}

func (t typed[T, L]) get(ctx context.Context, name string) (object, error) {
	return t.c.Get(ctx, name, metav1.GetOptions{})
}

func (t typed[T, L]) update(ctx context.Context, o object) (object, error) {
	obj, ok := o.(T)
	if !ok {
		return nil, fmt.Errorf("update: unexpected object type %T", o)
	}
	return t.c.Update(ctx, obj, metav1.UpdateOptions{})
}

func (t typed[T, L]) list(ctx context.Context, opts metav1.ListOptions) (page, error) {
	l, err := t.c.List(ctx, opts)
	if err != nil {
		return page{}, err
	}
	lm, err := meta.ListAccessor(l)
	if err != nil {
		return page{}, fmt.Errorf("list metadata: %w", err)
	}
	return page{items: meta.LenList(l), continueToken: lm.GetContinue(), resourceVersion: lm.GetResourceVersion()}, nil
}

func (t typed[T, L]) watch(ctx context.Context, opts metav1.ListOptions) (watch.Interface, error) {
	return t.c.Watch(ctx, opts)
}

func (t typed[T, L]) delete(ctx context.Context, name string) error {
	return t.c.Delete(ctx, name, metav1.DeleteOptions{})
}

func (t typed[T, L]) deleteAll(ctx context.Context, selector string) error {
	return t.c.DeleteCollection(ctx, metav1.DeleteOptions{}, metav1.ListOptions{LabelSelector: selector})
}
