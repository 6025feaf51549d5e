package volume

import (
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"sort"
	"strings"
	"testing"
)

// tsDirs lists the version directories in dir.
func tsDirs(t *testing.T, dir string) []string {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, e := range entries {
		if e.IsDir() && isTsDir(e.Name()) {
			out = append(out, e.Name())
		}
	}
	sort.Strings(out)
	return out
}

func TestWriteAtomicLayout(t *testing.T) {
	dir := t.TempDir()
	p := payload{
		"a.conf":    {Data: []byte("A"), Mode: 0o644},
		"sub/b.txt": {Data: []byte("B"), Mode: 0o400},
		"sub/c/d":   {Data: []byte("D"), Mode: 0o755},
	}
	wrote, err := writeAtomic(dir, p, t0, nil)
	if err != nil || !wrote {
		t.Fatalf("writeAtomic = %v, %v; want true, nil", wrote, err)
	}
	ts := tsDirs(t, dir)
	if len(ts) != 1 || !strings.HasPrefix(ts[0], "..2025_05_01_10_00_00.") {
		t.Fatalf("version dirs = %v, want one ..2025_05_01_10_00_00.*", ts)
	}
	if target, _ := os.Readlink(filepath.Join(dir, "..data")); target != ts[0] {
		t.Errorf("..data -> %q, want %q", target, ts[0])
	}
	for name, want := range map[string]string{"a.conf": "..data/a.conf", "sub": "..data/sub"} {
		if got, err := os.Readlink(filepath.Join(dir, name)); err != nil || got != want {
			t.Errorf("%s -> %q (%v), want %q", name, got, err, want)
		}
	}
	if got := fileMode(t, filepath.Join(dir, ts[0])).Perm(); got != 0o755 {
		t.Errorf("version dir mode %o, want 755", got)
	}
	wantModes := map[string]os.FileMode{"a.conf": 0o644, "sub/b.txt": 0o400, "sub/c/d": 0o755}
	for name, want := range wantModes {
		if got := fileMode(t, filepath.Join(dir, name)).Perm(); got != want {
			t.Errorf("%s mode %o, want %o", name, got, want)
		}
	}
	want := map[string]string{"a.conf": "A", "sub/b.txt": "B", "sub/c/d": "D"}
	if got := readVolume(t, dir); !reflect.DeepEqual(got, want) {
		t.Errorf("contents %v, want %v", got, want)
	}
}

func TestWriteAtomicUpdate(t *testing.T) {
	dir := t.TempDir()
	first := payload{"keep": {Data: []byte("1"), Mode: 0o644}, "gone": {Data: []byte("x"), Mode: 0o644}}
	if _, err := writeAtomic(dir, first, t0, nil); err != nil {
		t.Fatal(err)
	}
	old := tsDirs(t, dir)

	// The same contents with another mode: nothing is written.
	same := payload{"keep": {Data: []byte("1"), Mode: 0o600}, "gone": {Data: []byte("x"), Mode: 0o644}}
	if wrote, err := writeAtomic(dir, same, t0.Add(1e9), nil); err != nil || wrote {
		t.Fatalf("unchanged payload: wrote=%v err=%v, want false, nil", wrote, err)
	}
	if got := tsDirs(t, dir); !reflect.DeepEqual(got, old) {
		t.Fatalf("unchanged payload replaced the version: %v -> %v", old, got)
	}

	second := payload{"keep": {Data: []byte("2"), Mode: 0o644}, "new": {Data: []byte("n"), Mode: 0o644}}
	if wrote, err := writeAtomic(dir, second, t0.Add(2e9), nil); err != nil || !wrote {
		t.Fatalf("changed payload: wrote=%v err=%v, want true, nil", wrote, err)
	}
	now := tsDirs(t, dir)
	if len(now) != 1 || now[0] == old[0] {
		t.Fatalf("version dirs after update = %v (before %v), want one new", now, old)
	}
	if target, _ := os.Readlink(filepath.Join(dir, "..data")); target != now[0] {
		t.Errorf("..data -> %q, want %q", target, now[0])
	}
	if _, err := os.Lstat(filepath.Join(dir, "gone")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("symlink of a removed key stayed: %v", err)
	}
	if _, err := os.Lstat(filepath.Join(dir, "..data_tmp")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("..data_tmp left behind: %v", err)
	}
	want := map[string]string{"keep": "2", "new": "n"}
	if got := readVolume(t, dir); !reflect.DeepEqual(got, want) {
		t.Errorf("contents %v, want %v", got, want)
	}
}

