package main

import (
	"context"
	"flag"

	"github.com/skiff/skiff/internal/agent"
)

// agentFlags registers the node's flags; skiff agent and skiff up share
// all but the connection ones.
func agentFlags(fs *flag.FlagSet, o *agent.Options) {
	fs.StringVar(&o.NodeName, "node-name", "", "name of the Node (default: the host name)")
	fs.StringVar(&o.NodeIP, "node-ip", "", "IP the API server reaches this node on (default: the first non-loopback IPv4 address)")
	fs.IntVar(&o.KubeletPort, "kubelet-port", 10250, "port of the node's HTTPS endpoint (logs, exec, port-forward)")
	fs.StringVar(&o.RuntimeEndpoint, "container-runtime-endpoint", "", "use this running containerd (unix:///path) instead of starting the node's own")
	fs.StringVar(&o.Busybox, "busybox", agent.DefaultBusybox, "static busybox binary the pod sandbox image is made of")
}

func runAgent(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("agent", flag.ContinueOnError)
	o := agent.Options{}
	fs.StringVar(&o.Server, "server", "", "API server URL (default: the one in the --token file)")
	fs.StringVar(&o.Kubeconfig, "token", "", "credentials for the API server: for now, the path of the server's admin kubeconfig")
	fs.StringVar(&o.DataDir, "data-dir", "/var/lib/skiff/agent", "directory for containerd, pod volumes and logs")
	agentFlags(fs, &o)
	verbose := fs.Bool("v", false, "log debug messages")
	if err := fs.Parse(args); err != nil {
		return err
	}
	o.Logger = newLogger(*verbose)
	return agent.Run(ctx, o)
}
