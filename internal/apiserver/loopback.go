package apiserver

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"sync"

	"github.com/skiff/skiff/internal/pki"
)

// Loopback returns a client transport that hands each request straight to
// this server's handler, authenticated as the admin, for the components
// that run in the same process (scheduler, controllers). Requests go
// through the whole API (authentication, admission, validation, storage,
// watch streaming); only TLS, HTTP/2 framing and the socket are skipped.
// Those were a tenth of the server's CPU in the scale benchmark, where the
// control plane makes three of every four writes and reads every event.
//
// Use it as rest.Config.Transport, with no TLS settings in that config.
func (s *Server) Loopback() http.RoundTripper {
	return newLoopback(withAccessLog(s.cfg.Logger, s.api), s.cfg.Logger,
		userInfo{name: pki.AdminUser, groups: []string{pki.AdminGroup, authenticatedGroup}})
}

func newLoopback(h http.Handler, log *slog.Logger, user userInfo) *loopback {
	return &loopback{h: h, log: log, user: user}
}

type loopback struct {
	h    http.Handler
	log  *slog.Logger
	user userInfo
}

// errLoopbackAborted is what a client reads when the handler panicked,
// as it would see a connection reset from a real server.
var errLoopbackAborted = errors.New("loopback: the handler aborted the response")

func (l *loopback) RoundTrip(req *http.Request) (*http.Response, error) {
	ctx, cancel := context.WithCancel(req.Context())
	sreq := req.Clone(context.WithValue(ctx, userKey{}, l.user))
	sreq.RequestURI = req.URL.RequestURI()
	sreq.RemoteAddr = "127.0.0.1:0"
	sreq.Host = req.URL.Host
	sreq.Proto, sreq.ProtoMajor, sreq.ProtoMinor = "HTTP/2.0", 2, 0
	if sreq.Body == nil {
		sreq.Body = http.NoBody
	}
	rw := newLoopbackWriter(cancel)
	go func() {
		defer func() {
			if v := recover(); v != nil {
				if v != http.ErrAbortHandler {
					l.log.Error("loopback handler panicked", "path", req.URL.Path, "panic", fmt.Sprint(v))
				}
				rw.finish(errLoopbackAborted)
			}
			if req.Body != nil {
				_ = req.Body.Close()
			}
			rw.finish(nil)
		}()
		l.h.ServeHTTP(rw, sreq)
	}()
	select {
	case <-rw.sent:
	case <-req.Context().Done():
		cancel()
		return nil, req.Context().Err()
	}
	if rw.aborted() {
		cancel()
		return nil, errLoopbackAborted
	}
	code, header := rw.response()
	resp := &http.Response{
		Status:        fmt.Sprintf("%d %s", code, http.StatusText(code)),
		StatusCode:    code,
		Proto:         "HTTP/2.0",
		ProtoMajor:    2,
		Header:        header,
		Body:          &loopbackBody{w: rw},
		ContentLength: rw.contentLength(),
		Request:       req,
	}
	return resp, nil
}

// loopbackWriter is the handler's http.ResponseWriter and the buffer the
// client reads the body from. Headers reach the client when the handler
// flushes, fills maxUnsent bytes, or returns, as with a real connection.
type loopbackWriter struct {
	header http.Header
	cancel context.CancelFunc
	sent   chan struct{} // closed when the status line and headers are out

	mu     sync.Mutex
	cond   sync.Cond
	code   int
	out    http.Header // header as sent
	buf    []byte
	off    int
	done   bool  // the handler returned
	err    error // what a read past the buffer returns once done
	closed bool  // the client closed the body
}

// maxUnsent is how much body the handler may write before its headers go
// out, and how far the client may fall behind before the handler waits.
const maxUnsent = 1 << 20

func newLoopbackWriter(cancel context.CancelFunc) *loopbackWriter {
	w := &loopbackWriter{header: http.Header{}, cancel: cancel, sent: make(chan struct{})}
	w.cond.L = &w.mu
	return w
}

func (w *loopbackWriter) Header() http.Header { return w.header }

func (w *loopbackWriter) WriteHeader(code int) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.writeHeaderLocked(code)
}

func (w *loopbackWriter) writeHeaderLocked(code int) {
	if w.out != nil {
		return
	}
	w.code, w.out = code, w.header.Clone()
}

// sendLocked releases the headers to the client.
func (w *loopbackWriter) sendLocked() {
	w.writeHeaderLocked(http.StatusOK)
	select {
	case <-w.sent:
	default:
		close(w.sent)
	}
}

func (w *loopbackWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.writeHeaderLocked(http.StatusOK)
	for !w.closed && len(w.buf)-w.off > maxUnsent {
		w.sendLocked()
		w.cond.Wait()
	}
	if w.closed {
		return 0, http.ErrAbortHandler
	}
	w.buf = append(w.buf, p...)
	if len(w.buf)-w.off > maxUnsent {
		w.sendLocked()
	}
	w.cond.Broadcast()
	return len(p), nil
}

func (w *loopbackWriter) Flush() {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.sendLocked()
}

// finish marks the response complete; the first call wins.
func (w *loopbackWriter) finish(err error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.done {
		return
	}
	w.done, w.err = true, err
	// As net/http does, the request's context ends with the handler.
	w.cancel()
	if err == nil {
		w.sendLocked()
	} else {
		select {
		case <-w.sent:
		default:
			close(w.sent)
		}
	}
	w.cond.Broadcast()
}

func (w *loopbackWriter) aborted() bool {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.err != nil && w.out == nil
}

func (w *loopbackWriter) response() (int, http.Header) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.out == nil {
		w.writeHeaderLocked(http.StatusOK)
	}
	return w.code, w.out
}

// contentLength is the body's length when the handler has already
// returned, else -1 (streaming).
func (w *loopbackWriter) contentLength() int64 {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.done && w.err == nil {
		return int64(len(w.buf) - w.off)
	}
	return -1
}

// loopbackBody is the client's side of the response body.
type loopbackBody struct{ w *loopbackWriter }

func (b *loopbackBody) Read(p []byte) (int, error) {
	w := b.w
	w.mu.Lock()
	defer w.mu.Unlock()
	for w.off == len(w.buf) && !w.done && !w.closed {
		w.cond.Wait()
	}
	if w.closed {
		return 0, errors.New("loopback: read on closed response body")
	}
	if w.off == len(w.buf) {
		if w.err != nil {
			return 0, w.err
		}
		return 0, io.EOF
	}
	n := copy(p, w.buf[w.off:])
	w.off += n
	if w.off == len(w.buf) {
		// Drained: reuse the buffer instead of growing it forever.
		w.buf, w.off = w.buf[:0], 0
	}
	w.cond.Broadcast()
	return n, nil
}

// Close ends the request, as closing a connection's stream would: the
// handler's context is cancelled and its next write fails.
func (b *loopbackBody) Close() error {
	w := b.w
	w.mu.Lock()
	w.closed = true
	w.buf, w.off = nil, 0
	w.cond.Broadcast()
	w.mu.Unlock()
	w.cancel()
	return nil
}
