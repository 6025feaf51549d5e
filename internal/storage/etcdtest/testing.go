package etcdtest

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"
)

// Etcd34Path is where Debian's etcd-server package installs etcd 3.4.
const Etcd34Path = "/usr/bin/etcd"

// RequireEtcd34Env, set to 1, makes a missing etcd 3.4 fail tests instead
// of skipping them (CI sets it after installing etcd-server).
const RequireEtcd34Env = "SKIFF_REQUIRE_ETCD34"

// Build builds the etcd 3.5 test server for the test and returns its path.
// Builds are cached by the go command, so a later call mostly links.
func Build(t testing.TB) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	bin, err := BuildServer(ctx, t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	return bin
}

// Start runs binary as an etcd server with a temporary data directory and
// stops it when the test ends.
func Start(t testing.TB, binary string) *Server {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), startTimeout)
	defer cancel()
	s, err := StartProcess(ctx, binary, t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Stop() })
	return s
}

// FindEtcd34 returns the path of an installed etcd 3.4 binary, or
// ErrNoEtcd34.
func FindEtcd34() (string, error) {
	if _, err := os.Stat(Etcd34Path); err != nil {
		return "", ErrNoEtcd34
	}
	out, err := exec.Command(Etcd34Path, "--version").Output()
	if err != nil {
		return "", fmt.Errorf("%s --version: %w", Etcd34Path, err)
	}
	if !strings.Contains(string(out), "etcd Version: 3.4.") {
		return "", fmt.Errorf("%s is not etcd 3.4: %s: %w", Etcd34Path, out, ErrNoEtcd34)
	}
	return Etcd34Path, nil
}

// Etcd34 returns the etcd 3.4 binary for the test. Without one the test
// is skipped, or fails when SKIFF_REQUIRE_ETCD34=1.
func Etcd34(t testing.TB) string {
	t.Helper()
	bin, err := FindEtcd34()
	switch {
	case err == nil:
		return bin
	case os.Getenv(RequireEtcd34Env) == "1":
		t.Fatalf("%s=1 but: %v", RequireEtcd34Env, err)
	case errors.Is(err, ErrNoEtcd34):
		t.Skipf("skipping: %v; set %s=1 to make this a failure", err, RequireEtcd34Env)
	default:
		t.Fatal(err)
	}
	return ""
}
