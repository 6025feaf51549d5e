package controllermanager

import (
	"time"

	"github.com/skiff/skiff/internal/controller/cronjob"
	"github.com/skiff/skiff/internal/controller/daemonset"
	"github.com/skiff/skiff/internal/controller/deployment"
	"github.com/skiff/skiff/internal/controller/disruption"
	"github.com/skiff/skiff/internal/controller/endpoints"
	"github.com/skiff/skiff/internal/controller/endpointslice"
	"github.com/skiff/skiff/internal/controller/garbagecollector"
	"github.com/skiff/skiff/internal/controller/job"
	"github.com/skiff/skiff/internal/controller/namespace"
	"github.com/skiff/skiff/internal/controller/nodeipam"
	"github.com/skiff/skiff/internal/controller/nodelifecycle"
	"github.com/skiff/skiff/internal/controller/replicaset"
	"github.com/skiff/skiff/internal/controller/resourcequota"
	"github.com/skiff/skiff/internal/controller/serviceaccount"
	"github.com/skiff/skiff/internal/controller/statefulset"
	"github.com/skiff/skiff/internal/controller/volumebinding"
)

// ownerSyncInterval spaces the syncs of one ReplicaSet: each sync reads
// all of its pods, and while hundreds of them start, nearly every pod
// event would otherwise mean one. In the scale benchmark that was a tenth
// of the server's CPU once the controllers' requests were fast.
const ownerSyncInterval = 100 * time.Millisecond

// DefaultControllers is every controller skiff runs, in one list: adding a
// controller is adding an entry here.
func DefaultControllers() []Controller {
	return []Controller{
		{Name: "replicaset", Workers: 5, New: func(c Context) (Runner, error) {
			return replicaset.New(replicaset.Config{Client: c.Client, Informers: c.Informers,
				Recorder: c.Recorder("replicaset-controller"), Logger: c.Logger, Clock: c.Clock,
				SyncInterval: ownerSyncInterval})
		}},
		{Name: "deployment", Workers: 5, New: func(c Context) (Runner, error) {
			return deployment.New(deployment.Config{Client: c.Client, Informers: c.Informers,
				Recorder: c.Recorder("deployment-controller"), Logger: c.Logger, Clock: c.Clock})
		}},
		{Name: "statefulset", New: func(c Context) (Runner, error) {
			return statefulset.New(statefulset.Config{Client: c.Client, Informers: c.Informers,
				Recorder: c.Recorder("statefulset-controller"), Logger: c.Logger, Clock: c.Clock})
		}},
		{Name: "daemonset", New: func(c Context) (Runner, error) {
			return daemonset.New(daemonset.Config{Client: c.Client, Informers: c.Informers,
				Recorder: c.Recorder("daemonset-controller"), Logger: c.Logger, Clock: c.Clock})
		}},
		{Name: "replicationcontroller", New: func(c Context) (Runner, error) {
			return replicaset.NewReplicationManager(replicaset.Config{Client: c.Client, Informers: c.Informers,
				Recorder: c.Recorder("replication-controller"), Logger: c.Logger, Clock: c.Clock,
				SyncInterval: ownerSyncInterval})
		}},
		{Name: "job", New: func(c Context) (Runner, error) {
			return job.New(job.Config{Client: c.Client, Informers: c.Informers,
				Recorder: c.Recorder("job-controller"), Logger: c.Logger, Clock: c.Clock})
		}},
		{Name: "cronjob", New: func(c Context) (Runner, error) {
			return cronjob.New(cronjob.Config{Client: c.Client, Informers: c.Informers,
				Recorder: c.Recorder("cronjob-controller"), Logger: c.Logger, Clock: c.Clock})
		}},
		{Name: "garbagecollector", Workers: 10, New: func(c Context) (Runner, error) {
			return garbagecollector.New(garbagecollector.Config{Metadata: c.Metadata, MetadataInformers: c.MetadataInformers, Informers: c.Informers,
				Discovery: c.Client.Discovery(), Logger: c.Logger, Clock: c.Clock})
		}},
		{Name: "namespace", New: func(c Context) (Runner, error) {
			return namespace.New(namespace.Config{Client: c.Client, Informers: c.Informers, Metadata: c.Metadata,
				Logger: c.Logger, Clock: c.Clock})
		}},
		{Name: "nodelifecycle", New: func(c Context) (Runner, error) {
			return nodelifecycle.New(nodelifecycle.Config{Client: c.Client, Informers: c.Informers,
				Recorder: c.Recorder("node-controller"), Logger: c.Logger, Clock: c.Clock})
		}},
		{Name: "nodeipam", Workers: 1, New: func(c Context) (Runner, error) {
			return nodeipam.New(nodeipam.Config{Client: c.Client, Informers: c.Informers, ClusterCIDR: c.ClusterCIDR,
				Recorder: c.Recorder("cidrAllocator"), Logger: c.Logger})
		}},
		{Name: "endpoints", New: func(c Context) (Runner, error) {
			return endpoints.New(endpoints.Config{Client: c.Client, Informers: c.Informers, Logger: c.Logger})
		}},
		{Name: "endpointslice", New: func(c Context) (Runner, error) {
			return endpointslice.New(endpointslice.Config{Client: c.Client, Informers: c.Informers, Logger: c.Logger})
		}},
		{Name: "disruption", New: func(c Context) (Runner, error) {
			return disruption.New(disruption.Config{Client: c.Client, Informers: c.Informers, Logger: c.Logger, Clock: c.Clock})
		}},
		{Name: "resourcequota", New: func(c Context) (Runner, error) {
			return resourcequota.New(resourcequota.Config{Client: c.Client, Informers: c.Informers, Logger: c.Logger})
		}},
		// One worker, as in Kubernetes: two syncs at once would pick the same
		// volume for two claims (the loser meets a conflict and retries).
		{Name: "persistentvolume-binder", Workers: 1, New: func(c Context) (Runner, error) {
			return volumebinding.New(volumebinding.Config{Client: c.Client, Informers: c.Informers,
				Recorder: c.Recorder("persistentvolume-controller"), Logger: c.Logger, Clock: c.Clock})
		}},
		{Name: "serviceaccount", New: func(c Context) (Runner, error) {
			return serviceaccount.New(serviceaccount.Config{Client: c.Client, Informers: c.Informers, RootCA: c.RootCA, Logger: c.Logger})
		}},
	}
}
