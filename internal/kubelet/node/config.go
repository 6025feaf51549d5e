package node

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/netip"
	"time"

	"k8s.io/client-go/kubernetes"
	"k8s.io/utils/clock"

	"github.com/skiff/skiff/internal/kubelet/cni"
)

// Config says which node this is and how it reports.
type Config struct {
	// Client talks to the API server with the agent's credentials.
	Client kubernetes.Interface
	// NodeName is the Node's name and its kubernetes.io/hostname label.
	NodeName string
	// NodeIP is the node's InternalIP, where the API server reaches the
	// agent; never a loopback address.
	NodeIP string
	// KubeletPort is the agent's HTTPS port (default 10250).
	KubeletPort int32
	// RuntimeVersion is nodeInfo.containerRuntimeVersion, "containerd://1.6.20".
	RuntimeVersion string
	// Labels are added to the node's own (they win over the defaults, as
	// the kubelet's --node-labels do).
	Labels map[string]string
	// CNIConfDir is where the CNI conflist goes once the podCIDR is known.
	CNIConfDir string
	// PodNAT, if set, is called with the node's pod network before its
	// conflist is written: the agent installs the masquerade rule there.
	PodNAT func(context.Context, cni.Config) error
	// DataDir is on the filesystem whose size is the node's
	// ephemeral-storage (default: CNIConfDir's filesystem).
	DataDir string
	Logger  *slog.Logger
	// StatusPeriod is how often the node status is posted (default 10s).
	StatusPeriod time.Duration
	// LeaseDuration is the Lease's leaseDurationSeconds (default 40s); it
	// is renewed every quarter of it.
	LeaseDuration time.Duration
	// Clock drives renewals and back-off (default the real clock).
	Clock clock.WithTicker
}

// Defaults.
const (
	DefaultKubeletPort   = 10250
	DefaultStatusPeriod  = 10 * time.Second
	DefaultLeaseDuration = 40 * time.Second
)

func (c Config) withDefaults() Config {
	if c.KubeletPort == 0 {
		c.KubeletPort = DefaultKubeletPort
	}
	if c.StatusPeriod <= 0 {
		c.StatusPeriod = DefaultStatusPeriod
	}
	if c.LeaseDuration <= 0 {
		c.LeaseDuration = DefaultLeaseDuration
	}
	if c.Logger == nil {
		c.Logger = slog.Default()
	}
	if c.Clock == nil {
		c.Clock = clock.RealClock{}
	}
	if c.DataDir == "" {
		c.DataDir = c.CNIConfDir
	}
	return c
}

func (c Config) validate() error {
	switch {
	case c.Client == nil:
		return errors.New("node: no API client")
	case c.NodeName == "":
		return errors.New("node: no node name")
	case c.CNIConfDir == "":
		return errors.New("node: no CNI conf dir")
	case c.LeaseDuration < 4*time.Second:
		return fmt.Errorf("node: lease duration %v is under 4s", c.LeaseDuration)
	}
	ip, err := netip.ParseAddr(c.NodeIP)
	if err != nil {
		return fmt.Errorf("node: node IP %q: %w", c.NodeIP, err)
	}
	if ip.IsLoopback() || ip.IsUnspecified() {
		return fmt.Errorf("node: node IP %s cannot be reached from other machines: pick an interface address", ip)
	}
	return nil
}
