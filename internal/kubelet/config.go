package kubelet

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/netip"
	"path/filepath"
	"time"

	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/tools/record"
	"k8s.io/utils/clock"
)

// Config is what an Agent needs. The interfaces it names are in
// interfaces.go.
type Config struct {
	// Client talks to the API server. Required.
	Client kubernetes.Interface
	// NodeName is this node's name; the agent runs the pods bound to it.
	NodeName string
	// NodeIP is the node's address (hostIP of every pod, podIP of
	// hostNetwork pods). Required.
	NodeIP string
	// DataDir is the agent's data directory: pod files go to DIR/pods and
	// container logs to DIR/logs. Required, absolute.
	DataDir string
	// Runtime is the CRI client (a *runtime.Client). Required.
	Runtime Runtime
	// RuntimeSocket is containerd's socket, whose event service tells the
	// agent about exits at once. Empty: only the relist notices exits.
	RuntimeSocket string
	// Configs turns pods into CRI configs (package criconfig). Required.
	Configs PodConfigs
	// Volumes makes the pods' volumes (package volume). Required.
	Volumes Volumes
	// NewProbes makes the prober of probes and lifecycle hooks (package
	// probe). New calls it once with the agent's event recorder and the
	// function that queues a pod for a sync; Run runs it. Required.
	NewProbes func(rec record.EventRecorder, onChange func(types.UID)) Probes
	// PodCIDRs returns the node's pod ranges for sandbox configs; nil
	// means none are known.
	PodCIDRs func() []string
	// InRegistry, when set, says whether the cluster's image registry holds
	// an image. A failed pull of an image it lacks says so, instead of
	// only the runtime's last error (which, after the mirror, names the
	// upstream registry these machines cannot reach).
	InRegistry func(ctx context.Context, image string) (bool, error)
	// Recorder records events; nil makes one that writes to the API as
	// component "kubelet" on this host.
	Recorder record.EventRecorder
	// ResyncPeriod is how often every pod is synced even when nothing was
	// seen to change (default 10s).
	ResyncPeriod time.Duration
	// RelistPeriod is how often the runtime's containers are listed to
	// notice changes the event stream missed (default 5s).
	RelistPeriod time.Duration
	Logger       *slog.Logger
	// Clock is for tests; default the real clock.
	Clock clock.WithTicker
}

// Defaults for Config's periods.
const (
	DefaultResyncPeriod = 10 * time.Second
	DefaultRelistPeriod = 5 * time.Second
)

func (c Config) withDefaults() Config {
	if c.ResyncPeriod <= 0 {
		c.ResyncPeriod = DefaultResyncPeriod
	}
	if c.RelistPeriod <= 0 {
		c.RelistPeriod = DefaultRelistPeriod
	}
	if c.Logger == nil {
		c.Logger = slog.Default()
	}
	if c.Clock == nil {
		c.Clock = clock.RealClock{}
	}
	if c.PodCIDRs == nil {
		c.PodCIDRs = func() []string { return nil }
	}
	return c
}

func (c Config) validate() error {
	var missing []string
	for name, ok := range map[string]bool{
		"Client": c.Client != nil, "NodeName": c.NodeName != "", "NodeIP": c.NodeIP != "", "DataDir": c.DataDir != "",
		"Runtime": c.Runtime != nil, "Configs": c.Configs != nil, "Volumes": c.Volumes != nil, "NewProbes": c.NewProbes != nil,
	} {
		if !ok {
			missing = append(missing, name)
		}
	}
	if len(missing) > 0 {
		return fmt.Errorf("kubelet config: %v required", missing)
	}
	if !filepath.IsAbs(c.DataDir) {
		return fmt.Errorf("kubelet config: DataDir %q must be absolute", c.DataDir)
	}
	if ip, err := netip.ParseAddr(c.NodeIP); err != nil || ip.IsLoopback() {
		return errors.New("kubelet config: NodeIP must be an IP address that is not loopback")
	}
	return nil
}
