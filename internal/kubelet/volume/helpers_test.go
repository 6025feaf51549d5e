package volume

import (
	"io"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	apiresource "k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/client-go/kubernetes/fake"
	testingclock "k8s.io/utils/clock/testing"
)

var t0 = time.Date(2025, 5, 1, 10, 0, 0, 0, time.UTC)

type fixture struct {
	m      *Manager
	client *fake.Clientset
	clock  *testingclock.FakePassiveClock
	root   string
}

func newFixture(t *testing.T, objs ...runtime.Object) *fixture {
	t.Helper()
	root := filepath.Join(t.TempDir(), "pods")
	client := fake.NewSimpleClientset(objs...)
	clk := testingclock.NewFakePassiveClock(t0)
	m := New(Config{
		Client: client, RootDir: root, NodeName: "node1", Clock: clk,
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil)),
	})
	// Whatever a test leaves mounted must go before t.TempDir's cleanup
	// (registered earlier, so run later) removes the directory.
	t.Cleanup(func() {
		if _, err := os.Stat(root); err == nil {
			if err := unmountBelow(root, m.log); err != nil {
				t.Errorf("cleanup: %v", err)
			}
		}
	})
	return &fixture{m: m, client: client, clock: clk, root: root}
}

func requireRoot(t *testing.T) {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skip("mounting tmpfs needs root")
	}
}

func newPod(vols ...corev1.Volume) *corev1.Pod {
	return &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{
			Name: "web", Namespace: "ns", UID: "uid-1",
			Labels:      map[string]string{"app": "web", "tier": "front"},
			Annotations: map[string]string{"note": "a \"quoted\"\nline"},
		},
		Spec: corev1.PodSpec{
			ServiceAccountName: "sa",
			Containers: []corev1.Container{{
				Name: "main",
				Resources: corev1.ResourceRequirements{
					Limits:   corev1.ResourceList{corev1.ResourceCPU: qty("250m"), corev1.ResourceMemory: qty("64Mi")},
					Requests: corev1.ResourceList{corev1.ResourceCPU: qty("100m"), corev1.ResourceMemory: qty("32Mi")},
				},
			}},
			Volumes: vols,
		},
	}
}

func qty(s string) apiresource.Quantity { return apiresource.MustParse(s) }

func ptr[T any](v T) *T { return &v }

// readVolume reads every visible file of a volume through its top-level
// symlinks, by path.
func readVolume(t *testing.T, dir string) map[string]string {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]string{}
	for _, e := range entries {
		if strings.HasPrefix(e.Name(), "..") {
			continue
		}
		if e.Type()&os.ModeSymlink == 0 {
			t.Errorf("%s is not a symlink", e.Name())
			continue
		}
		real, err := filepath.EvalSymlinks(filepath.Join(dir, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		err = filepath.WalkDir(real, func(p string, d fs.DirEntry, err error) error {
			if err != nil || d.IsDir() {
				return err
			}
			rel, _ := filepath.Rel(real, p)
			b, err := os.ReadFile(p)
			out[filepath.Join(e.Name(), rel)] = string(b)
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	return out
}

// fileMode is the mode of the file a visible path resolves to.
func fileMode(t *testing.T, p string) os.FileMode {
	t.Helper()
	fi, err := os.Stat(p)
	if err != nil {
		t.Fatal(err)
	}
	return fi.Mode()
}
