package kubelet

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"k8s.io/apimachinery/pkg/types"
)

func TestLogTail(t *testing.T) {
	path := filepath.Join(t.TempDir(), "0.log")
	var b strings.Builder
	for i := range 100 {
		b.WriteString("2025-01-01T00:00:00.000000000Z stdout F line " + string(rune('a'+i%26)) + "\n")
	}
	b.WriteString("2025-01-01T00:00:00.000000000Z stderr P par\n2025-01-01T00:00:00.000000000Z stderr F tial\n")
	if err := os.WriteFile(path, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	got := logTail(path)
	lines := strings.Split(strings.TrimSuffix(got, "\n"), "\n")
	if len(lines) != maxLogTailLines || lines[len(lines)-1] != "partial" || lines[0] != "line "+string(rune('a'+21%26)) {
		t.Errorf("tail has %d lines, first %q, last %q", len(lines), lines[0], lines[len(lines)-1])
	}
	if logTail(filepath.Join(t.TempDir(), "none")) != "" {
		t.Error("a missing log has a tail")
	}
}

func TestGarbage(t *testing.T) {
	rt := newRT().sandbox("s1", false).ctr("app", "exited:1").sandbox("s2", false).ctr("app", "exited:1").
		sandbox("s3", true).ctr("app", "exited:1").ctr("app", "running").ctr("other", "exited:0").rt
	ctrs, sbs := garbage(rt)
	var names []string
	for _, c := range ctrs {
		names = append(names, c.id)
	}
	// app: running (kept), newest exited (kept), two older exited (gone);
	// sandboxes s1 and s2 then hold nothing kept.
	if len(ctrs) != 2 || !slices.Equal(sbs, []string{"s2", "s1"}) {
		t.Errorf("garbage containers %v, sandboxes %v", names, sbs)
	}
}

func TestChanged(t *testing.T) {
	last := map[types.UID]string{"a": "c1=RUNNING", "b": "c2=RUNNING", "gone": "c3=EXITED"}
	now := map[types.UID]string{"a": "c1=RUNNING", "b": "c2=EXITED", "new": "c4=RUNNING"}
	if got := changed(last, now); !slices.Equal(got, []types.UID{"b", "gone", "new"}) {
		t.Errorf("changed = %v", got)
	}
}
