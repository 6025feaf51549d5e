package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/tools/clientcmd"

	"github.com/skiff/skiff/internal/agent"
	"github.com/skiff/skiff/internal/controlplane"
)

// runUp runs a one-machine cluster: the control plane and a node in one
// process. It prints its progress on stdout and, once the node is Ready,
// the line that points kubectl at the cluster.
func runUp(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("up", flag.ContinueOnError)
	so := controlplane.Options{}
	dataDir := fs.String("data-dir", "/var/lib/skiff", "directory for the server (DIR/server) and the node (DIR/agent)")
	// The server's flags other than --data-dir, then the node's.
	sfs := flag.NewFlagSet("up-server", flag.ContinueOnError)
	finish := serverFlags(sfs, &so, "")
	sfs.VisitAll(func(f *flag.Flag) {
		if f.Name != "data-dir" {
			fs.Var(f.Value, f.Name, f.Usage)
		}
	})
	ao := agent.Options{}
	agentFlags(fs, &ao)
	verbose := fs.Bool("v", false, "log debug messages")
	if err := fs.Parse(args); err != nil {
		return err
	}
	finish()
	log := newLogger(*verbose)
	tuneGC(log)
	if !filepath.IsAbs(*dataDir) {
		return fmt.Errorf("up: --data-dir must be an absolute path, got %q", *dataDir)
	}
	so.DataDir, so.Logger = filepath.Join(*dataDir, "server"), log
	ao.DataDir, ao.Kubeconfig, ao.Logger = filepath.Join(*dataDir, "agent"), so.KubeconfigPath(), log

	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	serverDone := make(chan error, 1)
	fmt.Println("skiff up: starting the control plane in", so.DataDir)
	go func() { serverDone <- controlplane.Run(ctx, so) }()
	client, err := waitServer(ctx, so.KubeconfigPath(), serverDone)
	if err != nil {
		return err
	}
	fmt.Println("skiff up: control plane ready; starting the node in", ao.DataDir)
	ao.Ready = func(node string) {
		go func() {
			if err := waitNodeReady(ctx, client, node); err != nil {
				return
			}
			fmt.Printf("skiff up: node %s is Ready\n\nexport KUBECONFIG=%s\n", node, so.KubeconfigPath())
		}()
	}
	agentErr := agent.Run(ctx, ao)
	cancel(agentErr)
	serverErr := <-serverDone
	return errors.Join(agentErr, serverErr)
}

// waitServer waits until the control plane wrote its kubeconfig and
// answers /readyz.
func waitServer(ctx context.Context, kubeconfig string, serverDone <-chan error) (kubernetes.Interface, error) {
	deadline := time.Now().Add(2 * time.Minute)
	for {
		if _, err := os.Stat(kubeconfig); err == nil {
			cfg, err := clientcmd.BuildConfigFromFlags("", kubeconfig)
			if err != nil {
				return nil, err
			}
			client, err := kubernetes.NewForConfig(cfg)
			if err != nil {
				return nil, err
			}
			if body, err := client.Discovery().RESTClient().Get().AbsPath("/readyz").DoRaw(ctx); err == nil && string(body) == "ok" {
				return client, nil
			}
		}
		if time.Now().After(deadline) {
			return nil, errors.New("up: the control plane did not become ready in 2 minutes")
		}
		select {
		case err := <-serverDone:
			if err == nil {
				err = errors.New("control plane stopped")
			}
			return nil, fmt.Errorf("up: %w", err)
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-time.After(100 * time.Millisecond):
		}
	}
}

// waitNodeReady polls the node until its Ready condition is True.
func waitNodeReady(ctx context.Context, client kubernetes.Interface, name string) error {
	tick := time.NewTicker(200 * time.Millisecond)
	defer tick.Stop()
	for {
		if n, err := client.CoreV1().Nodes().Get(ctx, name, metav1.GetOptions{}); err == nil {
			for _, c := range n.Status.Conditions {
				if c.Type == corev1.NodeReady && c.Status == corev1.ConditionTrue {
					return nil
				}
			}
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-tick.C:
		}
	}
}
