package volume

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"sort"
	"strings"
	"time"
)

// The layout of a volume written by writeAtomic, as the kubelet has it:
//
//	dir/..2024_05_01_10_00_00.123456789/   the files, one directory per version
//	dir/..data -> ..2024_05_01_10_00_00.123456789
//	dir/key -> ..data/key                  one symlink per top-level name
//
// A reader that opens dir/key always goes through ..data to one complete
// version; an update makes a new version directory and swaps ..data with a
// rename, which is atomic.
const (
	dataDirName    = "..data"
	newDataDirName = "..data_tmp"
	tsDirLayout    = "..2006_01_02_15_04_05."
	tsDirMode      = 0o755

	maxFileNameLength = 255
	maxPathLength     = 4096
)

// file is one file of a volume's contents.
type file struct {
	Data []byte
	Mode int32
	// Owner, if set, is the uid the file is given to (a projected token
	// readable by the pod's one non-root user).
	Owner *int64
}

// payload maps paths relative to the volume to their contents.
type payload map[string]file

// writeAtomic makes dir (which exists) hold exactly p. It writes only when
// the paths or contents differ from the current version (modes are not
// compared: setPerms may have widened them). setPerms, if not nil, runs on
// the new version before it becomes visible. It tells whether it wrote.
func writeAtomic(dir string, p payload, now time.Time, setPerms func() error) (bool, error) {
	clean, err := cleanPayload(p)
	if err != nil {
		return false, err
	}
	oldTs := currentTsDir(dir)
	var oldPaths map[string]bool
	if oldTs != "" {
		oldPaths, err = filesIn(filepath.Join(dir, oldTs))
		if err != nil {
			return false, err
		}
		same, err := sameContents(filepath.Join(dir, oldTs), oldPaths, clean)
		if err != nil {
			return false, err
		}
		if same {
			// A crash may have left the version without its symlinks.
			return false, linkVisible(dir, clean)
		}
	}

	tsDir, err := os.MkdirTemp(dir, now.UTC().Format(tsDirLayout))
	if err != nil {
		return false, fmt.Errorf("create data directory: %w", err)
	}
	tsName := filepath.Base(tsDir)
	if err := fillTsDir(tsDir, clean); err != nil {
		_ = os.RemoveAll(tsDir)
		return false, err
	}
	if setPerms != nil {
		if err := setPerms(); err != nil {
			_ = os.RemoveAll(tsDir)
			return false, err
		}
	}
	if err := swapData(dir, tsName); err != nil {
		_ = os.RemoveAll(tsDir)
		return false, err
	}
	if err := linkVisible(dir, clean); err != nil {
		return true, err
	}
	if err := unlinkGone(dir, oldPaths, clean); err != nil {
		return true, err
	}
	return true, removeOldTsDirs(dir, tsName)
}

// cleanPayload checks every path as the kubelet does (relative, no "..",
// not hidden behind a ".." prefix that could shadow ..data) and cleans it.
func cleanPayload(p payload) (payload, error) {
	out := make(payload, len(p))
	for name, f := range p {
		if err := validatePath(name); err != nil {
			return nil, err
		}
		clean := path.Clean(name)
		if clean == "." {
			return nil, fmt.Errorf("invalid path: must name a file: %s", name)
		}
		out[clean] = f
	}
	return out, nil
}

func validatePath(p string) error {
	if p == "" {
		return errors.New("invalid path: must not be empty")
	}
	if path.IsAbs(p) {
		return fmt.Errorf("invalid path: must be relative path: %s", p)
	}
	if len(p) > maxPathLength {
		return fmt.Errorf("invalid path: must be less than or equal to %d characters", maxPathLength)
	}
	items := strings.Split(p, "/")
	for _, item := range items {
		if item == ".." {
			return fmt.Errorf("invalid path: must not contain '..': %s", p)
		}
		if len(item) > maxFileNameLength {
			return fmt.Errorf("invalid path: filenames must be less than or equal to %d characters", maxFileNameLength)
		}
	}
	if strings.HasPrefix(items[0], "..") {
		return fmt.Errorf("invalid path: must not start with '..': %s", p)
	}
	return nil
}

// currentTsDir is the version ..data points to, or "" if there is none
// (first write, or a link to something that is not a version directory).
func currentTsDir(dir string) string {
	target, err := os.Readlink(filepath.Join(dir, dataDirName))
	if err != nil || target != filepath.Base(target) || !strings.HasPrefix(target, "..") {
		return ""
	}
	if fi, err := os.Lstat(filepath.Join(dir, target)); err != nil || !fi.IsDir() {
		return ""
	}
	return target
}

