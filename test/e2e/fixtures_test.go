package e2e

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
)

// newNS creates a namespace named after the test on the shared server and
// returns kubectl for it with the namespace's name. Namespaces are left
// behind: the server goes when the suite ends.
func newNS(t testing.TB) (kubectl, string) {
	t.Helper()
	k := shared(t).kubectl(t)
	name := nsName(t.Name())
	k.ok("create", "namespace", name)
	return k, name
}

// nsName turns a test name into a DNS label.
func nsName(test string) string {
	s := regexp.MustCompile(`[^a-z0-9]+`).ReplaceAllString(strings.ToLower(test), "-")
	s = "e2e-" + strings.Trim(s, "-")
	if len(s) > 63 {
		s = strings.TrimRight(s[:63], "-")
	}
	return s
}

// writeFile writes content to a file in a temporary directory of t and
// returns its path.
func writeFile(t testing.TB, name, content string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, []byte(content), 0o755); err != nil {
		t.Fatal(err)
	}
	return p
}

// wantEqual fails the test when got, trimmed, is not want.
func wantEqual(t testing.TB, what, got, want string) {
	t.Helper()
	if strings.TrimSpace(got) != want {
		t.Errorf("%s = %q, want %q", what, strings.TrimSpace(got), want)
	}
}

// eventually polls check every 100ms until it returns "" (done) or the
// timeout passes, then fails the test with check's last complaint. It is
// for what controllers do in their own time.
func eventually(t testing.TB, timeout time.Duration, check func() string) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	tick := time.NewTicker(100 * time.Millisecond)
	defer tick.Stop()
	for {
		msg := check()
		if msg == "" {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("after %s: %s", timeout, msg)
		}
		<-tick.C
	}
}
