package storage

import (
	"context"
	"fmt"
	"net/url"
	"os"
	"path/filepath"

	clientv3 "go.etcd.io/etcd/client/v3"
	"go.etcd.io/etcd/server/v3/embed"
	"go.etcd.io/etcd/server/v3/etcdserver/api/v3client"
	"go.etcd.io/etcd/server/v3/etcdserver/api/v3rpc"
	"go.etcd.io/etcd/server/v3/proxy/grpcproxy/adapter"
)

// Limits of the embedded server.
const (
	// embeddedQuota is the most the database may grow to before etcd refuses
	// writes (etcd's recommended maximum; its default is 2 GiB).
	embeddedQuota = 8 << 30
	// maxSocketPath is the longest unix socket path Linux accepts, less room
	// for the terminating NUL.
	maxSocketPath = 100
)

// OpenEmbedded starts etcd inside this process with its data in dataDir and
// returns a Backend over it once it serves. Close stops the server.
//
// The server listens for clients on a unix socket in dataDir (so only this
// user can reach it), or on a free 127.0.0.1 port when that path would be
// too long for a socket. It opens no peer port: a one-member cluster never
// talks to peers. Writes are fsynced before they are acknowledged, so an
// acknowledged write survives the process being killed. Automatic compaction
// is off: the apiserver compacts (see RunCompactor).
func OpenEmbedded(ctx context.Context, dataDir string) (Backend, error) {
	dataDir, err := filepath.Abs(dataDir)
	if err != nil {
		return nil, fmt.Errorf("embedded etcd: %w", err)
	}
	// etcd creates its data dir itself, but the client socket lives in it
	// and is bound first.
	if err := os.MkdirAll(dataDir, 0o700); err != nil {
		return nil, fmt.Errorf("embedded etcd: %w", err)
	}
	cfg := embeddedConfig(dataDir)
	e, err := embed.StartEtcd(cfg)
	if err != nil {
		return nil, fmt.Errorf("start embedded etcd in %s: %w", dataDir, err)
	}
	if err := waitServing(ctx, e); err != nil {
		e.Close()
		return nil, err
	}
	// The apiserver calls the server in-process, not through its socket:
	// no gRPC framing, protobuf round trip and socket I/O per request,
	// which were ~6% of the server's CPU at 30,000 pods. The socket stays
	// for etcdctl and for diagnosis.
	client := v3client.New(e.Server)
	newWatcher := func() clientv3.Watcher {
		wc := adapter.WatchServerToWatchClient(v3rpc.NewWatchServer(e.Server))
		return blankContextWatcher{clientv3.NewWatchFromWatchClient(wc, client)}
	}
	return &etcdBackend{client: client, progressOK: true, stop: e.Close, newWatcher: newWatcher}, nil
}

// blankContextWatcher hides a watch's context values from the in-process
// server, which formats the context into a string and would race with
// whoever else reads or writes those values (v3client does the same).
type blankContextWatcher struct{ clientv3.Watcher }

func (w blankContextWatcher) Watch(ctx context.Context, key string, opts ...clientv3.OpOption) clientv3.WatchChan {
	return w.Watcher.Watch(blankContext{ctx}, key, opts...)
}

type blankContext struct{ context.Context }

func (blankContext) String() string { return "(watch context)" }

// embeddedConfig describes a one-member server that logs only errors and
// keeps etcd's durable defaults (UnsafeNoFsync stays false).
func embeddedConfig(dataDir string) *embed.Config {
	cfg := embed.NewConfig()
	cfg.Name = "skiff"
	cfg.Dir = dataDir
	// Warnings would include one about sharing a port between gRPC and
	// HTTP on every start; errors are what an operator must see.
	cfg.LogLevel = "error"
	cfg.LogOutputs = []string{"stderr"}
	cfg.QuotaBackendBytes = embeddedQuota
	cfg.AutoCompactionMode = ""
	cfg.AutoCompactionRetention = ""
	cfg.UnsafeNoFsync = false
	// etcd keeps the raft log since its last snapshot in memory; its
	// default of 100,000 entries costs hundreds of MiB under a burst of
	// writes. A one-member cluster has no followers to catch up.
	cfg.SnapshotCount = 10000
	cfg.ListenPeerUrls = nil
	cfg.ListenMetricsUrls = nil
	// The advertised peer address is recorded in the member list only; no
	// one dials it.
	peer := url.URL{Scheme: "http", Host: "127.0.0.1:2380"}
	cfg.AdvertisePeerUrls = []url.URL{peer}
	cfg.InitialCluster = cfg.Name + "=" + peer.String()
	client := url.URL{Scheme: "http", Host: "127.0.0.1:0"}
	if sock := filepath.Join(dataDir, "client.sock"); len(sock) <= maxSocketPath {
		client = url.URL{Scheme: "unix", Path: sock}
	}
	cfg.ListenClientUrls = []url.URL{client}
	// etcd wants a host:port here even for a socket; it is published in the
	// member list, which nothing reads in a one-member cluster.
	cfg.AdvertiseClientUrls = []url.URL{{Scheme: "http", Host: "127.0.0.1:2379"}}
	return cfg
}

// clientEndpoint is the address the server's client listener got (the
// kernel picks the port when the config asked for port 0).
func clientEndpoint(e *embed.Etcd) string {
	addr := e.Clients[0].Addr()
	if addr.Network() == "unix" {
		return "unix://" + addr.String()
	}
	return "http://" + addr.String()
}

// waitServing returns once the server has joined its one-member cluster
// and serves requests, or fails if it stops first or ctx ends.
func waitServing(ctx context.Context, e *embed.Etcd) error {
	select {
	case <-e.Server.ReadyNotify():
		return nil
	case err := <-e.Err():
		return fmt.Errorf("embedded etcd stopped while starting: %w", err)
	case <-ctx.Done():
		return fmt.Errorf("waiting for embedded etcd: %w", ctx.Err())
	}
}
