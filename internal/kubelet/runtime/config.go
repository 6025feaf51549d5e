package runtime

import (
	"errors"
	"fmt"
	"log/slog"
	"path/filepath"
	"time"
)

// Config says how to run the node's own containerd.
type Config struct {
	// DataDir holds everything containerd writes: config, socket, root,
	// state, registry host configs and its log. Required, absolute.
	DataDir string
	// Binary is the containerd executable; default "containerd" from PATH.
	Binary string
	// CtrBinary is containerd's CLI, used to import local images; default
	// "ctr" from PATH (Debian ships it with containerd).
	CtrBinary string
	// MirrorURL, when set, is used as the mirror of every registry host, so
	// a pod naming docker.io/library/busybox pulls from the cluster registry.
	MirrorURL string
	// MirrorCA, MirrorClientCert and MirrorClientKey are optional PEM files
	// for TLS to the mirror.
	MirrorCA, MirrorClientCert, MirrorClientKey string
	// SandboxImage is the pod sandbox ("pause") image. It must be present
	// locally: nothing here can be pulled from the internet.
	SandboxImage string
	// CNIBinDir holds the CNI plugin binaries (Debian: /usr/lib/cni).
	CNIBinDir string
	// CNIConfDir is where the node's CNI conflist lives.
	CNIConfDir string
	// StopTimeout is how long containerd gets after SIGTERM before SIGKILL.
	StopTimeout time.Duration
	// ReadyTimeout bounds the wait for the socket to answer CRI Version.
	ReadyTimeout time.Duration
	Logger       *slog.Logger
}

// Defaults for the fields a caller may leave empty.
const (
	DefaultBinary       = "containerd"
	DefaultCtrBinary    = "ctr"
	DefaultCNIBinDir    = "/usr/lib/cni"
	DefaultStopTimeout  = 10 * time.Second
	DefaultReadyTimeout = 30 * time.Second
	// maxSocketPath is sun_path's size minus the terminating NUL.
	maxSocketPath = 107
)

func (c Config) withDefaults() Config {
	if c.Binary == "" {
		c.Binary = DefaultBinary
	}
	if c.CtrBinary == "" {
		c.CtrBinary = DefaultCtrBinary
	}
	if c.CNIBinDir == "" {
		c.CNIBinDir = DefaultCNIBinDir
	}
	if c.CNIConfDir == "" && c.DataDir != "" {
		c.CNIConfDir = filepath.Join(c.DataDir, "cni", "net.d")
	}
	if c.StopTimeout <= 0 {
		c.StopTimeout = DefaultStopTimeout
	}
	if c.ReadyTimeout <= 0 {
		c.ReadyTimeout = DefaultReadyTimeout
	}
	if c.Logger == nil {
		c.Logger = slog.Default()
	}
	return c
}

func (c Config) validate() error {
	switch {
	case c.DataDir == "":
		return errors.New("containerd config: DataDir is required")
	case !filepath.IsAbs(c.DataDir):
		return fmt.Errorf("containerd config: DataDir %q must be absolute", c.DataDir)
	case c.SandboxImage == "":
		return errors.New("containerd config: SandboxImage is required (it must be a local image)")
	case (c.MirrorClientCert == "") != (c.MirrorClientKey == ""):
		return errors.New("containerd config: MirrorClientCert and MirrorClientKey go together")
	case c.MirrorURL == "" && (c.MirrorCA != "" || c.MirrorClientCert != ""):
		return errors.New("containerd config: mirror TLS files given without MirrorURL")
	}
	if p := newLayout(c.DataDir).Socket; len(p) > maxSocketPath {
		return fmt.Errorf("containerd config: socket path %q is longer than %d bytes; use a shorter DataDir", p, maxSocketPath)
	}
	return nil
}

// layout names every path under the data directory in one place.
type layout struct {
	Config, Socket, Root, State, Opt, CertsDir, Log, PIDFile string
}

func newLayout(dataDir string) layout {
	j := func(p ...string) string { return filepath.Join(append([]string{dataDir}, p...)...) }
	return layout{
		Config:   j("config.toml"),
		Socket:   j("containerd.sock"),
		Root:     j("root"),
		State:    j("state"),
		Opt:      j("opt"),
		CertsDir: j("certs.d"),
		Log:      j("containerd.log"),
		PIDFile:  j("containerd.pid"),
	}
}
