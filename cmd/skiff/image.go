package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"net/url"
	"os"
	"strings"
	"text/tabwriter"

	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/clientcmd"

	"github.com/skiff/skiff/internal/images"
	kruntime "github.com/skiff/skiff/internal/kubelet/runtime"
)

// runImage is `skiff image push FILE.tar [--name REF]` and `skiff image
// ls`: they reach the registry the API server hosts with the kubeconfig's
// server and credentials, as kubectl would.
func runImage(ctx context.Context, args []string) error {
	if len(args) == 0 {
		return errors.New("usage: skiff image push FILE.tar [--name REF] | skiff image ls | skiff image busybox FILE.tar [--name REF]")
	}
	switch args[0] {
	case "busybox":
		return runImageBusybox(args[1:])
	case "push":
		return runImagePush(ctx, args[1:])
	case "ls", "list":
		return runImageList(ctx, args[1:])
	}
	return fmt.Errorf("image: unknown command %q (push, ls, busybox)", args[0])
}

// runImageBusybox writes an image made of the machine's static busybox
// (Debian's busybox-static) as an OCI archive: a shell, httpd and nc for
// examples and tests on machines that cannot pull anything.
func runImageBusybox(args []string) error {
	fs := flag.NewFlagSet("image busybox", flag.ContinueOnError)
	ref := fs.String("name", "docker.io/library/busybox:1.36", "the image's reference")
	bin := fs.String("busybox", "/bin/busybox", "static busybox binary")
	if err := fs.Parse(interspersed(fs, args)); err != nil {
		return helpIsNoError(err)
	}
	if fs.NArg() != 1 {
		return errors.New("usage: skiff image busybox FILE.tar [--name REF] [--busybox /bin/busybox]")
	}
	f, err := os.Create(fs.Arg(0))
	if err != nil {
		return err
	}
	img := kruntime.BusyboxImage{Ref: *ref, Busybox: *bin, Cmd: []string{"sh"}}
	if err := img.WriteOCIArchive(f); err != nil {
		f.Close()
		os.Remove(fs.Arg(0))
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	fmt.Printf("wrote %s (%s)\n", fs.Arg(0), *ref)
	return nil
}

func runImagePush(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("image push", flag.ContinueOnError)
	kubeconfig := fs.String("kubeconfig", "", "kubeconfig file (default: $KUBECONFIG, ~/.kube/config)")
	as := fs.String("name", "", "push the archive's one image as this reference (busybox:1.36 is docker.io/library/busybox:1.36)")
	if err := fs.Parse(interspersed(fs, args)); err != nil {
		return helpIsNoError(err)
	}
	if fs.NArg() != 1 {
		return errors.New("usage: skiff image push FILE.tar [--name REF]")
	}
	c, err := registryClient(*kubeconfig)
	if err != nil {
		return err
	}
	pushed, err := c.PushArchive(ctx, fs.Arg(0), *as)
	for _, p := range pushed {
		fmt.Printf("pushed %s %s\n", p.Ref, p.Digest)
	}
	return err
}

func runImageList(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("image ls", flag.ContinueOnError)
	kubeconfig := fs.String("kubeconfig", "", "kubeconfig file (default: $KUBECONFIG, ~/.kube/config)")
	if err := fs.Parse(args); err != nil {
		return helpIsNoError(err)
	}
	c, err := registryClient(*kubeconfig)
	if err != nil {
		return err
	}
	list, err := c.List(ctx)
	if err != nil {
		return err
	}
	tw := tabwriter.NewWriter(os.Stdout, 0, 8, 3, ' ', 0)
	fmt.Fprintln(tw, "NAME\tTAG\tDIGEST\tSIZE")
	for _, l := range list {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", l.Repository, l.Tag, l.Digest, images.HumanSize(l.Size))
	}
	return tw.Flush()
}

// registryClient finds the API server and credentials the way kubectl
// does and builds a registry client with the API server's transport.
func registryClient(kubeconfig string) (*images.Client, error) {
	rules := clientcmd.NewDefaultClientConfigLoadingRules()
	rules.ExplicitPath = kubeconfig
	cfg, err := clientcmd.NewNonInteractiveDeferredLoadingClientConfig(rules, &clientcmd.ConfigOverrides{}).ClientConfig()
	if err != nil {
		return nil, fmt.Errorf("kubeconfig: %w", err)
	}
	u, err := url.Parse(cfg.Host)
	if err != nil || u.Host == "" {
		return nil, fmt.Errorf("kubeconfig: server %q is not a URL", cfg.Host)
	}
	rt, err := rest.TransportFor(cfg)
	if err != nil {
		return nil, fmt.Errorf("kubeconfig: %w", err)
	}
	return &images.Client{Host: u.Host, Transport: rt}, nil
}

// interspersed moves flags after the file argument in front of it, so
// that `push FILE.tar --name REF` works as well as `push --name REF FILE`.
// Every flag of the command takes a value.
func interspersed(fs *flag.FlagSet, args []string) []string {
	var flags, rest []string
	for i := 0; i < len(args); i++ {
		a := args[i]
		if len(a) < 2 || a[0] != '-' {
			rest = append(rest, a)
			continue
		}
		flags = append(flags, a)
		if f := fs.Lookup(strings.TrimLeft(a, "-")); f != nil && !strings.Contains(a, "=") && i+1 < len(args) {
			flags = append(flags, args[i+1])
			i++
		}
	}
	return append(flags, rest...)
}

// helpIsNoError makes -h end the command quietly, its usage printed.
func helpIsNoError(err error) error {
	if errors.Is(err, flag.ErrHelp) {
		return nil
	}
	return err
}
