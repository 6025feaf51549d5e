package sim

import (
	"context"
	"fmt"
	"sync"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// Sim runs the simulated nodes of one Config.
type Sim struct {
	c      Config
	nodes  []*simNode
	byName map[string]*simNode
	hb     *heartbeats
	pods   *kubelet
}

// New checks the config; nothing touches the API until Run.
func New(c Config) (*Sim, error) {
	c.defaults()
	if err := c.validate(); err != nil {
		return nil, err
	}
	return &Sim{c: c}, nil
}

// Run registers the nodes and keeps them and their pods going until ctx
// ends or FailAfter passes. Either way it stops every write at once and
// leaves the nodes as they are, so they go silent like a crashed machine.
func (s *Sim) Run(ctx context.Context) error {
	if s.c.FailAfter > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, s.c.FailAfter)
		defer cancel()
	}
	if err := s.plan(ctx); err != nil {
		return err
	}
	s.hb = newHeartbeats(&s.c, s.nodes)
	s.pods = newKubelet(&s.c, s.byName)
	var wg sync.WaitGroup
	errs := make(chan error, 2)
	for _, run := range []func(context.Context) error{s.hb.run, s.pods.run} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs <- run(ctx)
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil && ctx.Err() == nil {
			return err
		}
	}
	if s.c.FailAfter > 0 {
		s.c.Logger.Info("nodes went silent as asked", "failAfter", s.c.FailAfter)
	}
	return nil
}

// plan reads the cluster's nodes once and decides names, podCIDRs and IPs.
func (s *Sim) plan(ctx context.Context) error {
	existing, err := listNodes(ctx, s.c)
	if err != nil {
		return err
	}
	nodes, err := planNodes(&s.c, existing)
	if err != nil {
		return err
	}
	s.nodes, s.byName = nodes, make(map[string]*simNode, len(nodes))
	for _, n := range nodes {
		s.byName[n.name] = n
	}
	return nil
}

// listNodes pages through the cluster's nodes.
func listNodes(ctx context.Context, c Config) ([]corev1.Node, error) {
	var out []corev1.Node
	opts := metav1.ListOptions{Limit: 500}
	for {
		ctx, cancel := context.WithTimeout(ctx, time.Minute)
		list, err := c.Client.CoreV1().Nodes().List(ctx, opts)
		cancel()
		if err != nil {
			return nil, fmt.Errorf("list nodes: %w", err)
		}
		out = append(out, list.Items...)
		if list.Continue == "" {
			return out, nil
		}
		opts.Continue = list.Continue
	}
}
