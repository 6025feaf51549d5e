package watchcache

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"

	"github.com/skiff/skiff/internal/storage"
)

const prefix = "/registry/cm/"

// decode makes an object from "/registry/cm/NS/NAME" whose value is its
// "app" label, with the resourceVersion the cache asks for.
func decode(kv storage.KV) (runtime.Object, error) {
	parts := strings.Split(strings.TrimPrefix(kv.Key, prefix), "/")
	if len(parts) != 2 {
		return nil, fmt.Errorf("bad key %q", kv.Key)
	}
	return &metav1.PartialObjectMetadata{ObjectMeta: metav1.ObjectMeta{
		Namespace: parts[0], Name: parts[1],
		ResourceVersion: strconv.FormatInt(kv.ModRevision, 10),
		Labels:          map[string]string{"app": string(kv.Value)},
	}}, nil
}

// startCache runs a cache over s until the test ends and waits until ready.
func startCache(t *testing.T, s *fakeStore, tune func(*Config)) *Cache {
	t.Helper()
	cfg := Config{Backend: s, Prefix: prefix, Decode: decode}
	if tune != nil {
		tune(&cfg)
	}
	c, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error)
	go func() { done <- c.Run(ctx) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("Run: %v", err)
		}
	})
	if err := c.Ready(ctxFor(t)); err != nil {
		t.Fatal(err)
	}
	return c
}

func ctxFor(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	t.Cleanup(cancel)
	return ctx
}

// nextEvent returns w's next event; it fails the test if none comes or the
// watch closes.
func nextEvent(t *testing.T, w *Watcher) Event {
	t.Helper()
	timer := time.NewTimer(5 * time.Second)
	defer timer.Stop()
	select {
	case ev, ok := <-w.Events():
		if !ok {
			t.Fatalf("watch closed: %v", w.Err())
		}
		return ev
	case <-timer.C:
		t.Fatal("no event within 5s")
	}
	return Event{}
}

// waitClosed drains w until it closes and returns its Err.
func waitClosed(t *testing.T, w *Watcher) error {
	t.Helper()
	timer := time.NewTimer(5 * time.Second)
	defer timer.Stop()
	for {
		select {
		case _, ok := <-w.Events():
			if !ok {
				return w.Err()
			}
		case <-timer.C:
			t.Fatal("watch not closed within 5s")
		}
	}
}

// show renders an event as "TYPE ns/name app=LABEL rv=RV".
func show(ev Event) string {
	if ev.Object == nil {
		return fmt.Sprintf("%s rev=%d", ev.Type, ev.Revision)
	}
	m := ev.Object.(*metav1.PartialObjectMetadata)
	return fmt.Sprintf("%s %s/%s app=%s rv=%s", ev.Type, m.Namespace, m.Name, m.Labels["app"], m.ResourceVersion)
}

// names renders listed objects as "ns/name" joined by commas.
func names(objs []runtime.Object) string {
	var out []string
	for _, o := range objs {
		m := o.(*metav1.PartialObjectMetadata)
		out = append(out, m.Namespace+"/"+m.Name)
	}
	return strings.Join(out, ",")
}

// appIs is a label filter as the apiserver would build from a selector.
func appIs(v string) func(runtime.Object) bool {
	return func(o runtime.Object) bool {
		return o != nil && o.(*metav1.PartialObjectMetadata).Labels["app"] == v
	}
}
