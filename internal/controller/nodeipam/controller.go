// Package nodeipam gives every Node its pod range: a node without
// spec.podCIDR gets the next free subnet (/24 for IPv4, /64 for IPv6) of
// the cluster CIDR (one range, or one per IP family), written to
// spec.podCIDR and spec.podCIDRs. Ranges of existing nodes are marked used
// before anything is handed out, a deleted node's range is freed, and a
// node left without one when the cluster CIDR is exhausted gets a
// CIDRNotAvailable warning event and its range as soon as one frees up.
//
// It does not route between nodes or write CNI configuration (the agent
// does that from spec.podCIDRs), and never changes a podCIDR once set:
// the API forbids that.
package nodeipam

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/netip"
	"slices"
	"strings"
	"sync"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/informers"
	"k8s.io/client-go/kubernetes"
	corelisters "k8s.io/client-go/listers/core/v1"
	"k8s.io/client-go/tools/cache"
	"k8s.io/client-go/tools/record"

	"github.com/skiff/skiff/internal/controller/workloop"
)

// Defaults, as skiff documents them (and kube-controller-manager's mask
// sizes).
const (
	DefaultClusterCIDR = "10.42.0.0/16"
	defaultMaskIPv4    = 24
	defaultMaskIPv6    = 64
)

// Config is what the controller needs; Client, Informers and Recorder are
// required.
type Config struct {
	Client    kubernetes.Interface
	Informers informers.SharedInformerFactory
	// ClusterCIDR is one range, or an IPv4 and an IPv6 range separated by
	// a comma; empty means DefaultClusterCIDR.
	ClusterCIDR string
	// NodeMaskSizeIPv4 and NodeMaskSizeIPv6 are the size of each node's
	// range (24 and 64 when zero).
	NodeMaskSizeIPv4, NodeMaskSizeIPv6 int
	Recorder                           record.EventRecorder
	Logger                             *slog.Logger
}

// ParseClusterCIDR reads a cluster CIDR flag: one range, or two of
// different IP families separated by a comma.
func ParseClusterCIDR(s string) ([]netip.Prefix, error) {
	if s == "" {
		s = DefaultClusterCIDR
	}
	var out []netip.Prefix
	for _, part := range strings.Split(s, ",") {
		p, err := netip.ParsePrefix(strings.TrimSpace(part))
		if err != nil {
			return nil, fmt.Errorf("cluster CIDR %q: %w", s, err)
		}
		if p != p.Masked() {
			return nil, fmt.Errorf("cluster CIDR %q: %s has host bits set (want %s)", s, p, p.Masked())
		}
		out = append(out, p)
	}
	if len(out) > 2 || (len(out) == 2 && out[0].Addr().Is4() == out[1].Addr().Is4()) {
		return nil, fmt.Errorf("cluster CIDR %q: give one range, or one IPv4 and one IPv6 range", s)
	}
	return out, nil
}

// Controller allocates node pod ranges.
type Controller struct {
	client   kubernetes.Interface
	nodes    corelisters.NodeLister
	synced   cache.InformerSynced
	recorder record.EventRecorder
	log      *slog.Logger
	loop     *workloop.Loop

	mu   sync.Mutex
	sets []*cidrSet
	// held is what each node holds: its podCIDRs as the API shows them,
	// or what this controller gave it and the cache does not show yet.
	held map[string][]netip.Prefix
	// starved are nodes told that no range is left; they are looked at
	// again when one frees up.
	starved map[string]bool
}

