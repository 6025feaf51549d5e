package server

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"golang.org/x/net/websocket"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/util/httpstream"
	"k8s.io/apimachinery/pkg/util/httpstream/spdy"
	"k8s.io/apimachinery/pkg/util/remotecommand"

	"github.com/skiff/skiff/internal/kubelet/runtime"
)

// wsProtocol is a WebSocket channel protocol a client may ask for: whether
// its messages are binary or base64 text, and the SPDY protocol relayed to
// the runtime. v4 and v5 carry the exit status as a metav1.Status on the
// error channel, as SPDY v4 does; the older ones carry a plain message, as
// SPDY v3 does (which still has resize).
type wsProtocol struct {
	binary   bool
	upstream string
}

var wsProtocols = map[string]wsProtocol{
	remotecommand.StreamProtocolV5Name: {binary: true, upstream: remotecommand.StreamProtocolV4Name},
	remotecommand.StreamProtocolV4Name: {binary: true, upstream: remotecommand.StreamProtocolV4Name},
	"v4.base64.channel.k8s.io":         {binary: false, upstream: remotecommand.StreamProtocolV4Name},
	"channel.k8s.io":                   {binary: true, upstream: remotecommand.StreamProtocolV3Name},
	"base64.channel.k8s.io":            {binary: false, upstream: remotecommand.StreamProtocolV3Name},
	// No protocol asked for: binary channels, the oldest form.
	"": {binary: true, upstream: remotecommand.StreamProtocolV3Name},
}

// selectWSProtocol picks, as a WebSocket handshake does, the first
// protocol the client lists that the relay speaks.
func selectWSProtocol(r *http.Request) (string, error) {
	h := strings.TrimSpace(r.Header.Get("Sec-Websocket-Protocol"))
	if h == "" {
		return "", nil
	}
	var asked []string
	for _, p := range strings.Split(h, ",") {
		p = strings.TrimSpace(p)
		if _, ok := wsProtocols[p]; ok && p != "" {
			return p, nil
		}
		asked = append(asked, p)
	}
	return "", fmt.Errorf("none of the requested WebSocket protocols %q is supported; supported: %s, %s, %s, %s, %s", asked,
		remotecommand.StreamProtocolV5Name, remotecommand.StreamProtocolV4Name, "v4.base64.channel.k8s.io",
		"channel.k8s.io", "base64.channel.k8s.io")
}

// relayExecWebSocket ends a WebSocket exec or attach here and relays it
// to the runtime's streaming URL over SPDY: containerd 1.6 does not speak
// v5.channel.k8s.io, kubectl's default. It connects to the runtime before
// accepting the WebSocket, so a refusal still reaches the client as an
// HTTP error (and kubectl falls back to SPDY).
func (s *Server) relayExecWebSocket(w http.ResponseWriter, r *http.Request, target *url.URL, opts runtime.StreamOptions) {
	proto, err := selectWSProtocol(r)
	if err != nil {
		writeStatus(w, http.StatusBadRequest, err.Error())
		return
	}
	p := wsProtocols[proto]
	raw, negotiated, err := dialUpgrade(r.Context(), target, p.upstream)
	if err == nil && negotiated != p.upstream {
		raw.Close()
		err = fmt.Errorf("the runtime chose stream protocol %q, not %q", negotiated, p.upstream)
	}
	if err != nil {
		s.log.Info("kubelet server: connect exec/attach to the runtime", "path", r.URL.Path, "err", err)
		writeStatus(w, http.StatusInternalServerError, err.Error())
		return
	}
	up, err := spdy.NewClientConnectionWithPings(raw, 5*time.Second)
	if err != nil {
		raw.Close()
		writeStatus(w, http.StatusInternalServerError, fmt.Sprintf("SPDY connection to the runtime: %v", err))
		return
	}
	defer up.Close()
	srv := websocket.Server{
		Handshake: func(cfg *websocket.Config, _ *http.Request) error {
			cfg.Protocol = nil
			if proto != "" {
				cfg.Protocol = []string{proto}
			}
			return nil
		},
		Handler: func(ws *websocket.Conn) {
			conn := newChannelConn(ws, !p.binary, proto == remotecommand.StreamProtocolV5Name, opts.Stdin)
			defer conn.close()
			sess := &execSession{conn: conn, up: up, opts: opts, statusJSON: p.upstream == remotecommand.StreamProtocolV4Name}
			if err := sess.run(r.Context()); err != nil {
				s.log.Info("kubelet server: exec/attach relay", "path", r.URL.Path, "err", err)
			}
		},
	}
	srv.ServeHTTP(w, r)
}

