package server

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// appendLog writes CRI log entries for lines (all stdout, whole lines).
func appendLog(t *testing.T, path string, lines ...string) {
	t.Helper()
	f, err := os.OpenFile(path, os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o644)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	for _, l := range lines {
		ts := time.Now().UTC().Format("2006-01-02T15:04:05.000000000Z07:00")
		if _, err := fmt.Fprintf(f, "%s stdout F %s\n", ts, l); err != nil {
			t.Fatal(err)
		}
	}
}

// get returns the answer's code and body, or for an error its Status
// message, checking the Status agrees with the code.
func get(t *testing.T, c *http.Client, url string) (int, string) {
	t.Helper()
	resp, err := c.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	if resp.Header.Get("Content-Type") != "application/json" {
		return resp.StatusCode, string(b)
	}
	var st metav1.Status
	if err := json.Unmarshal(b, &st); err != nil || st.Kind != "Status" || st.Status != metav1.StatusFailure || int(st.Code) != resp.StatusCode || st.Reason == "" {
		t.Errorf("GET %s: %d with body %s, not a matching Status (%v)", url, resp.StatusCode, b, err)
	}
	return resp.StatusCode, st.Message
}

func TestContainerLogs(t *testing.T) {
	dir := t.TempDir()
	cur, prev := filepath.Join(dir, "1.log"), filepath.Join(dir, "0.log")
	appendLog(t, prev, "old")
	appendLog(t, cur, "one", "two", "three")
	pods := newFakePods()
	pods.set("ns", "web", "main", ContainerInfo{ID: "c1", LogPath: cur}, ContainerInfo{ID: "c0", LogPath: prev})
	pods.set("ns", "web", "fresh", ContainerInfo{ID: "c2", LogPath: cur, Running: true}, ContainerInfo{})
	pods.set("ns", "web", "creating", ContainerInfo{}, ContainerInfo{})
	pods.set("ns", "web", "gone", ContainerInfo{ID: "c3", LogPath: filepath.Join(dir, "nope.log")}, ContainerInfo{})
	ts := startServer(t, pods, newFakeRuntime(t))
	c := ts.client(t, APIServerUser)

	for _, tc := range []struct {
		path string
		code int
		want string // body, or its prefix for "timestamps"
	}{
		{"/containerLogs/ns/web/main", 200, "one\ntwo\nthree\n"},
		{"/containerLogs/ns/web/main?tailLines=2", 200, "two\nthree\n"},
		{"/containerLogs/ns/web/main?limitBytes=6", 200, "one\ntw"},
		{"/containerLogs/ns/web/main?previous=true", 200, "old\n"},
		{"/containerLogs/ns/web/main?sinceTime=2999-01-01T00:00:00Z", 200, ""},
		{"/containerLogs/ns/web/main?follow=true&tailLines=1", 200, "three\n"}, // not running: no following
		{"/containerLogs/ns/web/fresh?previous=true", 400, `previous terminated container "fresh" in pod "web" not found`},
		{"/containerLogs/ns/web/creating", 400, `container "creating" in pod "web" is waiting to start: ContainerCreating`},
		{"/containerLogs/ns/web/nothere", 404, `container "nothere" not found in pod "web"`},
		{"/containerLogs/ns/web/gone", 400, `failed to open log file "` + filepath.Join(dir, "nope.log") + `": open ` + filepath.Join(dir, "nope.log") + `: no such file or directory`},
		{"/containerLogs/ns/web/main?tailLines=-1", 422, "invalid request: tailLines must be greater than or equal to 0"},
	} {
		code, body := get(t, c, ts.url+tc.path)
		if code != tc.code || body != tc.want {
			t.Errorf("GET %s = %d %q, want %d %q", tc.path, code, body, tc.code, tc.want)
		}
	}

	_, body := get(t, c, ts.url+"/containerLogs/ns/web/main?timestamps=true&tailLines=1")
	stamp, text, _ := strings.Cut(body, " ")
	if _, err := time.Parse(time.RFC3339Nano, stamp); err != nil || text != "three\n" {
		t.Errorf("timestamps: %q (%v)", body, err)
	}
}

// TestFollowLogs follows a log as it grows, across a rotation, until the
// container stops; and a follower whose client leaves is let go.
func TestFollowLogs(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "0.log")
	appendLog(t, path, "first")
	pods := newFakePods()
	running := ContainerInfo{ID: "c1", LogPath: path, Running: true}
	pods.set("ns", "web", "main", running, ContainerInfo{})
	ts := startServer(t, pods, newFakeRuntime(t))
	c := ts.client(t, APIServerUser)

	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, "GET", ts.url+"/containerLogs/ns/web/main?follow=true", nil)
	resp, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	lines := bufio.NewScanner(resp.Body)
	expect := func(want string) {
		t.Helper()
		if !lines.Scan() || lines.Text() != want {
			t.Fatalf("next followed line = %q (%v), want %q", lines.Text(), lines.Err(), want)
		}
	}
	expect("first")
	appendLog(t, path, "second")
	expect("second")

	// Rotation: the file is renamed and a new one takes its path.
	if err := os.Rename(path, path+".20240501"); err != nil {
		t.Fatal(err)
	}
	appendLog(t, path+".20240501", "last of the old file")
	appendLog(t, path, "new file")
	expect("last of the old file")
	expect("new file")

	// The container stops after writing one more line: the stream ends
	// after it.
	appendLog(t, path, "goodbye")
	pods.set("ns", "web", "main", ContainerInfo{ID: "c1", LogPath: path}, ContainerInfo{})
	expect("goodbye")
	if lines.Scan() {
		t.Errorf("line after the container stopped: %q", lines.Text())
	}
	if err := lines.Err(); err != nil {
		t.Errorf("stream did not end cleanly: %v", err)
	}

	// A follower that goes away: the server lets go (startServer's
	// cleanup fails if a handler is still running).
	pods.set("ns", "web", "main", running, ContainerInfo{})
	ctx2, cancel2 := context.WithCancel(ctx)
	req, _ = http.NewRequestWithContext(ctx2, "GET", ts.url+"/containerLogs/ns/web/main?follow=true&tailLines=0", nil)
	resp2, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	cancel2()
	_, _ = io.Copy(io.Discard, resp2.Body)
	resp2.Body.Close()
}
