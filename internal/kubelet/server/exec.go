package server

import (
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"k8s.io/apimachinery/pkg/util/httpstream/wsstream"

	"github.com/skiff/skiff/internal/kubelet/runtime"
)

// serveExec answers /exec/{namespace}/{pod}/{container}?command=...: it
// runs a command in a running container, streaming over SPDY or WebSocket.
func (s *Server) serveExec(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	q := r.URL.Query()
	opts, err := streamOptions(q)
	if err != nil {
		writeStatus(w, http.StatusBadRequest, err.Error())
		return
	}
	cmd := q["command"]
	if len(cmd) == 0 {
		writeStatus(w, http.StatusBadRequest, "you must specify at least one command for the container")
		return
	}
	id, ok := s.runningContainer(w, r)
	if !ok {
		return
	}
	u, err := s.rt.Exec(ctx, id, cmd, opts)
	if err != nil {
		s.writeRuntimeError(w, r, err)
		return
	}
	s.serveStream(w, r, u, opts)
}

// serveAttach answers /attach/{namespace}/{pod}/{container}: it attaches
// to the streams of a running container's main process.
func (s *Server) serveAttach(w http.ResponseWriter, r *http.Request) {
	opts, err := streamOptions(r.URL.Query())
	if err != nil {
		writeStatus(w, http.StatusBadRequest, err.Error())
		return
	}
	id, ok := s.runningContainer(w, r)
	if !ok {
		return
	}
	u, err := s.rt.Attach(r.Context(), id, opts)
	if err != nil {
		s.writeRuntimeError(w, r, err)
		return
	}
	s.serveStream(w, r, u, opts)
}

// streamOptions reads which streams an exec or attach carries. The kubelet
// form (input=1&output=1&error=1&tty=1, what the API server sends) and the
// PodExecOptions form (stdin=true&stdout=true&...) are both understood.
// With a TTY there is no separate stderr: it is dropped, as the kubelet does.
func streamOptions(q url.Values) (runtime.StreamOptions, error) {
	flag := func(kubelet, api string) bool { return q.Get(kubelet) == "1" || queryBool(q, api) }
	o := runtime.StreamOptions{
		Stdin:  flag("input", "stdin"),
		Stdout: flag("output", "stdout"),
		Stderr: flag("error", "stderr"),
		TTY:    queryBool(q, "tty"),
	}
	if o.TTY {
		o.Stderr = false
	}
	if !o.Stdin && !o.Stdout && !o.Stderr {
		return o, errors.New("you must specify at least 1 of stdin, stdout, stderr")
	}
	return o, nil
}

// runningContainer finds the running container a request names, or
// answers the request with why there is none.
func (s *Server) runningContainer(w http.ResponseWriter, r *http.Request) (string, bool) {
	ns, pod, name := r.PathValue("namespace"), r.PathValue("pod"), r.PathValue("container")
	info, err := s.pods.Container(r.Context(), ns, pod, name, false)
	switch {
	case errors.Is(err, ErrNotFound):
		writeStatus(w, http.StatusNotFound, notFoundMessage(err))
		return "", false
	case err != nil:
		s.log.Error("kubelet server: find container", "namespace", ns, "pod", pod, "container", name, "err", err)
		writeStatus(w, http.StatusInternalServerError, err.Error())
		return "", false
	case info.ID == "" || !info.Running:
		// The kubelet's words: it looks among running containers only.
		writeStatus(w, http.StatusInternalServerError, fmt.Sprintf("container not found (%q)", name))
		return "", false
	}
	return info.ID, true
}

// writeRuntimeError answers a failed CRI streaming call as the kubelet
// does: plain text, 404 for NotFound, 429 with Retry-After when the
// runtime has too many streams in flight, 500 otherwise.
func (s *Server) writeRuntimeError(w http.ResponseWriter, r *http.Request, err error) {
	code := http.StatusInternalServerError
	if st, ok := status.FromError(err); ok {
		switch st.Code() {
		case codes.NotFound:
			code = http.StatusNotFound
		case codes.ResourceExhausted:
			w.Header().Set("Retry-After", strconv.Itoa(60))
			code = http.StatusTooManyRequests
		}
	}
	s.log.Info("kubelet server: runtime refused a stream", "path", r.URL.Path, "err", err)
	writeStatus(w, code, err.Error())
}

// serveStream connects the client to the runtime's streaming URL: WebSocket
// clients through the relay here, everything else proxied as it is.
func (s *Server) serveStream(w http.ResponseWriter, r *http.Request, rawURL string, opts runtime.StreamOptions) {
	target, err := streamingURL(rawURL)
	if err != nil {
		s.log.Error("kubelet server: bad streaming URL from the runtime", "url", rawURL, "err", err)
		writeStatus(w, http.StatusInternalServerError, err.Error())
		return
	}
	if wsstream.IsWebSocketRequest(r) {
		s.relayExecWebSocket(w, r, target, opts)
		return
	}
	s.proxy(w, r, target)
}

// streamingURL parses the URL a runtime returned; it must be absolute.
func streamingURL(raw string) (*url.URL, error) {
	u, err := url.Parse(raw)
	if err != nil {
		return nil, fmt.Errorf("runtime streaming URL %q: %w", raw, err)
	}
	if u.Scheme != "http" || u.Host == "" {
		return nil, fmt.Errorf("runtime streaming URL %q: want an absolute http URL (the runtime's streaming server on loopback)", raw)
	}
	return u, nil
}
