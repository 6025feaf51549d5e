// Command etcd-test-server is an etcd 3.5 server built from the etcd module
// skiff pins, so tests can run an external etcd without one installed. It
// runs the same server code as etcd's own binary through its embed package
// (etcdmain would pull modules the project does not otherwise need) and
// takes the subset of etcd's flags the test harness uses.
package main

import (
	"flag"
	"fmt"
	"net/url"
	"os"
	"os/signal"
	"strings"
	"syscall"

	"go.etcd.io/etcd/server/v3/embed"
)

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "etcd-test-server:", err)
		os.Exit(1)
	}
}

func run() error {
	dataDir := flag.String("data-dir", "", "directory for the data")
	clientURL := flag.String("listen-client-urls", "", "client URL, such as http://127.0.0.1:2379")
	peerURL := flag.String("listen-peer-urls", "", "peer URL, such as http://127.0.0.1:2380")
	flag.String("log-level", "error", "ignored: only errors are logged")
	name := flag.String("name", "default", "member name")
	cluster := flag.String("initial-cluster", "", "NAME=PEER-URL (default: this member on its peer URL)")
	// Accepted so one command line starts this and etcd's own binary; the
	// listen URLs are advertised.
	flag.String("advertise-client-urls", "", "ignored: the client URL is advertised")
	flag.String("initial-advertise-peer-urls", "", "ignored: the peer URL is advertised")
	flag.Parse()
	cfg, err := config(*dataDir, *clientURL, *peerURL)
	if err != nil {
		return err
	}
	cfg.Name = *name
	cfg.InitialCluster = *cluster
	if *cluster == "" {
		cfg.InitialCluster = cfg.Name + "=" + strings.TrimSuffix(*peerURL, "/")
	}
	e, err := embed.StartEtcd(cfg)
	if err != nil {
		return err
	}
	defer e.Close()
	sig := make(chan os.Signal, 1)
	signal.Notify(sig, syscall.SIGTERM, syscall.SIGINT)
	select {
	case err := <-e.Err():
		return err
	case <-sig:
		return nil
	}
}

// config is a one-member cluster on the given URLs with etcd's defaults.
func config(dataDir, clientURL, peerURL string) (*embed.Config, error) {
	if dataDir == "" || clientURL == "" || peerURL == "" {
		return nil, fmt.Errorf("-data-dir, -listen-client-urls and -listen-peer-urls are required")
	}
	client, err := url.Parse(clientURL)
	if err != nil {
		return nil, err
	}
	peer, err := url.Parse(peerURL)
	if err != nil {
		return nil, err
	}
	cfg := embed.NewConfig()
	cfg.Dir = dataDir
	cfg.LogLevel = "error"
	cfg.ListenClientUrls, cfg.AdvertiseClientUrls = []url.URL{*client}, []url.URL{*client}
	cfg.ListenPeerUrls, cfg.AdvertisePeerUrls = []url.URL{*peer}, []url.URL{*peer}
	return cfg, nil
}
