package apiserver

import (
	"fmt"
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
)

func TestEncodedEvents(t *testing.T) {
	e := newEncodedEvents()
	pod := func(i int) runtime.Object { return &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: fmt.Sprint(i)}} }
	first := pod(0)
	key := func(obj runtime.Object, enc string) encodedKey {
		return encodedKey{obj: obj, enc: runtime.Identifier(enc), gv: corev1.SchemeGroupVersion}
	}
	buf := []byte("encoded")
	e.put(key(first, "json"), buf)
	buf[0] = 'X' // the caller reuses its buffer
	if got, ok := e.get(key(first, "json")); !ok || string(got) != "encoded" {
		t.Fatalf("get = %q, %v; want the bytes as they were put", got, ok)
	}
	if _, ok := e.get(key(first, "protobuf")); ok {
		t.Error("another serializer's encoding was returned")
	}
	if _, ok := e.get(key(pod(0), "json")); ok {
		t.Error("an equal but different object shared an encoding")
	}
	for i := 1; i <= encodedEventsSize; i++ {
		e.put(key(pod(i), "json"), []byte{byte(i)})
	}
	if _, ok := e.get(key(first, "json")); ok {
		t.Error("the oldest encoding was kept past the size")
	}
	if len(e.entries) != encodedEventsSize {
		t.Errorf("%d entries, want %d", len(e.entries), encodedEventsSize)
	}
}
