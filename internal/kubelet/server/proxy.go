package server

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httputil"
	"net/url"
	"strings"
	"sync"
	"time"

	"k8s.io/apimachinery/pkg/util/httpstream"
	"k8s.io/apimachinery/pkg/util/httpstream/spdy"
)

// upgradeTimeout bounds connecting to the runtime's streaming server and
// its answer to an upgrade.
const upgradeTimeout = 30 * time.Second

// proxy hands the request to the runtime's streaming server unchanged but
// for its URL, and on 101 copies bytes both ways until either side closes
// or the request's context ends: SPDY exec, attach and port-forward, and
// the runtime's own WebSocket port-forward, pass through it.
func (s *Server) proxy(w http.ResponseWriter, r *http.Request, target *url.URL) {
	rp := &httputil.ReverseProxy{
		Rewrite: func(pr *httputil.ProxyRequest) {
			u := *target
			pr.Out.URL = &u
			pr.Out.Host = target.Host
		},
		Transport:     s.streamTransport,
		FlushInterval: -1,
		ErrorLog:      slog.NewLogLogger(s.log.Handler(), slog.LevelInfo),
		ErrorHandler: func(w http.ResponseWriter, r *http.Request, err error) {
			s.log.Info("kubelet server: proxy to the runtime's streaming server", "path", r.URL.Path, "err", err)
			writeStatus(w, http.StatusBadGateway, "error reaching the container runtime's streaming server: "+err.Error())
		},
	}
	rp.ServeHTTP(w, r)
}

// dialUpgrade connects to a runtime streaming URL and switches the
// connection to SPDY/3.1 offering protocols (X-Stream-Protocol-Version).
// It returns the raw connection, ready for SPDY frames, and the protocol
// the runtime chose. A refusal is an error carrying the runtime's answer.
func dialUpgrade(ctx context.Context, target *url.URL, protocols ...string) (net.Conn, string, error) {
	ctx, cancel := context.WithTimeout(ctx, upgradeTimeout)
	defer cancel()
	host := target.Host
	if target.Port() == "" {
		host = net.JoinHostPort(target.Hostname(), "80")
	}
	var d net.Dialer
	c, err := d.DialContext(ctx, "tcp", host)
	if err != nil {
		return nil, "", fmt.Errorf("connect to the runtime's streaming server: %w", err)
	}
	// The deadline covers the handshake; ctx ending closes it early.
	deadline, _ := ctx.Deadline()
	_ = c.SetDeadline(deadline)
	stop := context.AfterFunc(ctx, func() { _ = c.SetDeadline(time.Unix(1, 0)) })
	defer stop()

	req := &http.Request{
		Method: http.MethodPost, URL: target, Host: target.Host,
		Proto: "HTTP/1.1", ProtoMajor: 1, ProtoMinor: 1,
		Header: http.Header{
			httpstream.HeaderConnection: {httpstream.HeaderUpgrade},
			httpstream.HeaderUpgrade:    {spdy.HeaderSpdy31},
		},
	}
	for _, p := range protocols {
		req.Header.Add(httpstream.HeaderProtocolVersion, p)
	}
	br := bufio.NewReader(c)
	resp, err := writeAndRead(c, br, req)
	if err != nil {
		c.Close()
		return nil, "", fmt.Errorf("upgrade to the runtime's streaming server: %w", err)
	}
	if resp.StatusCode != http.StatusSwitchingProtocols || !strings.EqualFold(resp.Header.Get(httpstream.HeaderUpgrade), spdy.HeaderSpdy31) {
		body, _ := io.ReadAll(io.LimitReader(resp.Body, 4<<10))
		resp.Body.Close()
		c.Close()
		return nil, "", fmt.Errorf("unable to upgrade connection: %s (%s)", strings.TrimSpace(string(body)), resp.Status)
	}
	if !stop() {
		c.Close()
		return nil, "", fmt.Errorf("upgrade to the runtime's streaming server: %w", context.Cause(ctx))
	}
	_ = c.SetDeadline(time.Time{})
	return &bufferedConn{Conn: c, r: br}, resp.Header.Get(httpstream.HeaderProtocolVersion), nil
}

func writeAndRead(c net.Conn, br *bufio.Reader, req *http.Request) (*http.Response, error) {
	if err := req.Write(c); err != nil {
		return nil, err
	}
	return http.ReadResponse(br, req)
}

// bufferedConn reads first what the reader of the upgrade response
// buffered past it.
type bufferedConn struct {
	net.Conn
	r *bufio.Reader
}

func (c *bufferedConn) Read(p []byte) (int, error) { return c.r.Read(p) }

// splice copies bytes between a and b, both ways, until one side ends or
// ctx does, then closes both and waits for the copies.
func splice(ctx context.Context, a, b io.ReadWriteCloser) {
	var once sync.Once
	closeBoth := func() {
		once.Do(func() {
			a.Close()
			b.Close()
		})
	}
	stop := context.AfterFunc(ctx, closeBoth)
	defer stop()
	var wg sync.WaitGroup
	wg.Add(2)
	go func() {
		defer wg.Done()
		defer closeBoth()
		_, _ = io.Copy(a, b)
	}()
	go func() {
		defer wg.Done()
		defer closeBoth()
		_, _ = io.Copy(b, a)
	}()
	wg.Wait()
}
