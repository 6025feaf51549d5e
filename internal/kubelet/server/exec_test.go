package server

import (
	"bytes"
	"context"
	"crypto/tls"
	"encoding/base64"
	"errors"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"golang.org/x/net/websocket"
	"k8s.io/apimachinery/pkg/util/remotecommand"
	clientremotecommand "k8s.io/client-go/tools/remotecommand"
	"k8s.io/client-go/util/exec"

	"github.com/skiff/skiff/internal/kubelet/runtime"
)

type executorFactory func(t *testing.T, ts *testServer, u *url.URL) clientremotecommand.Executor

var executors = map[string]executorFactory{
	"websocket v5": func(t *testing.T, ts *testServer, u *url.URL) clientremotecommand.Executor {
		e, err := clientremotecommand.NewWebSocketExecutor(ts.restConfig(t, APIServerUser), "GET", u.String())
		if err != nil {
			t.Fatal(err)
		}
		return e
	},
	"websocket v4": func(t *testing.T, ts *testServer, u *url.URL) clientremotecommand.Executor {
		e, err := clientremotecommand.NewWebSocketExecutorForProtocols(ts.restConfig(t, APIServerUser), "GET", u.String(), remotecommand.StreamProtocolV4Name)
		if err != nil {
			t.Fatal(err)
		}
		return e
	},
	"spdy": func(t *testing.T, ts *testServer, u *url.URL) clientremotecommand.Executor {
		e, err := clientremotecommand.NewSPDYExecutor(ts.restConfig(t, APIServerUser), "POST", u)
		if err != nil {
			t.Fatal(err)
		}
		return e
	},
}

// sizes is a TerminalSizeQueue with one size.
type sizes chan clientremotecommand.TerminalSize

func (s sizes) Next() *clientremotecommand.TerminalSize {
	size, ok := <-s
	if !ok {
		return nil
	}
	return &size
}

func TestExec(t *testing.T) {
	pods := newFakePods()
	pods.set("ns", "web", "main", ContainerInfo{ID: "c1", Running: true}, ContainerInfo{})
	ts := startServer(t, pods, newFakeRuntime(t))
	for name, newExecutor := range executors {
		t.Run(name, func(t *testing.T) {
			for _, tc := range []struct {
				name     string
				query    string
				stdin    string
				tty      bool
				stdout   string
				stderr   string
				exitCode int
			}{
				{name: "echo", query: "command=echo&command=hi&output=1&error=1", stdout: "hi\n"},
				{name: "stderr", query: "command=stderr&command=oops&output=1&error=1", stderr: "oops\n"},
				{name: "exit code", query: "command=exit&command=3&output=1&error=1", exitCode: 3},
				{name: "stdin to its end", query: "command=cat&input=1&output=1&error=1", stdin: "line 1\nline 2\n", stdout: "line 1\nline 2\n"},
				{name: "tty resize", query: "command=size&input=1&output=1&tty=1", tty: true, stdout: "120x40\n"},
				{name: "attach", query: "input=1&output=1&error=1", stdin: "to attach\n", stdout: "to attach\n"},
			} {
				if name == "websocket v4" && tc.stdin != "" {
					continue // v4 cannot tell the end of stdin; v5 added that
				}
				t.Run(tc.name, func(t *testing.T) {
					kind := "exec"
					if tc.name == "attach" {
						kind = "attach"
					}
					u, _ := url.Parse(ts.url + "/" + kind + "/ns/web/main?" + tc.query)
					var stdout, stderr bytes.Buffer
					opts := clientremotecommand.StreamOptions{Stdout: &stdout, Tty: tc.tty}
					if !tc.tty {
						opts.Stderr = &stderr
					}
					if strings.Contains(tc.query, "input=1") {
						opts.Stdin = strings.NewReader(tc.stdin)
					}
					if tc.tty {
						q := make(sizes, 1)
						q <- clientremotecommand.TerminalSize{Width: 120, Height: 40}
						defer close(q)
						opts.TerminalSizeQueue = q
					}
					ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
					defer cancel()
					err := newExecutor(t, ts, u).StreamWithContext(ctx, opts)
					var exitErr exec.CodeExitError
					switch {
					case tc.exitCode != 0 && (!errors.As(err, &exitErr) || exitErr.Code != tc.exitCode):
						t.Errorf("error %v, want exit code %d", err, tc.exitCode)
					case tc.exitCode == 0 && err != nil:
						t.Errorf("error %v", err)
					}
					if stdout.String() != tc.stdout || stderr.String() != tc.stderr {
						t.Errorf("stdout %q stderr %q, want %q %q", stdout.String(), stderr.String(), tc.stdout, tc.stderr)
					}
				})
			}
		})
	}
}

