package node

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
)

// fakeHost writes a host description under a temporary directory and
// returns files pointing at it.
func fakeHost(t *testing.T, files map[string]string) hostFiles {
	t.Helper()
	root := t.TempDir()
	defaults := map[string]string{
		"meminfo":                         "MemTotal:        2048000 kB\nMemFree:          100 kB\n",
		"machine-id":                      "3d1219c7c4c5404aaa1f6d2a48adfda4\n",
		"boot_id":                         "0b9e0c4e-1111-2222-3333-444455556666\n",
		"osrelease":                       "6.1.0-test\n",
		"os-release":                      "NAME=\"Debian GNU/Linux\"\nPRETTY_NAME=\"Debian GNU/Linux 12 (bookworm)\"\n",
		"hugepages/hugepages-2048kB/x":    "",
		"hugepages/hugepages-1048576kB/x": "",
	}
	for k, v := range files {
		defaults[k] = v
	}
	for name, content := range defaults {
		if content == "-" { // absent
			continue
		}
		p := filepath.Join(root, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return hostFiles{
		meminfo: filepath.Join(root, "meminfo"), machineID: filepath.Join(root, "machine-id"),
		productUUID: filepath.Join(root, "product_uuid"), bootID: filepath.Join(root, "boot_id"),
		osRelease: filepath.Join(root, "os-release"), kernelRelease: filepath.Join(root, "osrelease"),
		hugepages: filepath.Join(root, "hugepages"), numCPU: func() int { return 3 },
	}
}

func TestReadHost(t *testing.T) {
	h := fakeHost(t, nil)
	got, err := readHost(h, filepath.Join(t.TempDir(), "not", "yet"))
	if err != nil {
		t.Fatal(err)
	}
	want := map[corev1.ResourceName]string{
		"cpu": "3", "memory": "2000Mi", "pods": "110", "hugepages-2Mi": "0", "hugepages-1Gi": "0",
	}
	for name, q := range want {
		if c := got.capacity[name]; c.String() != q {
			t.Errorf("capacity %s = %s, want %s", name, c.String(), q)
		}
	}
	if es := got.capacity[corev1.ResourceEphemeralStorage]; es.Cmp(resource.MustParse("1Mi")) < 0 {
		t.Errorf("ephemeral-storage = %s, want the temp filesystem's size", es.String())
	}
	info := got.info
	if info.MachineID != "3d1219c7c4c5404aaa1f6d2a48adfda4" || info.BootID != "0b9e0c4e-1111-2222-3333-444455556666" ||
		info.KernelVersion != "6.1.0-test" || info.OSImage != "Debian GNU/Linux 12 (bookworm)" || info.SystemUUID != "" ||
		info.OperatingSystem != "linux" || info.Architecture == "" {
		t.Errorf("node info %+v", info)
	}
}

func TestReadHostFailures(t *testing.T) {
	cases := []struct {
		name  string
		files map[string]string
		err   string
	}{
		{"no meminfo", map[string]string{"meminfo": "-"}, "read memory size"},
		{"no MemTotal", map[string]string{"meminfo": "MemFree: 1 kB\n"}, "no MemTotal"},
		{"odd MemTotal", map[string]string{"meminfo": "MemTotal: 12 MB\n"}, "odd line"},
		{"no boot id", map[string]string{"boot_id": "-"}, "cannot describe itself"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := readHost(fakeHost(t, tc.files), t.TempDir())
			if err == nil || !strings.Contains(err.Error(), tc.err) {
				t.Fatalf("err = %v, want one containing %q", err, tc.err)
			}
		})
	}
}

func TestOSImage(t *testing.T) {
	dir := t.TempDir()
	for content, want := range map[string]string{
		"PRETTY_NAME='Alpine Linux v3.20'\n": "Alpine Linux v3.20",
		"NAME=x\n":                           "Linux",
		"PRETTY_NAME=Plain\n":                "Plain",
	} {
		p := filepath.Join(dir, "os-release")
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
		if got := osImage(p); got != want {
			t.Errorf("osImage(%q) = %q, want %q", content, got, want)
		}
	}
	if got := osImage(filepath.Join(dir, "missing")); got != "Linux" {
		t.Errorf("missing os-release: %q", got)
	}
}
