package runtime

import (
	"fmt"
	"os"
	"path/filepath"
)

// writeConfigFiles creates the data dir tree and writes config.toml and,
// with a mirror, the hosts.toml for every registry. A stale hosts file from
// an earlier mirror is removed so a dropped mirror stops being used.
func writeConfigFiles(cfg Config, l layout) error {
	for _, d := range []string{cfg.DataDir, l.Root, l.State, l.Opt, l.CertsDir, cfg.CNIConfDir} {
		if err := os.MkdirAll(d, 0o700); err != nil {
			return fmt.Errorf("create containerd dir: %w", err)
		}
	}
	main, err := encodeTOML(containerdConfig(cfg, l))
	if err != nil {
		return fmt.Errorf("render containerd config: %w", err)
	}
	if err := writeFileAtomic(l.Config, []byte(main)); err != nil {
		return err
	}
	path, hosts, ok := hostsFile(cfg, l)
	if !ok {
		err := os.RemoveAll(filepath.Join(l.CertsDir, defaultHostDir))
		if err != nil {
			return fmt.Errorf("remove old registry hosts config: %w", err)
		}
		return nil
	}
	text, err := encodeTOML(hosts)
	if err != nil {
		return fmt.Errorf("render registry hosts config: %w", err)
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return fmt.Errorf("create registry hosts dir: %w", err)
	}
	return writeFileAtomic(path, []byte(text))
}

// writeFileAtomic replaces path in one rename, so a containerd reading it
// (hosts.toml is read on every pull) never sees half a file.
func writeFileAtomic(path string, data []byte) error {
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".*")
	if err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	return nil
}
