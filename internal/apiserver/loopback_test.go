package apiserver

import (
	"bufio"
	"context"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"testing"
	"time"
)

func loopbackGet(t *testing.T, h http.HandlerFunc, ctx context.Context) (*http.Response, error) {
	t.Helper()
	l := newLoopback(h, slog.New(slog.DiscardHandler), userInfo{name: "tester", groups: []string{"g"}})
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, "https://server.test/api/v1/pods?watch=true", nil)
	if err != nil {
		t.Fatal(err)
	}
	return l.RoundTrip(req)
}

// TestLoopbackResponses checks what a client of the in-process transport
// sees for the ways a handler can answer: status, headers, whole bodies,
// the identity the handler is given, and a handler that panics.
func TestLoopbackResponses(t *testing.T) {
	big := strings.Repeat("x", 3*maxUnsent)
	tests := []struct {
		name     string
		h        http.HandlerFunc
		code     int
		body     string
		wantErr  bool // RoundTrip fails
		readFail bool // reading the body fails
	}{
		{"status and body", func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "text/plain")
			w.WriteHeader(http.StatusCreated)
			io.WriteString(w, "made")
		}, http.StatusCreated, "made", false, false},
		{"implicit 200", func(w http.ResponseWriter, r *http.Request) {
			io.WriteString(w, "a")
			io.WriteString(w, "b")
		}, http.StatusOK, "ab", false, false},
		{"no body", func(w http.ResponseWriter, r *http.Request) {
			w.WriteHeader(http.StatusNoContent)
		}, http.StatusNoContent, "", false, false},
		{"identity and request line", func(w http.ResponseWriter, r *http.Request) {
			u, ok := tokenUser(r)
			if !ok || u.name != "tester" || r.RequestURI != "/api/v1/pods?watch=true" || r.Body == nil || r.TLS != nil {
				w.WriteHeader(http.StatusUnauthorized)
				return
			}
			io.WriteString(w, u.name)
		}, http.StatusOK, "tester", false, false},
		{"larger than the unsent limit", func(w http.ResponseWriter, r *http.Request) {
			io.WriteString(w, big)
		}, http.StatusOK, big, false, false},
		{"panic before headers", func(w http.ResponseWriter, r *http.Request) {
			panic("boom")
		}, 0, "", true, false},
		{"panic after headers", func(w http.ResponseWriter, r *http.Request) {
			io.WriteString(w, "part")
			w.(http.Flusher).Flush()
			panic("boom")
		}, http.StatusOK, "part", false, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp, err := loopbackGet(t, tt.h, context.Background())
			if tt.wantErr {
				if err == nil {
					t.Fatalf("RoundTrip succeeded with %d, want an error", resp.StatusCode)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			if resp.StatusCode != tt.code {
				t.Errorf("status %d, want %d", resp.StatusCode, tt.code)
			}
			body, err := io.ReadAll(resp.Body)
			if tt.readFail != (err != nil) {
				t.Fatalf("read error %v, want failure %v", err, tt.readFail)
			}
			if string(body) != tt.body {
				t.Errorf("body of %d bytes, want %d", len(body), len(tt.body))
			}
		})
	}
}

// TestLoopbackStreams checks a watch-like response: headers arrive at the
// first flush while the handler keeps writing, and closing the body ends
// the handler's context and fails its next write, as a dropped connection
// would.
func TestLoopbackStreams(t *testing.T) {
	ended := make(chan error, 1)
	h := func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusOK)
		w.(http.Flusher).Flush()
		io.WriteString(w, "event 1\n")
		<-r.Context().Done()
		_, err := io.WriteString(w, "event 2\n")
		ended <- err
	}
	resp, err := loopbackGet(t, h, context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if resp.ContentLength != -1 {
		t.Errorf("streaming response has length %d, want -1", resp.ContentLength)
	}
	line, err := bufio.NewReader(resp.Body).ReadString('\n')
	if err != nil || line != "event 1\n" {
		t.Fatalf("first event %q, %v", line, err)
	}
	resp.Body.Close()
	select {
	case err := <-ended:
		if !errors.Is(err, http.ErrAbortHandler) {
			t.Errorf("write after close: %v, want ErrAbortHandler", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("the handler's context did not end when the body was closed")
	}
}

// TestLoopbackCancel checks that a request cancelled before the handler
// answers returns the context's error and ends the handler.
func TestLoopbackCancel(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	stopped := make(chan struct{})
	h := func(w http.ResponseWriter, r *http.Request) {
		cancel()
		<-r.Context().Done()
		close(stopped)
	}
	if _, err := loopbackGet(t, h, ctx); !errors.Is(err, context.Canceled) {
		t.Fatalf("RoundTrip: %v, want context.Canceled", err)
	}
	select {
	case <-stopped:
	case <-time.After(10 * time.Second):
		t.Fatal("handler still running after the request was cancelled")
	}
}