// execSession relays one exec or attach between WebSocket channels and
// SPDY streams to the runtime.
type execSession struct {
	conn       *channelConn
	up         httpstream.Connection
	opts       runtime.StreamOptions
	statusJSON bool // the error channel carries a metav1.Status (v4, v5)
}

// run opens the runtime's streams, copies until the command ends (the
// runtime closes its streams) or the client goes away, then writes the
// exit status the runtime sent on the error channel.
func (e *execSession) run(ctx context.Context) error {
	st, err := e.createStreams()
	if err != nil {
		e.fail(err)
		return err
	}
	// The runtime's streams end when the command does. The client going
	// away or ctx ending close the runtime connection, which ends them too.
	finished := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		select {
		case <-e.conn.done:
			e.up.Close()
		case <-ctx.Done():
			e.up.Close()
		case <-finished:
		}
	}()
	var output sync.WaitGroup
	copyTo := func(g *sync.WaitGroup, dst io.Writer, src io.Reader, after func()) {
		g.Add(1)
		go func() {
			defer g.Done()
			_, _ = io.Copy(dst, src)
			if after != nil {
				after()
			}
		}()
	}
	if st.stdin != nil {
		copyTo(&wg, st.stdin, e.conn.stdin, func() { st.stdin.Close() })
	}
	resize := io.Writer(io.Discard)
	if st.resize != nil {
		resize = st.resize
	}
	copyTo(&wg, resize, e.conn.resize, nil)
	if st.stdout != nil {
		copyTo(&output, e.conn.channel(remotecommand.StreamStdOut), st.stdout, nil)
	}
	if st.stderr != nil {
		copyTo(&output, e.conn.channel(remotecommand.StreamStdErr), st.stderr, nil)
	}
	status, statusErr := io.ReadAll(st.errs)
	output.Wait()
	switch {
	case len(status) > 0:
		_ = e.conn.write(remotecommand.StreamErr, status)
	case e.statusJSON && ctx.Err() == nil:
		// v4 always ends with a status; none means the runtime went away.
		err := errors.New("the runtime closed the stream without an exit status")
		if statusErr != nil {
			err = fmt.Errorf("read the runtime's error stream: %w", statusErr)
		}
		e.fail(err)
	}
	// Closing the runtime connection and the socket ends stdin and resize.
	close(finished)
	e.up.Close()
	e.conn.close()
	wg.Wait()
	return nil
}

type upstreams struct {
	errs, stdin, stdout, stderr, resize httpstream.Stream
}

// createStreams opens the runtime's streams in the order client-go does.
func (e *execSession) createStreams() (upstreams, error) {
	var st upstreams
	open := func(typ string) (httpstream.Stream, error) {
		h := http.Header{}
		h.Set(corev1.StreamType, typ)
		s, err := e.up.CreateStream(h)
		if err != nil {
			return nil, fmt.Errorf("create %s stream to the runtime: %w", typ, err)
		}
		return s, nil
	}
	var err error
	if st.errs, err = open(corev1.StreamTypeError); err != nil {
		return st, err
	}
	for _, s := range []struct {
		on  bool
		typ string
		dst *httpstream.Stream
	}{
		{e.opts.Stdin, corev1.StreamTypeStdin, &st.stdin},
		{e.opts.Stdout, corev1.StreamTypeStdout, &st.stdout},
		{e.opts.Stderr, corev1.StreamTypeStderr, &st.stderr},
		{e.opts.TTY, corev1.StreamTypeResize, &st.resize},
	} {
		if !s.on {
			continue
		}
		if *s.dst, err = open(s.typ); err != nil {
			return st, err
		}
	}
	return st, nil
}

// fail reports an error of the relay itself on the error channel, in the
// form the protocol uses.
func (e *execSession) fail(err error) {
	msg := []byte(err.Error())
	if e.statusJSON {
		st := apierrors.NewInternalError(err).Status()
		if b, jerr := json.Marshal(st); jerr == nil {
			msg = b
		}
	}
	_ = e.conn.write(remotecommand.StreamErr, msg)
}
