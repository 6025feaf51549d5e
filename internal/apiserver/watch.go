package apiserver

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"reflect"
	"time"

	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/watch"

	"github.com/skiff/skiff/internal/registry/store"
	"github.com/skiff/skiff/internal/watchcache"
)

// minWatchTimeout is the shortest server-side watch lifetime when the
// client sets none; a random extra of the same length spreads re-watches.
const minWatchTimeout = 30 * time.Minute

// initialEventsEnd marks the bookmark that ends the initial events of a
// streaming list (sendInitialEvents=true), as client-go's WatchList expects.
const initialEventsEnd = "k8s.io/initial-events-end"

// watchStream writes one watch response.
type watchStream struct {
	a       *API
	r       *http.Request
	w       http.ResponseWriter
	flusher http.Flusher
	sv      *served
	out     output
	// frames writes one encoded event per frame; evEnc encodes events.
	frames io.Writer
	evEnc  runtime.Encoder
	evBuf  bytes.Buffer
	// buf and alloc are reused for every event: a watch of a busy
	// resource encodes thousands of objects, and fresh buffers for each
	// were a tenth of the server's allocations in the scale benchmark.
	buf   bytes.Buffer
	alloc runtime.Allocator
	// headersSent: a Table watch sends column definitions only once.
	headersSent bool
}

func (a *API) serveWatch(w http.ResponseWriter, r *http.Request, sv *served, info requestInfo) error {
	opts, err := a.listOptions(r)
	if err != nil {
		return err
	}
	if opts.SendInitialEvents != nil && *opts.SendInitialEvents && opts.ResourceVersionMatch != metav1.ResourceVersionMatchNotOlderThan {
		return statusError(http.StatusUnprocessableEntity, metav1.StatusReasonInvalid,
			"sendInitialEvents: Forbidden: sendInitialEvents is forbidden for watch unless resourceVersionMatch is set to NotOlderThan")
	}
	out, err := a.negotiate(r, true)
	if err != nil {
		return err
	}
	timeout := minWatchTimeout + time.Duration(rand.Int64N(int64(minWatchTimeout)))
	if opts.TimeoutSeconds != nil {
		timeout = time.Duration(*opts.TimeoutSeconds) * time.Second
	}
	ctx, cancel := context.WithTimeout(r.Context(), timeout)
	defer cancel()
	ws, err := sv.store.Watch(ctx, info.Namespace, opts)
	if err != nil {
		return err
	}
	flusher, ok := w.(http.Flusher)
	if !ok {
		return fmt.Errorf("watch: response writer cannot flush")
	}
	s := &watchStream{a: a, r: r, w: w, flusher: flusher, sv: sv, out: out}
	s.frames = out.info.StreamSerializer.Framer.NewFrameWriter(w)
	s.evEnc = out.info.StreamSerializer.Serializer
	ct := out.info.MediaType
	if out.as != "" {
		ct += ";as=" + out.as + ";g=meta.k8s.io;v=v1"
	}
	w.Header().Set("Content-Type", ct)
	w.Header().Set("Transfer-Encoding", "chunked")
	w.WriteHeader(http.StatusOK)
	flusher.Flush()
	s.stream(ctx, ws, opts.SendInitialEvents != nil && *opts.SendInitialEvents)
	return nil
}

// stream sends the initial events, then changes until ctx ends or the
// watch is dropped; a dropped watch ends with an ERROR event saying why.
func (s *watchStream) stream(ctx context.Context, ws *store.WatchStream, initialEnd bool) {
	for _, obj := range ws.Initial {
		if !s.send(watch.Added, obj) {
			return
		}
	}
	if initialEnd {
		if !s.send(watch.Bookmark, s.bookmark(ws.Revision, true)) {
			return
		}
	}
	s.flusher.Flush()
	events := ws.Watcher.Events()
	for {
		select {
		case <-ctx.Done():
			return
		case ev, ok := <-events:
			if !ok {
				// A watcher dropped for being slow just ends: its client
				// resumes from the last revision it saw.
				if err := ws.Watcher.Err(); err != nil && !errors.Is(err, watchcache.ErrTooSlow) {
					s.send(watch.Error, toStatus(s.sv.store.WatchError(err)))
				}
				return
			}
			obj := ev.Object
			if ev.Type == watch.Bookmark {
				obj = s.bookmark(ev.Revision, false)
			}
			if !s.sendShared(ev.Type, obj) {
				return
			}
			if len(events) == 0 {
				s.flusher.Flush()
			}
		}
	}
}

// bookmark is the object of a BOOKMARK event: an empty object of the kind
// carrying only a resourceVersion.
func (s *watchStream) bookmark(rev int64, initialEnd bool) runtime.Object {
	obj := s.sv.res.New()
	m, _ := meta.Accessor(obj)
	m.SetResourceVersion(fmt.Sprint(rev))
	if initialEnd {
		m.SetAnnotations(map[string]string{initialEventsEnd: "true"})
	}
	return obj
}

