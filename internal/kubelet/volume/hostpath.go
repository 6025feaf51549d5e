package volume

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	corev1 "k8s.io/api/core/v1"
)

func setupHostPath(src *corev1.HostPathVolumeSource) (Mount, error) {
	if err := checkHostPath(src.Path, src.Type); err != nil {
		return Mount{}, err
	}
	return Mount{HostPath: src.Path}, nil
}

// checkHostPath applies a hostPath type: create what the *OrCreate types
// ask for (a directory 0755 with its parents, a file 0644 in an existing
// directory), and check that the path is what the type says. No type
// checks nothing.
func checkHostPath(path string, typ *corev1.HostPathType) error {
	if !filepath.IsAbs(path) {
		return fmt.Errorf("hostPath %q is not an absolute path", path)
	}
	t := corev1.HostPathUnset
	if typ != nil {
		t = *typ
	}
	fi, statErr := os.Stat(path)
	missing := errors.Is(statErr, fs.ErrNotExist)
	is := func(want fs.FileMode) bool { return statErr == nil && fi.Mode().Type() == want }
	switch t {
	case corev1.HostPathUnset:
		return nil
	case corev1.HostPathDirectoryOrCreate:
		if missing {
			if err := os.MkdirAll(path, 0o755); err != nil {
				return fmt.Errorf("create hostPath directory %s: %w", path, err)
			}
			return nil
		}
		fallthrough
	case corev1.HostPathDirectory:
		if !is(fs.ModeDir) {
			return fmt.Errorf("hostPath type check failed: %s is not a directory", path)
		}
	case corev1.HostPathFileOrCreate:
		if missing {
			f, err := os.OpenFile(path, os.O_CREATE|os.O_RDONLY, 0o644)
			if err != nil {
				return fmt.Errorf("create hostPath file %s: %w", path, err)
			}
			return f.Close()
		}
		fallthrough
	case corev1.HostPathFile:
		if !is(0) {
			return fmt.Errorf("hostPath type check failed: %s is not a file", path)
		}
	case corev1.HostPathSocket:
		if !is(fs.ModeSocket) {
			return fmt.Errorf("hostPath type check failed: %s is not a socket file", path)
		}
	case corev1.HostPathCharDev:
		if !is(fs.ModeDevice | fs.ModeCharDevice) {
			return fmt.Errorf("hostPath type check failed: %s is not a character device", path)
		}
	case corev1.HostPathBlockDev:
		if !is(fs.ModeDevice) {
			return fmt.Errorf("hostPath type check failed: %s is not a block device", path)
		}
	default:
		return fmt.Errorf("%s is an invalid volume type", t)
	}
	return nil
}
