package sim

import (
	"errors"
	"fmt"
	"log/slog"
	"net/netip"
	"time"

	"k8s.io/apimachinery/pkg/api/resource"
	"k8s.io/client-go/kubernetes"
	"k8s.io/utils/clock"
)

// DefaultStatusReportFrequency is the kubelet's nodeStatusReportFrequency
// default: 1,000 nodes reporting every 40 s were 25 node status patches a
// second of pure heartbeat.
const DefaultStatusReportFrequency = 5 * time.Minute

// Config says which nodes to simulate and how they behave.
type Config struct {
	// Client writes node heartbeats (registration, leases, node status).
	Client kubernetes.Interface
	// PodClient writes pod status and deletions; it has its own rate limiter
	// so that a burst of pods never delays a lease renewal. Nil means Client.
	PodClient kubernetes.Interface
	// Nodes is how many nodes to run; they are named Prefix0..PrefixN-1.
	Nodes  int
	Prefix string
	// Capacity of every node (cpu, memory, pods, ephemeral-storage).
	CPU, Memory, Pods, EphemeralStorage resource.Quantity
	// ClusterCIDR is where node podCIDRs come from when the server assigns
	// none: node i gets the i-th /24 (skipping ones other nodes hold).
	ClusterCIDR netip.Prefix
	// NodeIPRange is where the nodes' fake InternalIPs come from.
	NodeIPRange netip.Prefix
	// PodStartDelay is how long a bound pod stays Pending (ContainerCreating).
	PodStartDelay time.Duration
	// PodStopDelay caps how long a deleted pod's containers take to stop;
	// the pod's grace period caps it too.
	PodStopDelay time.Duration
	// LeaseDuration is the node Lease's leaseDurationSeconds; the lease is
	// renewed every quarter of it, as the kubelet does.
	LeaseDuration time.Duration
	// StatusReportFrequency is how often node status (with the Ready
	// heartbeat) is written when nothing changed; default
	// DefaultStatusReportFrequency. The Lease is the heartbeat that keeps
	// a node Ready in between.
	StatusReportFrequency time.Duration
	// FailAfter, if positive, makes every node go silent after it, like a
	// crashed machine: Run returns without writing anything more.
	FailAfter time.Duration
	// Workers is the size of each worker pool (heartbeats, pods).
	Workers int
	Logger  *slog.Logger
	Clock   clock.WithTicker
}

// Defaults fills the zero fields with the values `skiff sim` documents.
func (c *Config) defaults() {
	if c.PodClient == nil {
		c.PodClient = c.Client
	}
	if c.Prefix == "" {
		c.Prefix = "sim-"
	}
	setQuantity(&c.CPU, "32")
	setQuantity(&c.Memory, "256Gi")
	setQuantity(&c.Pods, "110")
	setQuantity(&c.EphemeralStorage, "100Gi")
	if !c.ClusterCIDR.IsValid() {
		c.ClusterCIDR = defaultClusterCIDR(c.Nodes)
	}
	if !c.NodeIPRange.IsValid() {
		c.NodeIPRange = netip.MustParsePrefix("172.16.0.0/12")
	}
	if c.LeaseDuration == 0 {
		c.LeaseDuration = 40 * time.Second
	}
	if c.StatusReportFrequency == 0 {
		c.StatusReportFrequency = DefaultStatusReportFrequency
	}
	if c.Workers == 0 {
		c.Workers = 32
	}
	if c.Logger == nil {
		c.Logger = slog.Default()
	}
	if c.Clock == nil {
		c.Clock = clock.RealClock{}
	}
}

// defaultClusterCIDR is flannel's 10.244.0.0/16 while its 256 /24s are
// enough, and 10.224.0.0/11 (8,192 /24s, clear of the service range) for
// more nodes.
func defaultClusterCIDR(nodes int) netip.Prefix {
	if nodes <= 256 {
		return netip.MustParsePrefix("10.244.0.0/16")
	}
	return netip.MustParsePrefix("10.224.0.0/11")
}

func setQuantity(q *resource.Quantity, def string) {
	if q.IsZero() {
		*q = resource.MustParse(def)
	}
}

func (c *Config) validate() error {
	switch {
	case c.Client == nil:
		return errors.New("sim: no API client")
	case c.Nodes < 1:
		return fmt.Errorf("sim: --nodes must be at least 1, not %d", c.Nodes)
	case c.PodStartDelay < 0 || c.PodStopDelay < 0 || c.FailAfter < 0:
		return errors.New("sim: delays must not be negative")
	case c.LeaseDuration < 4*time.Second:
		return fmt.Errorf("sim: lease duration %s is under 4s", c.LeaseDuration)
	case !c.ClusterCIDR.Addr().Is4() || c.ClusterCIDR.Bits() > 24:
		return fmt.Errorf("sim: cluster CIDR %s must be IPv4 and hold at least one /24", c.ClusterCIDR)
	case !c.NodeIPRange.Addr().Is4():
		return fmt.Errorf("sim: node IP range %s must be IPv4", c.NodeIPRange)
	}
	return nil
}
