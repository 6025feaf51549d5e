package runtime

import "path/filepath"

// defaultHostDir is containerd's hosts directory that applies to every
// registry host without a directory of its own (verified on 1.6.20: a pull
// of docker.io/library/x asks the mirror for /v2/library/x/...?ns=docker.io,
// so the mirror learns which registry was meant).
const defaultHostDir = "_default"

// registryConfig points the CRI plugin at the hosts.toml tree. The path is
// set even without a mirror so that adding one later needs no restart:
// containerd reads the hosts files on every pull.
func registryConfig(_ Config, l layout) table {
	return table{"config_path": l.CertsDir}
}

// hostsFile returns the path and content of the hosts.toml that makes
// cfg.MirrorURL the mirror of every registry, or ok=false if there is no
// mirror. The upstream registry stays the fallback, as on any containerd.
func hostsFile(cfg Config, l layout) (path string, t table, ok bool) {
	if cfg.MirrorURL == "" {
		return "", nil, false
	}
	host := table{"capabilities": []string{"pull", "resolve"}}
	if cfg.MirrorCA != "" {
		host["ca"] = cfg.MirrorCA
	}
	if cfg.MirrorClientCert != "" {
		host["client"] = [][]string{{cfg.MirrorClientCert, cfg.MirrorClientKey}}
	}
	path = filepath.Join(l.CertsDir, defaultHostDir, "hosts.toml")
	return path, table{"host": table{cfg.MirrorURL: host}}, true
}
