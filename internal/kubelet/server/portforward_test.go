package server

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/httpstream"
	"k8s.io/client-go/tools/portforward"
	"k8s.io/client-go/transport/spdy"
)

// forward runs a client-go port forwarder through dialer to a free local
// port and returns that port; it stops when the test ends.
func forward(t *testing.T, dialer httpstream.Dialer, remote int) int {
	t.Helper()
	stop, ready := make(chan struct{}), make(chan struct{})
	pf, err := portforward.NewOnAddresses(dialer, []string{"127.0.0.1"}, []string{fmt.Sprintf("0:%d", remote)}, stop, ready, io.Discard, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- pf.ForwardPorts() }()
	t.Cleanup(func() {
		close(stop)
		if err := <-done; err != nil {
			t.Errorf("ForwardPorts: %v", err)
		}
	})
	select {
	case <-ready:
	case err := <-done:
		t.Fatalf("port forward failed: %v", err)
	case <-time.After(15 * time.Second):
		t.Fatal("port forward not ready in 15s")
	}
	ports, err := pf.GetPorts()
	if err != nil {
		t.Fatal(err)
	}
	return int(ports[0].Local)
}

func spdyDialer(t *testing.T, ts *testServer, u *url.URL) httpstream.Dialer {
	t.Helper()
	rt, upgrader, err := spdy.RoundTripperFor(ts.restConfig(t, APIServerUser))
	if err != nil {
		t.Fatal(err)
	}
	return spdy.NewDialer(upgrader, &http.Client{Transport: rt}, "POST", u)
}

func tunnelDialer(t *testing.T, ts *testServer, u *url.URL) httpstream.Dialer {
	t.Helper()
	d, err := portforward.NewSPDYOverWebsocketDialer(u, ts.restConfig(t, APIServerUser))
	if err != nil {
		t.Fatal(err)
	}
	return d
}

func TestPortForward(t *testing.T) {
	pods := newFakePods()
	pods.setSandbox("ns", "web", "sandbox-1")
	ts := startServer(t, pods, newFakeRuntime(t))
	u, _ := url.Parse(ts.url + "/portForward/ns/web")
	for name, dialer := range map[string]func(*testing.T, *testServer, *url.URL) httpstream.Dialer{
		"spdy":             spdyDialer,
		"websocket tunnel": tunnelDialer,
	} {
		t.Run(name, func(t *testing.T) {
			port := forward(t, dialer(t, ts, u), 8080)
			for i := range 2 { // two connections over one forwarding session
				c, err := net.DialTimeout("tcp", fmt.Sprintf("127.0.0.1:%d", port), 5*time.Second)
				if err != nil {
					t.Fatal(err)
				}
				_ = c.SetDeadline(time.Now().Add(10 * time.Second))
				msg := fmt.Sprintf("hello %d", i)
				if _, err := c.Write([]byte(msg)); err != nil {
					t.Fatal(err)
				}
				_ = c.(*net.TCPConn).CloseWrite()
				got, err := io.ReadAll(c)
				c.Close()
				if err != nil || string(got) != strings.ToUpper(msg) {
					t.Errorf("connection %d echoed %q, %v; want %q", i, got, err, strings.ToUpper(msg))
				}
			}
		})
	}
}

func TestPortForwardErrors(t *testing.T) {
	pods := newFakePods()
	pods.setSandbox("ns", "web", "sandbox-1")
	ts := startServer(t, pods, newFakeRuntime(t))
	c := ts.client(t, APIServerUser)
	for _, tc := range []struct {
		name   string
		path   string
		header http.Header
		code   int
		body   string
	}{
		{"no pod", "/portForward/ns/nothere", nil, 404, `pod "nothere" does not exist`},
		{"bad port", "/portForward/ns/web?port=http", nil, 400, `unable to parse "http" as a port: must be a number between 1 and 65535`},
		{"websocket without a port", "/portForward/ns/web", http.Header{
			"Connection": {"Upgrade"}, "Upgrade": {"websocket"}, "Sec-Websocket-Protocol": {"v4.portforward.k8s.io"},
			"Sec-Websocket-Version": {"13"}, "Sec-Websocket-Key": {"dGhlIHNhbXBsZSBub25jZQ=="},
		}, 400, `query parameter "port" is required`},
		{"not an upgrade", "/portForward/ns/web", nil, 400, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			req, _ := http.NewRequestWithContext(ctx, "GET", ts.url+tc.path, nil)
			for k, v := range tc.header {
				req.Header[k] = v
			}
			resp, err := c.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			b, _ := io.ReadAll(resp.Body)
			var st metav1.Status
			if json.Unmarshal(b, &st) == nil && st.Kind == "Status" {
				b = []byte(st.Message)
			}
			if resp.StatusCode != tc.code || (tc.body != "" && string(b) != tc.body) {
				t.Errorf("GET %s = %d %q, want %d %q", tc.path, resp.StatusCode, b, tc.code, tc.body)
			}
		})
	}
}
