// Command skiff is a Kubernetes-compatible cluster in one binary. Each
// subcommand lives in its own file; this one only dispatches.
package main

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"runtime/pprof"
	"syscall"
)

// command is one subcommand: it parses its own flags and runs until ctx
// ends or its work is done.
type command struct {
	name    string
	summary string
	run     func(ctx context.Context, args []string) error
}

func commands() []command {
	return []command{
		{"agent", "run a node: pods on containerd (agent --token KUBECONFIG)", runAgent},
		{"bench", "measure an API server (bench api --kubeconfig FILE)", runBench},
		{"image", "push and list images (image push FILE.tar, image ls)", runImage},
		{"server", "run the control plane (API server on etcd)", runServer},
		{"sim", "run simulated nodes", runSim},
		{"up", "run a one-machine cluster: server and agent in one process", runUp},
		{"version", "print the version", runVersion},
	}
}

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	// SKIFF_CPUPROFILE=FILE profiles any command until it returns: the way
	// to see where a client (sim, bench) spends its time; the server also
	// serves /debug/pprof.
	if path := os.Getenv("SKIFF_CPUPROFILE"); path != "" {
		f, err := os.Create(path)
		if err == nil {
			err = pprof.StartCPUProfile(f)
		}
		if err != nil {
			fmt.Fprintf(os.Stderr, "skiff: SKIFF_CPUPROFILE: %v\n", err)
			os.Exit(1)
		}
		defer f.Close()
		defer pprof.StopCPUProfile()
	}
	if err := dispatch(ctx, os.Args[1:]); err != nil {
		fmt.Fprintf(os.Stderr, "skiff: %v\n", err)
		pprof.StopCPUProfile()
		os.Exit(1)
	}
}

func dispatch(ctx context.Context, args []string) error {
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" || args[0] == "help" {
		usage()
		return nil
	}
	for _, c := range commands() {
		if c.name == args[0] {
			return c.run(ctx, args[1:])
		}
	}
	usage()
	return fmt.Errorf("unknown command %q", args[0])
}

func usage() {
	fmt.Fprintln(os.Stderr, "Usage: skiff <command> [flags]\n\nCommands:")
	for _, c := range commands() {
		fmt.Fprintf(os.Stderr, "  %-10s %s\n", c.name, c.summary)
	}
}
