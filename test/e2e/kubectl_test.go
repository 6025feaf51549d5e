package e2e

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
)

// callTimeout bounds every kubectl call: a verb that hangs is a failure.
const callTimeout = 30 * time.Second

// kubectl runs the real kubectl against one server. Its methods return a
// modified copy, so a test can say k.env(...).stdin(...).run(...).
type kubectl struct {
	t          testing.TB
	kubeconfig string
	cacheDir   string
	extraEnv   []string
	input      string
	warnWant   string
	timeout    time.Duration
}

// result is what one kubectl call printed and how it exited.
type result struct {
	args   []string
	stdout string
	stderr string
	code   int
}

func (s *Server) kubectl(t testing.TB) kubectl {
	return kubectl{t: t, kubeconfig: s.Kubeconfig, cacheDir: filepath.Join(s.opts.Dir, "kube-cache"), timeout: callTimeout}
}

func (k kubectl) env(kv ...string) kubectl {
	k.extraEnv = append(append([]string(nil), k.extraEnv...), kv...)
	return k
}

func (k kubectl) stdin(s string) kubectl { k.input = s; return k }

// on returns kubectl reporting to t, for use inside a subtest.
func (k kubectl) on(t testing.TB) kubectl { k.t = t; return k }

// expectWarning is for the calls where Kubernetes too makes kubectl warn:
// the call must print a warning containing fragment, and no other.
func (k kubectl) expectWarning(fragment string) kubectl { k.warnWant = fragment; return k }

func (k kubectl) withTimeout(d time.Duration) kubectl { k.timeout = d; return k }

// run calls kubectl and fails the test if it timed out or printed a
// warning it should not have; the exit code is the caller's to check.
func (k kubectl) run(args ...string) result {
	k.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), k.timeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, "kubectl", args...)
	cmd.Env = k.environ()
	cmd.Stdin = strings.NewReader(k.input)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	r := result{args: args, stdout: stdout.String(), stderr: stderr.String()}
	var exit *exec.ExitError
	switch {
	case ctx.Err() != nil:
		k.t.Fatalf("kubectl %s: no answer within %s\nstdout:\n%s\nstderr:\n%s", strings.Join(args, " "), k.timeout, r.stdout, r.stderr)
	case errors.As(err, &exit):
		r.code = exit.ExitCode()
	case err != nil:
		k.t.Fatalf("kubectl %s: %v", strings.Join(args, " "), err)
	}
	k.checkWarnings(args, r.stderr)
	return r
}

// checkWarnings fails the test for every warning but the expected one,
// and when the expected one is missing.
func (k kubectl) checkWarnings(args []string, stderr string) {
	k.t.Helper()
	seen := false
	for _, w := range warnings(stderr) {
		if k.warnWant != "" && strings.Contains(w, k.warnWant) {
			seen = true
			continue
		}
		k.t.Errorf("kubectl %s: unexpected warning: %s", strings.Join(args, " "), w)
	}
	if k.warnWant != "" && !seen {
		k.t.Errorf("kubectl %s: no warning with %q; stderr:\n%s", strings.Join(args, " "), k.warnWant, stderr)
	}
}

// ok runs kubectl, requires exit 0, and returns stdout.
func (k kubectl) ok(args ...string) string {
	k.t.Helper()
	r := k.run(args...)
	if r.code != 0 {
		k.t.Fatalf("kubectl %s: exit %d\nstdout:\n%s\nstderr:\n%s", strings.Join(args, " "), r.code, r.stdout, r.stderr)
	}
	return r.stdout
}

// fail runs kubectl and requires a non-zero exit.
func (k kubectl) fail(args ...string) result {
	k.t.Helper()
	r := k.run(args...)
	if r.code == 0 {
		k.t.Fatalf("kubectl %s: exit 0, want a failure\nstdout:\n%s\nstderr:\n%s", strings.Join(args, " "), r.stdout, r.stderr)
	}
	return r
}

// environ is the caller's environment with kubectl pointed at the server
// and at a discovery cache of the server's own.
func (k kubectl) environ() []string {
	var env []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "KUBECONFIG=") && !strings.HasPrefix(kv, "KUBECACHEDIR=") && !strings.HasPrefix(kv, "KUBE_EDITOR=") {
			env = append(env, kv)
		}
	}
	return append(env, append([]string{"KUBECONFIG=" + k.kubeconfig, "KUBECACHEDIR=" + k.cacheDir}, k.extraEnv...)...)
}

// warningLine matches what kubectl prints when a server sent a Warning
// header ("Warning: ...") or when its own klog reports a problem
// ("E0102 15:04:05.000000 ..." or "W0102 ..."), and the version-skew notice.
var warningLine = regexp.MustCompile(`(?i)^(warning:|[ew]\d{4} \d\d:\d\d:\d\d)`)

func warnings(stderr string) []string {
	var out []string
	for _, line := range strings.Split(stderr, "\n") {
		if warningLine.MatchString(strings.TrimSpace(line)) {
			out = append(out, line)
		}
	}
	return out
}

// watch is a running `kubectl get -w` whose output lines arrive on a
// channel.
type watch struct {
	t     testing.TB
	lines chan string
	seen  []string
}

// watch starts kubectl with args (which should include -w) and stops it
// when the test ends.
func (k kubectl) watch(args ...string) *watch {
	k.t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	cmd := exec.CommandContext(ctx, "kubectl", args...)
	cmd.Env = k.environ()
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.StdoutPipe()
	if err != nil {
		k.t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		k.t.Fatalf("start kubectl %s: %v", strings.Join(args, " "), err)
	}
	w := &watch{t: k.t, lines: make(chan string, 100)}
	go readLines(out, w.lines)
	k.t.Cleanup(func() {
		cancel()
		for range w.lines { // drain, so the reader can finish
		}
		_ = cmd.Wait()
		k.checkWarnings(args, stderr.String())
	})
	return w
}

func readLines(r io.Reader, lines chan<- string) {
	defer close(lines)
	sc := bufio.NewScanner(r)
	for sc.Scan() {
		lines <- sc.Text()
	}
}

// waitFor reads lines until one contains every fragment, failing the test
// if none does within the timeout or the watch ends first.
func (w *watch) waitFor(timeout time.Duration, fragments ...string) string {
	w.t.Helper()
	deadline := time.NewTimer(timeout)
	defer deadline.Stop()
	for {
		select {
		case line, open := <-w.lines:
			if !open {
				w.t.Fatalf("watch ended before a line with %q; it printed:\n%s", fragments, strings.Join(w.seen, "\n"))
			}
			w.seen = append(w.seen, line)
			if containsAll(line, fragments...) {
				return line
			}
		case <-deadline.C:
			w.t.Fatalf("no watch line with %q within %s; it printed:\n%s", fragments, timeout, strings.Join(w.seen, "\n"))
		}
	}
}

func containsAll(s string, fragments ...string) bool {
	for _, f := range fragments {
		if !strings.Contains(s, f) {
			return false
		}
	}
	return true
}

// wantAll fails the test for each fragment that out lacks.
func wantAll(t testing.TB, what, out string, fragments ...string) {
	t.Helper()
	for _, f := range fragments {
		if !strings.Contains(out, f) {
			t.Errorf("%s: missing %q in:\n%s", what, f, out)
		}
	}
}
