package controllermanager

import (
	"errors"
	"log/slog"
	"os"
	"time"

	"k8s.io/apimachinery/pkg/util/uuid"
	"k8s.io/client-go/informers"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/metadata"
	"k8s.io/client-go/rest"
	"k8s.io/utils/clock"
)

// Config is the manager's settings.
type Config struct {
	// REST is the API server connection; the manager raises its QPS and
	// Burst when unset, since thousands of pods need more than client-go's
	// default 5 requests per second. Either REST or Client is required.
	REST *rest.Config
	// Client and Metadata override the clients built from REST (tests).
	Client   kubernetes.Interface
	Metadata metadata.Interface

	// Informers, when set, is a factory the manager shares with other
	// components of the process: it must strip managedFields as
	// StripManagedFields does, and its owner starts and stops it.
	Informers informers.SharedInformerFactory

	// Controllers to run; nil means DefaultControllers().
	Controllers []Controller
	// Workers is the default number of workers per controller (5).
	Workers int

	// Identity names this process in the Lease (hostname_pid by default).
	Identity string
	// DisableLeaderElection runs the controllers at once (single-process
	// tests).
	DisableLeaderElection bool
	// LeaseDuration, RenewDeadline and RetryPeriod default to 15s, 10s, 2s.
	LeaseDuration, RenewDeadline, RetryPeriod time.Duration
	// ResyncPeriod of the shared informers; 0 means none: the controllers
	// are level-based and requeue what they wait for themselves.
	ResyncPeriod time.Duration

	Logger *slog.Logger
	Clock  clock.WithTicker
	// RootCA is the cluster CA in PEM (kube-root-ca.crt); empty takes the
	// CA of REST's TLS configuration.
	RootCA []byte
	// ClusterCIDR is where nodes' pod ranges come from (--cluster-cidr);
	// empty means nodeipam.DefaultClusterCIDR.
	ClusterCIDR string
}

// Lease coordinates: the same as kube-controller-manager's.
const (
	LeaseNamespace = "kube-system"
	LeaseName      = "kube-controller-manager"
)

func (c *Config) defaults() error {
	if c.REST == nil && c.Client == nil {
		return errors.New("controllermanager: REST or Client is required")
	}
	if len(c.RootCA) == 0 && c.REST != nil {
		c.RootCA = c.REST.TLSClientConfig.CAData
	}
	if c.Workers <= 0 {
		c.Workers = 5
	}
	if c.Logger == nil {
		c.Logger = slog.Default()
	}
	if c.Clock == nil {
		c.Clock = clock.RealClock{}
	}
	if c.Identity == "" {
		host, _ := os.Hostname()
		c.Identity = host + "_" + string(uuid.NewUUID())
	}
	if c.LeaseDuration == 0 {
		c.LeaseDuration = 15 * time.Second
	}
	if c.RenewDeadline == 0 {
		c.RenewDeadline = 10 * time.Second
	}
	if c.RetryPeriod == 0 {
		c.RetryPeriod = 2 * time.Second
	}
	if c.Controllers == nil {
		c.Controllers = DefaultControllers()
	}
	return c.clients()
}

func (c *Config) clients() error {
	if c.REST == nil {
		return nil
	}
	rc := rest.CopyConfig(c.REST)
	if rc.QPS == 0 {
		rc.QPS = 2000
	}
	if rc.Burst == 0 {
		rc.Burst = 4000
	}
	if rc.UserAgent == "" {
		rc.UserAgent = "kube-controller-manager"
	}
	var err error
	if c.Client == nil {
		if c.Client, err = kubernetes.NewForConfig(rc); err != nil {
			return err
		}
	}
	if c.Metadata == nil {
		if c.Metadata, err = metadata.NewForConfig(rc); err != nil {
			return err
		}
	}
	return nil
}
