package e2e

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"os"
	"os/exec"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/skiff/skiff/internal/images/imagetest"
)

// skiffCmd runs the skiff binary with extra environment and returns its
// stdout, failing the test when it fails.
func skiffCmd(t testing.TB, env []string, args ...string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, e2e.bin, args...)
	cmd.Env = append(os.Environ(), env...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("skiff %s: %v\n%s%s", strings.Join(args, " "), err, stdout.String(), stderr.String())
	}
	return stdout.String()
}

// TestImagePushAndList pushes a busybox docker-archive with the
// kubeconfig from $KUBECONFIG, as a user would, and finds it listed.
func TestImagePushAndList(t *testing.T) {
	s := shared(t)
	tarball := imagetest.BuildBusybox(t, t.TempDir())
	out := skiffCmd(t, []string{"KUBECONFIG=" + s.Kubeconfig}, "image", "push", tarball)
	m := regexp.MustCompile(`^pushed docker\.io/library/busybox:1\.36 (sha256:[a-f0-9]{64})\n$`).FindStringSubmatch(out)
	if m == nil {
		t.Fatalf("push printed %q, want one line: pushed docker.io/library/busybox:1.36 sha256:...", out)
	}
	list := skiffCmd(t, nil, "image", "ls", "--kubeconfig", s.Kubeconfig)
	lines := strings.Split(strings.TrimSpace(list), "\n")
	if fields := strings.Fields(lines[0]); strings.Join(fields, " ") != "NAME TAG DIGEST SIZE" {
		t.Errorf("ls header %q, want NAME TAG DIGEST SIZE", lines[0])
	}
	row := regexp.MustCompile(`(?m)^docker\.io/library/busybox\s+1\.36\s+` + m[1] + `\s+[0-9.]+[kM]B$`)
	if !row.MatchString(list) {
		t.Errorf("ls output has no row for the pushed image %s:\n%s", m[1], list)
	}
	// Pushing again changes nothing.
	again := skiffCmd(t, []string{"KUBECONFIG=" + s.Kubeconfig}, "image", "push", tarball, "--name", "busybox:1.36")
	if again != out {
		t.Errorf("second push printed %q, want %q", again, out)
	}
}

// TestImageRegistryNeedsCertificate: the registry on the API server's
// port answers a client without a certificate 401, in its own format.
func TestImageRegistryNeedsCertificate(t *testing.T) {
	s := shared(t)
	resp, err := anonymousClient(t, s).Get(s.URL() + "/v2/_catalog")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusUnauthorized || !strings.Contains(string(body), `"code":"UNAUTHORIZED"`) {
		t.Errorf("anonymous GET /v2/_catalog: %d %s, want 401 UNAUTHORIZED", resp.StatusCode, body)
	}
}