func (s *watchStream) transformedBookmark(obj runtime.Object) runtime.Object {
	m, _ := meta.Accessor(obj)
	if s.out.as == "Table" {
		t := &metav1.Table{}
		t.ResourceVersion = m.GetResourceVersion()
		return t
	}
	p := &metav1.PartialObjectMetadata{}
	p.ResourceVersion, p.Annotations = m.GetResourceVersion(), m.GetAnnotations()
	return p
}

// sendShared is send for an object of the watch cache's event stream,
// which every watcher of the resource is sent: its encoding is shared
// through the API's encodedEvents.
func (s *watchStream) sendShared(t watch.EventType, obj runtime.Object) bool {
	if t == watch.Bookmark || t == watch.Error || s.out.as != "" || obj == nil {
		return s.send(t, obj)
	}
	k := encodedKey{obj: obj, enc: s.out.info.Serializer.Identifier(), gv: s.sv.gv()}
	raw, ok := s.a.encoded.get(k)
	if !ok {
		if raw, ok = s.encode(k.gv, obj); !ok {
			return false
		}
		s.a.encoded.put(k, raw)
	}
	return s.sendRaw(t, raw)
}

// send writes one event; false when the client is gone.
func (s *watchStream) send(t watch.EventType, obj runtime.Object) bool {
	gv := s.sv.gv()
	switch {
	case t == watch.Bookmark && s.out.as != "":
		// A bookmark carries only a resourceVersion (and annotations), in
		// the form the client decodes every event in.
		obj, gv = s.transformedBookmark(obj), metav1.SchemeGroupVersion
	case t != watch.Error && s.out.as != "":
		tobj, err := s.a.transform(s.r, s.out, s.sv, obj, s.headersSent)
		if err != nil {
			t, obj = watch.Error, toStatus(err)
		} else {
			obj, gv, s.headersSent = tobj, metav1.SchemeGroupVersion, true
		}
	}
	if t == watch.Error {
		gv = metav1.Unversioned
	}
	raw, ok := s.encode(gv, obj)
	return ok && s.sendRaw(t, raw)
}

// encode encodes an event's object as gv into s.buf, which the result
// shares; false (logged) if it cannot.
func (s *watchStream) encode(gv schema.GroupVersion, obj runtime.Object) ([]byte, bool) {
	s.buf.Reset()
	if err := encodeWith(s.a.codecs.EncoderForVersion(s.out.info.Serializer, gv), obj, &s.buf, &s.alloc); err != nil {
		s.a.log.Error("encode watch event", "err", err)
		return nil, false
	}
	return s.buf.Bytes(), true
}

// sendRaw writes one event whose object is already encoded.
func (s *watchStream) sendRaw(t watch.EventType, raw []byte) bool {
	ev := &metav1.WatchEvent{Type: string(t), Object: runtime.RawExtension{Raw: raw}}
	s.evBuf.Reset()
	if err := encodeWith(s.evEnc, ev, &s.evBuf, &s.alloc); err != nil {
		s.a.log.Error("encode watch event", "err", err)
		return false
	}
	_, err := s.frames.Write(s.evBuf.Bytes())
	return err == nil
}

// encodeWith encodes obj into w, marshalling through alloc's reused buffer
// when the encoder can (protobuf can; JSON writes straight to w anyway).
func encodeWith(enc runtime.Encoder, obj runtime.Object, w io.Writer, alloc runtime.MemoryAllocator) error {
	obj = unshared(obj)
	if ea, ok := enc.(runtime.EncoderWithAllocator); ok {
		return ea.EncodeWithAllocator(obj, w, alloc)
	}
	return enc.Encode(obj, w)
}

// unshared returns a shallow copy of obj for an encoder to write on. The
// versioning codec sets an object's apiVersion and kind while it encodes
// it, and objects from the watch cache are shared by every watcher and
// reader: writing on them is a data race. Copying the top-level struct is
// enough, since only its TypeMeta is written.
func unshared(obj runtime.Object) runtime.Object {
	if c := shallowCopy(obj); c != nil {
		return c
	}
	return obj
}

// shallowCopy copies the struct obj points to, sharing everything the
// struct points to; nil if obj is not a pointer to a struct.
func shallowCopy(obj runtime.Object) runtime.Object {
	v := reflect.ValueOf(obj)
	if v.Kind() != reflect.Pointer || v.IsNil() || v.Elem().Kind() != reflect.Struct {
		return nil
	}
	c := reflect.New(v.Elem().Type())
	c.Elem().Set(v.Elem())
	o, _ := c.Interface().(runtime.Object)
	return o
}
