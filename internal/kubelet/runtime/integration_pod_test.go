package runtime

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	criapi "k8s.io/cri-api/pkg/apis/runtime/v1"
)

// testPod is one sandbox with one container, as a kubelet would run it.
type testPod struct {
	sandboxCfg             *criapi.PodSandboxConfig
	sandboxID, containerID string
	sandboxTook, ctrTook   time.Duration
}

func sandboxConfig(logRoot string, i int) *criapi.PodSandboxConfig {
	name := fmt.Sprintf("pod-%d", i)
	return &criapi.PodSandboxConfig{
		Metadata:     &criapi.PodSandboxMetadata{Name: name, Uid: fmt.Sprintf("uid-%d", i), Namespace: "test"},
		Hostname:     name,
		LogDirectory: filepath.Join(logRoot, name),
		Linux: &criapi.LinuxPodSandboxConfig{SecurityContext: &criapi.LinuxSandboxSecurityContext{
			NamespaceOptions: &criapi.NamespaceOption{Network: criapi.NamespaceMode_POD, Pid: criapi.NamespaceMode_CONTAINER, Ipc: criapi.NamespaceMode_POD},
		}},
	}
}

// runPod starts a sandbox and a container running cmd, timing both steps.
func runPod(ctx context.Context, t *testing.T, c *Client, logRoot, image string, i int, cmd []string) *testPod {
	t.Helper()
	p := &testPod{sandboxCfg: sandboxConfig(logRoot, i)}
	if err := os.MkdirAll(p.sandboxCfg.LogDirectory, 0o755); err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	id, err := c.RunPodSandbox(ctx, p.sandboxCfg, "")
	if err != nil {
		t.Fatal(err)
	}
	p.sandboxID, p.sandboxTook = id, time.Since(start)
	start = time.Now()
	ctr := &criapi.ContainerConfig{
		Metadata: &criapi.ContainerMetadata{Name: "main"},
		Image:    &criapi.ImageSpec{Image: image},
		Command:  cmd,
		LogPath:  "main/0.log",
		Linux:    &criapi.LinuxContainerConfig{},
	}
	if p.containerID, err = c.CreateContainer(ctx, id, ctr, p.sandboxCfg); err != nil {
		t.Fatal(err)
	}
	if err := c.StartContainer(ctx, p.containerID); err != nil {
		t.Fatal(err)
	}
	p.ctrTook = time.Since(start)
	return p
}

// remove stops and removes the pod's container and sandbox.
func (p *testPod) remove(ctx context.Context, t *testing.T, c *Client) {
	t.Helper()
	for _, err := range []error{
		c.StopContainer(ctx, p.containerID, 0),
		c.RemoveContainer(ctx, p.containerID),
		c.StopPodSandbox(ctx, p.sandboxID),
		c.RemovePodSandbox(ctx, p.sandboxID),
	} {
		if err != nil {
			t.Error(err)
		}
	}
}

func (p *testPod) logPath() string {
	return filepath.Join(p.sandboxCfg.LogDirectory, "main", "0.log")
}

// waitFor polls cond until it holds or ctx's deadline passes.
func waitFor(ctx context.Context, t *testing.T, what string, cond func() bool) {
	t.Helper()
	tick := time.NewTicker(20 * time.Millisecond)
	defer tick.Stop()
	for !cond() {
		select {
		case <-ctx.Done():
			t.Fatalf("timed out waiting for %s", what)
		case <-tick.C:
		}
	}
}

func fileContains(path, s string) bool {
	b, err := os.ReadFile(path)
	return err == nil && strings.Contains(string(b), s)
}
