package cni

import (
	"fmt"
	"os"
	"path/filepath"
)

// FileName is the conflist's name in the conf dir. containerd reads only
// the first file in name order (max_conf_num = 1), so "10-" puts it ahead
// of any later additions.
const FileName = "10-skiff.conflist"

// Write renders cfg into confDir/FileName, replacing it in one rename so
// the runtime never reads half a file, and returns the path.
func Write(confDir string, cfg Config) (string, error) {
	data, err := Render(cfg)
	if err != nil {
		return "", err
	}
	if err := os.MkdirAll(confDir, 0o755); err != nil {
		return "", fmt.Errorf("cni: create conf dir: %w", err)
	}
	path := filepath.Join(confDir, FileName)
	tmp, err := os.CreateTemp(confDir, "."+FileName+".*")
	if err != nil {
		return "", fmt.Errorf("cni: write %s: %w", path, err)
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.Write(append(data, '\n')); err != nil {
		tmp.Close()
		return "", fmt.Errorf("cni: write %s: %w", path, err)
	}
	if err := tmp.Close(); err != nil {
		return "", fmt.Errorf("cni: write %s: %w", path, err)
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return "", fmt.Errorf("cni: write %s: %w", path, err)
	}
	return path, nil
}
