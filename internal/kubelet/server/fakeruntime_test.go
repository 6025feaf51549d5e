package server

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/httpstream"
	"k8s.io/apimachinery/pkg/util/httpstream/spdy"
	"k8s.io/apimachinery/pkg/util/remotecommand"

	"github.com/skiff/skiff/internal/kubelet/runtime"
)

// fakeRuntime stands in for containerd's CRI streaming: Exec, Attach and
// PortForward return single-use URLs of a SPDY server that runs a few
// built-in commands and echoes port-forward data.
type fakeRuntime struct {
	srv     *httptest.Server
	mu      sync.Mutex
	next    int
	pending map[string]fakeRequest
}

type fakeRequest struct {
	cmd  []string // exec; nil for attach
	opts runtime.StreamOptions
	pf   bool
}

func newFakeRuntime(t *testing.T) *fakeRuntime {
	f := &fakeRuntime{pending: map[string]fakeRequest{}}
	f.srv = httptest.NewServer(http.HandlerFunc(f.serve))
	t.Cleanup(f.srv.Close)
	return f
}

func (f *fakeRuntime) add(kind string, r fakeRequest) string {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.next++
	tok := strconv.Itoa(f.next)
	f.pending[tok] = r
	return f.srv.URL + "/" + kind + "/" + tok
}

func (f *fakeRuntime) Exec(_ context.Context, id string, cmd []string, o runtime.StreamOptions) (string, error) {
	return f.add("exec", fakeRequest{cmd: cmd, opts: o}), nil
}

func (f *fakeRuntime) Attach(_ context.Context, id string, o runtime.StreamOptions) (string, error) {
	return f.add("attach", fakeRequest{cmd: []string{"cat"}, opts: o}), nil
}

func (f *fakeRuntime) PortForward(_ context.Context, sandbox string, ports []int32) (string, error) {
	return f.add("portforward", fakeRequest{pf: true}), nil
}

func (f *fakeRuntime) serve(w http.ResponseWriter, r *http.Request) {
	tok := r.URL.Path[strings.LastIndex(r.URL.Path, "/")+1:]
	f.mu.Lock()
	req, ok := f.pending[tok]
	delete(f.pending, tok)
	f.mu.Unlock()
	if !ok {
		http.Error(w, "unknown token", http.StatusNotFound)
		return
	}
	protocols := []string{remotecommand.StreamProtocolV4Name, remotecommand.StreamProtocolV3Name}
	if req.pf {
		protocols = []string{"portforward.k8s.io"}
	}
	if !httpstream.IsUpgradeRequest(r) {
		http.Error(w, "unable to upgrade: missing upgrade headers in request", http.StatusBadRequest)
		return
	}
	proto, err := httpstream.Handshake(r, w, protocols)
	if err != nil {
		return // Handshake answered
	}
	streams := make(chan httpstream.Stream, 16)
	// A stream counts once its reply is sent, as in the kubelet's server:
	// closing the connection before that would reset it under the client.
	conn := spdy.NewResponseUpgrader().UpgradeResponse(w, r, func(s httpstream.Stream, replySent <-chan struct{}) error {
		go func() {
			<-replySent
			streams <- s
		}()
		return nil
	})
	if conn == nil {
		return
	}
	defer conn.Close()
	if req.pf {
		servePortForward(conn, streams)
		return
	}
	serveExec(req, proto, streams)
}

// servePortForward echoes each data stream back, upper-cased, so a test
// sees the bytes went through the fake; then it closes the request's error
// stream, which tells the client the request is over.
func servePortForward(conn httpstream.Connection, streams <-chan httpstream.Stream) {
	var wg sync.WaitGroup
	defer wg.Wait()
	var mu sync.Mutex
	errs := map[string]httpstream.Stream{}
	done := map[string]bool{}
	finish := func(id string) {
		mu.Lock()
		defer mu.Unlock()
		if e, ok := errs[id]; ok && done[id] {
			e.Close()
		}
	}
	for {
		select {
		case s := <-streams:
			id := s.Headers().Get(corev1.PortForwardRequestIDHeader)
			if s.Headers().Get(corev1.StreamType) == corev1.StreamTypeError {
				mu.Lock()
				errs[id] = s
				mu.Unlock()
				finish(id)
				continue
			}
			wg.Add(1)
			go func() {
				defer wg.Done()
				b, _ := io.ReadAll(s)
				_, _ = s.Write([]byte(strings.ToUpper(string(b))))
				s.Close()
				mu.Lock()
				done[id] = true
				mu.Unlock()
				finish(id)
			}()
		case <-conn.CloseChan():
			return
		}
	}
}

// serveExec runs a built-in command over the streams the options ask for:
// "echo args...", "cat" (stdin to stdout), "exit N", "size" (the first
// terminal size), "stderr text".
func serveExec(req fakeRequest, proto string, streams <-chan httpstream.Stream) {
	want := 1
	for _, on := range []bool{req.opts.Stdin, req.opts.Stdout, req.opts.Stderr, req.opts.TTY} {
		if on {
			want++
		}
	}
	byType := map[string]httpstream.Stream{}
	timeout := time.After(10 * time.Second)
	for len(byType) < want {
		select {
		case s := <-streams:
			byType[s.Headers().Get(corev1.StreamType)] = s
		case <-timeout:
			return
		}
	}
	stdout, stderr := byType[corev1.StreamTypeStdout], byType[corev1.StreamTypeStderr]
	code := 0
	switch req.cmd[0] {
	case "echo":
		fmt.Fprintln(stdout, strings.Join(req.cmd[1:], " "))
	case "stderr":
		fmt.Fprintln(stderr, strings.Join(req.cmd[1:], " "))
	case "cat":
		_, _ = io.Copy(stdout, byType[corev1.StreamTypeStdin])
	case "exit":
		code, _ = strconv.Atoi(req.cmd[1])
	case "size":
		var size struct{ Width, Height uint16 }
		if err := json.NewDecoder(byType[corev1.StreamTypeResize]).Decode(&size); err != nil {
			code = 99
		}
		fmt.Fprintf(stdout, "%dx%d\n", size.Width, size.Height)
	}
	errs := byType[corev1.StreamTypeError]
	switch {
	case proto == remotecommand.StreamProtocolV4Name && code == 0:
		_ = json.NewEncoder(errs).Encode(metav1.Status{Status: metav1.StatusSuccess})
	case proto == remotecommand.StreamProtocolV4Name:
		_ = json.NewEncoder(errs).Encode(metav1.Status{
			Status: metav1.StatusFailure, Reason: remotecommand.NonZeroExitCodeReason,
			Message: fmt.Sprintf("command terminated with non-zero exit code: exit status %d", code),
			Details: &metav1.StatusDetails{Causes: []metav1.StatusCause{{Type: remotecommand.ExitCodeCauseType, Message: strconv.Itoa(code)}}},
		})
	case code != 0:
		fmt.Fprintf(errs, "command terminated with non-zero exit code: exit status %d", code)
	}
}