func TestWriteAtomicRepairs(t *testing.T) {
	dir := t.TempDir()
	p := payload{"k": {Data: []byte("v"), Mode: 0o644}}
	if _, err := writeAtomic(dir, p, t0, nil); err != nil {
		t.Fatal(err)
	}
	// A crash left a half-made version, a stray ..data_tmp, and lost a
	// visible symlink.
	stale := filepath.Join(dir, "..2020_01_01_00_00_00.123")
	if err := os.Mkdir(stale, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(filepath.Base(stale), filepath.Join(dir, "..data_tmp")); err != nil {
		t.Fatal(err)
	}
	if err := os.Remove(filepath.Join(dir, "k")); err != nil {
		t.Fatal(err)
	}
	if wrote, err := writeAtomic(dir, p, t0, nil); err != nil || wrote {
		t.Fatalf("same payload: wrote=%v err=%v", wrote, err)
	}
	if got := readVolume(t, dir); got["k"] != "v" {
		t.Errorf("visible symlink not restored: %v", got)
	}
	p["k"] = file{Data: []byte("w"), Mode: 0o644}
	if _, err := writeAtomic(dir, p, t0, nil); err != nil {
		t.Fatal(err)
	}
	if got := tsDirs(t, dir); len(got) != 1 {
		t.Errorf("stale version dirs kept: %v", got)
	}
}

func TestWriteAtomicSetPermsFailure(t *testing.T) {
	dir := t.TempDir()
	p := payload{"k": {Data: []byte("v"), Mode: 0o644}}
	if _, err := writeAtomic(dir, p, t0, nil); err != nil {
		t.Fatal(err)
	}
	before := tsDirs(t, dir)
	p["k"] = file{Data: []byte("w"), Mode: 0o644}
	boom := errors.New("boom")
	if _, err := writeAtomic(dir, p, t0, func() error { return boom }); !errors.Is(err, boom) {
		t.Fatalf("err = %v, want boom", err)
	}
	if got := tsDirs(t, dir); !reflect.DeepEqual(got, before) {
		t.Errorf("failed write left versions %v, want %v", got, before)
	}
	if got := readVolume(t, dir); got["k"] != "v" {
		t.Errorf("failed write changed contents: %v", got)
	}
}

func TestValidatePath(t *testing.T) {
	for _, tc := range []struct {
		path, err string
	}{
		{"ok", ""},
		{"dir/file", ""},
		{"a..b", ""},
		{"", "must not be empty"},
		{"/etc/passwd", "must be relative"},
		{"../x", "must not contain '..'"},
		{"a/../../b", "must not contain '..'"},
		{"..data", "must not start with '..'"},
		{"..hidden/x", "must not start with '..'"},
		{strings.Repeat("a", 256), "filenames must be less than or equal to 255"},
		{strings.Repeat("a/", 2049), "must be less than or equal to 4096"},
	} {
		err := validatePath(tc.path)
		if tc.err == "" && err != nil || tc.err != "" && (err == nil || !strings.Contains(err.Error(), tc.err)) {
			t.Errorf("validatePath(%.20q) = %v, want %q", tc.path, err, tc.err)
		}
	}
	for _, bad := range []string{"../escape", ".", "a/.."} {
		if _, err := writeAtomic(t.TempDir(), payload{bad: {}}, t0, nil); err == nil {
			t.Errorf("writeAtomic accepted %q", bad)
		}
	}
}