// filesIn lists the regular files below dir by relative path.
func filesIn(dir string) (map[string]bool, error) {
	out := map[string]bool{}
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.Type().IsRegular() {
			rel, err := filepath.Rel(dir, p)
			if err != nil {
				return err
			}
			out[filepath.ToSlash(rel)] = true
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("read data directory: %w", err)
	}
	return out, nil
}

func sameContents(tsDir string, have map[string]bool, want payload) (bool, error) {
	if len(have) != len(want) {
		return false, nil
	}
	for name, f := range want {
		if !have[name] {
			return false, nil
		}
		b, err := os.ReadFile(filepath.Join(tsDir, name))
		if err != nil {
			return false, fmt.Errorf("read data directory: %w", err)
		}
		if !bytes.Equal(b, f.Data) {
			return false, nil
		}
	}
	return true, nil
}

func fillTsDir(tsDir string, p payload) error {
	if err := os.Chmod(tsDir, tsDirMode); err != nil {
		return fmt.Errorf("set mode of data directory: %w", err)
	}
	for name, f := range p {
		full := filepath.Join(tsDir, name)
		if err := os.MkdirAll(filepath.Dir(full), tsDirMode); err != nil {
			return fmt.Errorf("write %s: %w", name, err)
		}
		mode := os.FileMode(f.Mode) & os.ModePerm
		if err := os.WriteFile(full, f.Data, mode); err != nil {
			return fmt.Errorf("write %s: %w", name, err)
		}
		// WriteFile's mode passes through the umask.
		if err := os.Chmod(full, mode); err != nil {
			return fmt.Errorf("write %s: %w", name, err)
		}
		if f.Owner != nil {
			if err := os.Chown(full, int(*f.Owner), -1); err != nil {
				return fmt.Errorf("write %s: %w", name, err)
			}
		}
	}
	return nil
}

// swapData points ..data at tsName with one rename.
func swapData(dir, tsName string) error {
	tmp := filepath.Join(dir, newDataDirName)
	if err := os.Remove(tmp); err != nil && !errors.Is(err, os.ErrNotExist) {
		return fmt.Errorf("remove stale %s: %w", newDataDirName, err)
	}
	if err := os.Symlink(tsName, tmp); err != nil {
		return fmt.Errorf("link new data directory: %w", err)
	}
	if err := os.Rename(tmp, filepath.Join(dir, dataDirName)); err != nil {
		_ = os.Remove(tmp)
		return fmt.Errorf("swap data directory: %w", err)
	}
	return nil
}

// topLevel is the set of first path elements of a payload's paths.
func topLevel(paths map[string]bool) map[string]bool {
	out := map[string]bool{}
	for p := range paths {
		first, _, _ := strings.Cut(p, "/")
		out[first] = true
	}
	return out
}

func keys(p payload) map[string]bool {
	out := make(map[string]bool, len(p))
	for k := range p {
		out[k] = true
	}
	return out
}

// linkVisible makes dir/<name> -> ..data/<name> for each top-level name.
// A name that already exists is left as it is.
func linkVisible(dir string, p payload) error {
	names := topLevel(keys(p))
	for _, name := range sortedKeys(names) {
		link := filepath.Join(dir, name)
		if _, err := os.Lstat(link); err == nil {
			continue
		}
		if err := os.Symlink(filepath.Join(dataDirName, name), link); err != nil {
			return fmt.Errorf("link %s: %w", name, err)
		}
	}
	return nil
}

// unlinkGone removes the top-level symlinks of the old version that the new
// one does not have.
func unlinkGone(dir string, oldPaths map[string]bool, p payload) error {
	keep := topLevel(keys(p))
	for name := range topLevel(oldPaths) {
		if keep[name] {
			continue
		}
		link := filepath.Join(dir, name)
		fi, err := os.Lstat(link)
		if err != nil || fi.Mode()&os.ModeSymlink == 0 {
			continue
		}
		if err := os.Remove(link); err != nil {
			return fmt.Errorf("remove %s: %w", name, err)
		}
	}
	return nil
}

// removeOldTsDirs removes every version directory but current: the one
// just replaced and any a crash left behind.
func removeOldTsDirs(dir, current string) error {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return fmt.Errorf("clean old data directories: %w", err)
	}
	for _, e := range entries {
		name := e.Name()
		if !e.IsDir() || name == current || !isTsDir(name) {
			continue
		}
		if err := os.RemoveAll(filepath.Join(dir, name)); err != nil {
			return fmt.Errorf("remove old data directory %s: %w", name, err)
		}
	}
	return nil
}

// isTsDir tells whether name is a version directory's:
// "..2006_01_02_15_04_05." and a random suffix.
func isTsDir(name string) bool {
	n := len(tsDirLayout)
	if len(name) <= n {
		return false
	}
	_, err := time.Parse(tsDirLayout, name[:n])
	return err == nil
}

func sortedKeys(m map[string]bool) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
