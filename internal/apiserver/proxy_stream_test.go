package apiserver

import (
	"bufio"
	"context"
	"crypto/tls"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"k8s.io/apimachinery/pkg/util/httpstream"
	"k8s.io/apimachinery/pkg/util/httpstream/spdy"
	"k8s.io/apimachinery/pkg/util/httpstream/wsstream"
	"k8s.io/client-go/tools/remotecommand"
)

// Upgrades through the proxy: client-go's own executors (SPDY and
// WebSocket, as kubectl uses them) against the server, whose fake agent
// speaks just enough of each protocol; and a raw upgrade for
// port-forward, checking the 101 relay byte for byte.

// agentStreams runs exec over whichever protocol the request asks for:
// it reads stdin to its end and answers on stdout.
func agentStreams(w http.ResponseWriter, r *http.Request) {
	switch {
	case strings.HasPrefix(r.URL.Path, "/portForward/"):
		rawEcho(w, r)
	case wsstream.IsWebSocketRequest(r):
		websocketExec(w, r)
	default:
		spdyExec(w, r)
	}
}

func execReply(r *http.Request, stdin []byte) string {
	return fmt.Sprintf("%s %q stdin=%q", r.URL.Path, r.URL.Query()["command"], stdin)
}

func spdyExec(w http.ResponseWriter, r *http.Request) {
	if _, err := httpstream.Handshake(r, w, []string{"v4.channel.k8s.io"}); err != nil {
		return
	}
	streams := make(chan httpstream.Stream, 8)
	conn := spdy.NewResponseUpgrader().UpgradeResponse(w, r, func(s httpstream.Stream, _ <-chan struct{}) error {
		streams <- s
		return nil
	})
	if conn == nil {
		return
	}
	defer conn.Close()
	byType := map[string]httpstream.Stream{}
	for len(byType) < 4 { // error, stdin, stdout, stderr
		select {
		case s := <-streams:
			byType[s.Headers().Get("streamType")] = s
		case <-time.After(10 * time.Second):
			return
		}
	}
	in, _ := io.ReadAll(byType["stdin"])
	io.WriteString(byType["stdout"], execReply(r, in))
	byType["stdout"].Close()
	byType["stderr"].Close()
	byType["error"].Close() // nothing on the error stream: success
}

func websocketExec(w http.ResponseWriter, r *http.Request) {
	rw := []wsstream.ChannelType{wsstream.ReadChannel, wsstream.WriteChannel, wsstream.WriteChannel, wsstream.WriteChannel, wsstream.ReadChannel}
	conn := wsstream.NewConn(map[string]wsstream.ChannelProtocolConfig{"v5.channel.k8s.io": {Binary: true, Channels: rw}})
	_, channels, err := conn.Open(w, r)
	if err != nil {
		return
	}
	defer conn.Close()
	in, _ := io.ReadAll(channels[0]) // v5 closes stdin with a CLOSE frame
	io.WriteString(channels[1], execReply(r, in))
	io.WriteString(channels[3], `{"metadata":{},"status":"Success"}`)
}

// rawEcho switches to protocol "test-echo" and echoes lines back.
func rawEcho(w http.ResponseWriter, r *http.Request) {
	conn, buf, err := http.NewResponseController(w).Hijack()
	if err != nil {
		return
	}
	defer conn.Close()
	fmt.Fprintf(buf, "HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\nUpgrade: test-echo\r\nX-Agent-URI: %s\r\n\r\n", r.URL.RequestURI())
	buf.Flush()
	for {
		line, err := buf.ReadString('\n')
		if err != nil {
			return
		}
		buf.WriteString("echo " + line)
		buf.Flush()
	}
}

func TestProxyExecStreams(t *testing.T) {
	ts, ag := proxyFixture(t, agentStreams)
	u, _ := url.Parse(ts.srv.URL + "/api/v1/namespaces/ns/pods/web/exec?command=cat&command=-n&stdin=true&stdout=true&stderr=true")
	spdyExec, err := remotecommand.NewSPDYExecutor(ts.rest, "POST", u)
	if err != nil {
		t.Fatal(err)
	}
	wsExec, err := remotecommand.NewWebSocketExecutor(ts.rest, "GET", u.String())
	if err != nil {
		t.Fatal(err)
	}
	for name, exec := range map[string]remotecommand.Executor{"spdy": spdyExec, "websocket": wsExec} {
		t.Run(name, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			var stdout, stderr strings.Builder
			err := exec.StreamWithContext(ctx, remotecommand.StreamOptions{
				Stdin: strings.NewReader("hello\n"), Stdout: &stdout, Stderr: &stderr,
			})
			if err != nil {
				t.Fatalf("stream: %v (stderr %q)", err, stderr.String())
			}
			if want := `/exec/ns/web/c ["cat" "-n"] stdin="hello\n"`; stdout.String() != want {
				t.Errorf("stdout %q, want %q", stdout.String(), want)
			}
			if got := ag.last(t).URL.Query().Encode(); got != "command=cat&command=-n&error=1&input=1&output=1" {
				t.Errorf("agent query %s", got)
			}
		})
	}
}

// TestProxyRawUpgrade: the agent's 101 and every byte after it reach the
// client unchanged, in both directions.
func TestProxyRawUpgrade(t *testing.T) {
	ts, _ := proxyFixture(t, agentStreams)
	certPEM, keyPEM := ts.bundle.AdminCert()
	cert, err := tls.X509KeyPair(certPEM, keyPEM)
	if err != nil {
		t.Fatal(err)
	}
	conn, err := tls.Dial("tcp", ts.srv.Listener.Addr().String(), &tls.Config{
		Certificates: []tls.Certificate{cert}, RootCAs: ts.bundle.ClientCertPool(), ServerName: "localhost", NextProtos: []string{"http/1.1"},
	})
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	conn.SetDeadline(time.Now().Add(20 * time.Second))
	fmt.Fprintf(conn, "POST /api/v1/namespaces/ns/pods/web/portforward?ports=8080,9090 HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: test-echo\r\nContent-Length: 0\r\n\r\n")
	br := bufio.NewReader(conn)
	resp, err := http.ReadResponse(br, nil)
	if err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != http.StatusSwitchingProtocols || resp.Header.Get("Upgrade") != "test-echo" {
		t.Fatalf("got %s %v", resp.Status, resp.Header)
	}
	if got := resp.Header.Get("X-Agent-URI"); got != "/portForward/ns/web?port=8080%2C9090" {
		t.Errorf("agent saw %s", got)
	}
	for _, msg := range []string{"one\n", "two\n"} {
		io.WriteString(conn, msg)
		line, err := br.ReadString('\n')
		if err != nil {
			t.Fatal(err)
		}
		if line != "echo "+msg {
			t.Errorf("got %q", line)
		}
	}
}
