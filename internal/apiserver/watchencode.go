package apiserver

import (
	"sync"

	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
)

// encodedEvents remembers the encoding of the objects of recent watch
// events. Every watcher of a resource is sent the same object (the watch
// cache shares one per change), and watchers that ask for the same media
// type and version get the same bytes: a pod change watched by the
// control plane, the nodes' kubelets and a benchmark was encoded once per
// watcher, a twentieth of the server's CPU in the scale benchmark. It holds
// the last encodedEventsSize encodings; a watcher further behind than that
// encodes for itself.
type encodedEvents struct {
	mu      sync.Mutex
	entries map[encodedKey][]byte
	order   []encodedKey // ring, oldest at next
	next    int
}

// encodedKey names one object's encoding. The object is compared by
// pointer: cached objects are never changed, and a change is a new object.
type encodedKey struct {
	obj runtime.Object
	enc runtime.Identifier // the serializer: media type and options such as pretty
	gv  schema.GroupVersion
}

const encodedEventsSize = 4096

func newEncodedEvents() *encodedEvents {
	return &encodedEvents{entries: make(map[encodedKey][]byte, encodedEventsSize),
		order: make([]encodedKey, 0, encodedEventsSize)}
}

func (e *encodedEvents) get(k encodedKey) ([]byte, bool) {
	e.mu.Lock()
	defer e.mu.Unlock()
	b, ok := e.entries[k]
	return b, ok
}

// put stores a copy of b as k's encoding.
func (e *encodedEvents) put(k encodedKey, b []byte) {
	c := make([]byte, len(b))
	copy(c, b)
	e.mu.Lock()
	defer e.mu.Unlock()
	if _, ok := e.entries[k]; ok {
		return
	}
	if len(e.order) < encodedEventsSize {
		e.order = append(e.order, k)
	} else {
		delete(e.entries, e.order[e.next])
		e.order[e.next] = k
		e.next = (e.next + 1) % encodedEventsSize
	}
	e.entries[k] = c
}
