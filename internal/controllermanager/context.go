package controllermanager

import (
	"context"
	"log/slog"

	"k8s.io/client-go/informers"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/metadata"
	"k8s.io/client-go/metadata/metadatainformer"
	"k8s.io/client-go/tools/record"
	"k8s.io/utils/clock"
)

// Context is what a controller is built from: the shared clients and
// informer factories (started by the manager after every controller is
// built), events, a logger and a clock.
type Context struct {
	Client    kubernetes.Interface
	Informers informers.SharedInformerFactory
	// Metadata and MetadataInformers serve controllers that handle every
	// resource by its metadata only (the garbage collector).
	Metadata          metadata.Interface
	MetadataInformers metadatainformer.SharedInformerFactory
	// Recorder returns an event recorder reporting as component (for
	// example "replicaset-controller").
	Recorder func(component string) record.EventRecorder
	Logger   *slog.Logger
	Clock    clock.WithTicker
	// RootCA is the cluster CA in PEM, published in every namespace as
	// the kube-root-ca.crt ConfigMap.
	RootCA []byte
	// ClusterCIDR is Config.ClusterCIDR, for node pod ranges.
	ClusterCIDR string
}

// Runner is a built controller: Run blocks until ctx ends and returns an
// error only if the controller cannot go on.
type Runner interface {
	Run(ctx context.Context, workers int) error
}

// Controller is one entry of the manager's list.
type Controller struct {
	Name string
	// Workers is how many keys the controller syncs at once; 0 means
	// Config.Workers.
	Workers int
	// New builds the controller and registers its informer handlers. It
	// must not start anything: the manager starts the informers after all
	// controllers are built.
	New func(c Context) (Runner, error)
}