// TestExecOlderWebSocketProtocols speaks the pre-v4 channel protocols by
// hand (client-go no longer does): base64 text frames, a plain-text exit
// message on the error channel.
func TestExecOlderWebSocketProtocols(t *testing.T) {
	pods := newFakePods()
	pods.set("ns", "web", "main", ContainerInfo{ID: "c1", Running: true}, ContainerInfo{})
	ts := startServer(t, pods, newFakeRuntime(t))
	certPEM, keyPEM := ts.ca.client(t, APIServerUser)
	pair, err := tls.X509KeyPair(certPEM, keyPEM)
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		protocol, query string
		want            []string // messages, in order
	}{
		{"base64.channel.k8s.io", "command=echo&command=hi&output=1", []string{"1" + base64.StdEncoding.EncodeToString([]byte("hi\n"))}},
		{"base64.channel.k8s.io", "command=exit&command=3&output=1", []string{"3" + base64.StdEncoding.EncodeToString([]byte("command terminated with non-zero exit code: exit status 3"))}},
		{"channel.k8s.io", "command=echo&command=hi&output=1", []string{"\x01hi\n"}},
	} {
		t.Run(tc.protocol+" "+tc.query, func(t *testing.T) {
			cfg, err := websocket.NewConfig(strings.Replace(ts.url, "https", "wss", 1)+"/exec/ns/web/main?"+tc.query, "http://localhost")
			if err != nil {
				t.Fatal(err)
			}
			cfg.Protocol = []string{"unknown.k8s.io", tc.protocol}
			cfg.TlsConfig = &tls.Config{InsecureSkipVerify: true, Certificates: []tls.Certificate{pair}}
			ws, err := websocket.DialConfig(cfg)
			if err != nil {
				t.Fatal(err)
			}
			defer ws.Close()
			if got := ws.Config().Protocol; len(got) != 1 || got[0] != tc.protocol {
				t.Errorf("negotiated %v, want %s", got, tc.protocol)
			}
			_ = ws.SetDeadline(time.Now().Add(10 * time.Second))
			var got []string
			for {
				var msg []byte
				if err := websocket.Message.Receive(ws, &msg); err != nil {
					break
				}
				got = append(got, string(msg))
			}
			if strings.Join(got, "|") != strings.Join(tc.want, "|") {
				t.Errorf("messages %q, want %q", got, tc.want)
			}
		})
	}

	// No protocol the relay speaks: refused before the upgrade.
	req, _ := http.NewRequest("GET", ts.url+"/exec/ns/web/main?command=echo&output=1", nil)
	req.Header = http.Header{"Connection": {"Upgrade"}, "Upgrade": {"websocket"}, "Sec-Websocket-Protocol": {"v9.channel.k8s.io"},
		"Sec-Websocket-Version": {"13"}, "Sec-Websocket-Key": {"dGhlIHNhbXBsZSBub25jZQ=="}}
	resp, err := ts.client(t, APIServerUser).Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusBadRequest {
		t.Errorf("unsupported protocol: %d, want 400", resp.StatusCode)
	}
}

func TestExecErrors(t *testing.T) {
	pods := newFakePods()
	pods.set("ns", "web", "main", ContainerInfo{ID: "c1", Running: true}, ContainerInfo{})
	pods.set("ns", "web", "stopped", ContainerInfo{ID: "c2"}, ContainerInfo{})
	ts := startServer(t, pods, newFakeRuntime(t))
	c := ts.client(t, APIServerUser)
	for _, tc := range []struct {
		path string
		code int
		body string
	}{
		{"/exec/ns/web/main?command=echo", 400, "you must specify at least 1 of stdin, stdout, stderr"},
		{"/exec/ns/web/main?output=1", 400, "you must specify at least one command for the container"},
		{"/exec/ns/web/stopped?command=echo&output=1", 500, `container not found ("stopped")`},
		{"/exec/ns/web/nothere?command=echo&output=1", 404, `container "nothere" not found in pod "web"`},
		{"/attach/ns/web/stopped?output=1", 500, `container not found ("stopped")`},
		// Not an upgrade: the runtime's streaming server says so.
		{"/exec/ns/web/main?command=echo&output=1", 400, "unable to upgrade: missing upgrade headers in request\n"},
	} {
		code, body := get(t, c, ts.url+tc.path)
		if code != tc.code || body != tc.body {
			t.Errorf("GET %s = %d %q, want %d %q", tc.path, code, body, tc.code, tc.body)
		}
	}
}

func TestStreamOptions(t *testing.T) {
	for _, tc := range []struct {
		query string
		want  runtime.StreamOptions
		err   bool
	}{
		{"input=1&output=1&error=1", runtime.StreamOptions{Stdin: true, Stdout: true, Stderr: true}, false},
		{"stdin=true&stdout=true&stderr=true", runtime.StreamOptions{Stdin: true, Stdout: true, Stderr: true}, false},
		{"input=1&output=1&error=1&tty=1", runtime.StreamOptions{Stdin: true, Stdout: true, TTY: true}, false},
		{"output=0&error=0&tty=1", runtime.StreamOptions{}, true},
	} {
		q, _ := url.ParseQuery(tc.query)
		got, err := streamOptions(q)
		if (err != nil) != tc.err || (!tc.err && got != tc.want) {
			t.Errorf("%q = %+v, %v", tc.query, got, err)
		}
	}
}