// New builds the controller and registers its node handlers.
func New(cfg Config) (*Controller, error) {
	if cfg.Client == nil || cfg.Informers == nil || cfg.Recorder == nil {
		return nil, errors.New("nodeipam controller: Client, Informers and Recorder are required")
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	cidrs, err := ParseClusterCIDR(cfg.ClusterCIDR)
	if err != nil {
		return nil, fmt.Errorf("nodeipam controller: %w", err)
	}
	c := &Controller{client: cfg.Client, recorder: cfg.Recorder, log: cfg.Logger.With("controller", "nodeipam"),
		held: map[string][]netip.Prefix{}, starved: map[string]bool{}}
	for _, p := range cidrs {
		mask := cmpOr(cfg.NodeMaskSizeIPv4, defaultMaskIPv4)
		if !p.Addr().Is4() {
			mask = cmpOr(cfg.NodeMaskSizeIPv6, defaultMaskIPv6)
		}
		set, err := newCIDRSet(p, mask)
		if err != nil {
			return nil, fmt.Errorf("nodeipam controller: %w", err)
		}
		c.sets = append(c.sets, set)
	}
	informer := cfg.Informers.Core().V1().Nodes()
	c.nodes, c.synced = informer.Lister(), informer.Informer().HasSynced
	c.loop = workloop.New("nodeipam", c.sync, cfg.Logger)
	_, err = informer.Informer().AddEventHandler(cache.ResourceEventHandlerFuncs{
		AddFunc: c.loop.Enqueue,
		UpdateFunc: func(old, obj any) {
			o, n := old.(*corev1.Node), obj.(*corev1.Node)
			if n.Spec.PodCIDR == "" || !slices.Equal(o.Spec.PodCIDRs, n.Spec.PodCIDRs) {
				c.loop.Enqueue(obj)
			}
		},
		DeleteFunc: c.loop.Enqueue,
	})
	if err != nil {
		return nil, fmt.Errorf("nodeipam controller: %w", err)
	}
	return c, nil
}

func cmpOr(v, def int) int {
	if v == 0 {
		return def
	}
	return v
}

// Run marks the ranges of the nodes that exist, then allocates until ctx
// ends.
func (c *Controller) Run(ctx context.Context, workers int) error {
	if !cache.WaitForCacheSync(ctx.Done(), c.synced) {
		return fmt.Errorf("nodeipam: caches did not sync: %w", ctx.Err())
	}
	nodes, err := c.nodes.List(labels.Everything())
	if err != nil {
		return fmt.Errorf("nodeipam: list nodes: %w", err)
	}
	for _, n := range nodes {
		c.hold(n)
	}
	return c.loop.Run(ctx, workers, c.synced)
}

// sync gives node name a range if it has none, or records the one it has.
func (c *Controller) sync(ctx context.Context, name string) error {
	node, err := c.nodes.Get(name)
	if apierrors.IsNotFound(err) {
		c.forget(name)
		return nil
	}
	if err != nil {
		return fmt.Errorf("get node %s: %w", name, err)
	}
	if node.Spec.PodCIDR != "" || len(node.Spec.PodCIDRs) > 0 {
		c.hold(node)
		return nil
	}
	cidrs, err := c.allocate(name)
	if errors.Is(err, errFull) {
		c.reportStarved(node, err)
		return nil
	}
	if err != nil {
		return err
	}
	if err := c.patch(ctx, name, cidrs); err != nil {
		if apierrors.IsNotFound(err) {
			c.forget(name)
			return nil
		}
		// The range stays reserved for this node: the retry, or the next
		// sync if someone else gave the node a range meanwhile, settles it.
		return err
	}
	c.log.Info("assigned pod CIDR", "node", name, "podCIDRs", cidrs)
	return nil
}

// allocate returns the ranges reserved for name, reserving new ones (one
// per cluster CIDR) when it has none.
func (c *Controller) allocate(name string) ([]netip.Prefix, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if held := c.held[name]; len(held) > 0 {
		return held, nil
	}
	var got []netip.Prefix
	for _, set := range c.sets {
		p, err := set.allocateNext()
		if err != nil {
			for i, q := range got {
				c.sets[i].release(q)
			}
			return nil, err
		}
		got = append(got, p)
	}
	c.held[name] = got
	delete(c.starved, name)
	return got, nil
}

// hold records the ranges a node shows as its own, freeing any other this
// controller had reserved for it.
func (c *Controller) hold(node *corev1.Node) {
	cidrs := nodeCIDRs(node)
	c.mu.Lock()
	defer c.mu.Unlock()
	if slices.Equal(c.held[node.Name], cidrs) {
		return
	}
	c.releaseLocked(node.Name)
	for _, p := range cidrs {
		for _, set := range c.sets {
			if set.owns(p) && !set.occupy(p) {
				c.log.Warn("node's pod CIDR is also another node's", "node", node.Name, "podCIDR", p)
			}
		}
	}
	c.held[node.Name] = cidrs
	delete(c.starved, node.Name)
}

// forget frees a deleted node's ranges and wakes nodes waiting for one.
func (c *Controller) forget(name string) {
	c.mu.Lock()
	freed := len(c.held[name]) > 0
	c.releaseLocked(name)
	delete(c.starved, name)
	var waiting []string
	if freed {
		for n := range c.starved {
			waiting = append(waiting, n)
		}
	}
	c.mu.Unlock()
	for _, n := range waiting {
		c.loop.Add(n)
	}
}

func (c *Controller) releaseLocked(name string) {
	for _, p := range c.held[name] {
		for _, set := range c.sets {
			if set.owns(p) {
				set.release(p)
			}
		}
	}
	delete(c.held, name)
}

// reportStarved tells, once, that node has to wait for a range.
func (c *Controller) reportStarved(node *corev1.Node, err error) {
	c.mu.Lock()
	told := c.starved[node.Name]
	c.starved[node.Name] = true
	c.mu.Unlock()
	if told {
		return
	}
	c.log.Warn("no pod CIDR left for node", "node", node.Name, "err", err)
	ref := &corev1.ObjectReference{APIVersion: "v1", Kind: "Node", Name: node.Name, UID: node.UID}
	c.recorder.Eventf(ref, corev1.EventTypeWarning, "CIDRNotAvailable", "Node %s status is now: CIDRNotAvailable", node.Name)
}

// patch writes the node's ranges.
func (c *Controller) patch(ctx context.Context, name string, cidrs []netip.Prefix) error {
	list := make([]string, len(cidrs))
	for i, p := range cidrs {
		list[i] = p.String()
	}
	data, err := json.Marshal(map[string]any{"spec": map[string]any{"podCIDR": list[0], "podCIDRs": list}})
	if err != nil {
		return fmt.Errorf("patch node %s: %w", name, err)
	}
	if _, err := c.client.CoreV1().Nodes().Patch(ctx, name, types.MergePatchType, data, metav1.PatchOptions{}); err != nil {
		return fmt.Errorf("patch node %s podCIDRs %v: %w", name, list, err)
	}
	return nil
}

// nodeCIDRs are the ranges a node shows, parsed and masked; unparsable
// ones are skipped (the API validates them anyway).
func nodeCIDRs(node *corev1.Node) []netip.Prefix {
	raw := node.Spec.PodCIDRs
	if len(raw) == 0 && node.Spec.PodCIDR != "" {
		raw = []string{node.Spec.PodCIDR}
	}
	var out []netip.Prefix
	for _, s := range raw {
		if p, err := netip.ParsePrefix(s); err == nil {
			out = append(out, p.Masked())
		}
	}
	return out
}
