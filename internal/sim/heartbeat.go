package sim

import (
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"sync"
	"sync/atomic"
	"time"

	coordinationv1 "k8s.io/api/coordination/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/util/workqueue"
)

// What a heartbeat key asks for.
type beatKind uint8

const (
	beatRegister beatKind = iota // create or adopt the Node
	beatLease                    // create or renew the node Lease
	beatStatus                   // report node status with a fresh heartbeat
)

type beatKey struct {
	kind beatKind
	node int
}

// heartbeats registers the nodes and keeps their Leases and status fresh.
// Each node's next renewal and report is a delayed key in one queue (the
// queue's heap is the timer wheel), drained by a bounded pool.
type heartbeats struct {
	c          *Config
	nodes      []*simNode
	queue      workqueue.TypedRateLimitingInterface[beatKey]
	mu         sync.Mutex
	beats      []nodeBeat
	registered atomic.Int64
	started    time.Time
}

// nodeBeat is what the sim remembers of a node between heartbeats.
type nodeBeat struct {
	uid   types.UID
	since time.Time // when this sim made it Ready
	lease *coordinationv1.Lease
	// reRegister: the node was deleted under the sim; create it anew.
	reRegister bool
}

func hasLabels(node *corev1.Node, want map[string]string) bool {
	for k, v := range want {
		if node.Labels[k] != v {
			return false
		}
	}
	return true
}

func newHeartbeats(c *Config, nodes []*simNode) *heartbeats {
	limiter := workqueue.NewTypedItemExponentialFailureRateLimiter[beatKey](200*time.Millisecond, 5*time.Second)
	return &heartbeats{c: c, nodes: nodes, beats: make([]nodeBeat, len(nodes)),
		queue: workqueue.NewTypedRateLimitingQueueWithConfig(limiter,
			workqueue.TypedRateLimitingQueueConfig[beatKey]{Name: "sim-heartbeats", Clock: c.Clock})}
}

func (h *heartbeats) run(ctx context.Context) error {
	h.started = h.c.Clock.Now()
	for i := range h.nodes {
		h.queue.Add(beatKey{beatRegister, i})
	}
	drain(ctx, h.queue, h.c.Workers, h.c.Logger, h.sync)
	return nil
}

func (h *heartbeats) sync(ctx context.Context, k beatKey) error {
	switch k.kind {
	case beatRegister:
		if err := h.register(ctx, k.node); err != nil {
			return err
		}
		h.queue.Add(beatKey{beatLease, k.node})
		h.queue.AddAfter(beatKey{beatStatus, k.node}, jitter(h.c.StatusReportFrequency, 0))
		h.logProgress()
	case beatLease:
		created, err := h.renew(ctx, k.node)
		if err != nil {
			return err
		}
		next := h.c.LeaseDuration / 4
		if created {
			next = jitter(next, 0.5)
		}
		h.queue.AddAfter(k, next)
	case beatStatus:
		if err := h.report(ctx, k.node); err != nil {
			return err
		}
		h.queue.AddAfter(k, h.c.StatusReportFrequency)
	}
	return nil
}

// jitter is a random point in [d*from, d): the first renewals and reports
// of nodes registered together spread over the period instead of coming
// in waves.
func jitter(d time.Duration, from float64) time.Duration {
	return time.Duration(float64(d) * (from + (1-from)*rand.Float64()))
}

func (h *heartbeats) logProgress() {
	if n := h.registered.Add(1); n == int64(len(h.nodes)) {
		h.c.Logger.Info("all nodes registered", "nodes", n, "took", h.c.Clock.Since(h.started).Round(time.Millisecond))
	}
}

// register creates the node with its status, or adopts the one that is
// there (a restarted sim): it sets the podCIDR the plan picked if the node
// has none, and reports a full status.
func (h *heartbeats) register(ctx context.Context, i int) error {
	n, now := h.nodes[i], h.c.Clock.Now()
	nodes := h.c.Client.CoreV1().Nodes()
	node := n.existing
	if node == nil || h.beat(i).reRegister {
		created, err := nodes.Create(ctx, nodeObject(n, h.c, now), metav1.CreateOptions{})
		switch {
		case err == nil:
			h.setBeat(i, func(b *nodeBeat) { *b = nodeBeat{uid: created.UID, since: now} })
			if len(created.Status.Conditions) > 0 {
				return nil // the server kept the status sent with the node
			}
			return h.patchStatus(ctx, i)
		case !apierrors.IsAlreadyExists(err):
			return fmt.Errorf("register node %s: %w", n.name, err)
		}
		if node, err = nodes.Get(ctx, n.name, metav1.GetOptions{}); err != nil {
			return fmt.Errorf("adopt node %s: %w", n.name, err)
		}
	}
	if err := h.adopt(ctx, n, node); err != nil {
		return err
	}
	h.setBeat(i, func(b *nodeBeat) { *b = nodeBeat{uid: node.UID, since: now} })
	return h.patchStatus(ctx, i)
}

// adopt gives an existing node the sim's labels and, if it has none, the
// planned podCIDR; a node that has both costs no write.
func (h *heartbeats) adopt(ctx context.Context, n *simNode, node *corev1.Node) error {
	patch := map[string]any{"metadata": map[string]any{"labels": nodeLabels(n.name)}}
	if hasLabels(node, nodeLabels(n.name)) && node.Spec.PodCIDR != "" {
		patch = nil
	}
	if node.Spec.PodCIDR == "" {
		cidr := n.podCIDR.String()
		patch["spec"] = map[string]any{"podCIDR": cidr, "podCIDRs": []string{cidr}}
	} else if node.Spec.PodCIDR != n.podCIDR.String() {
		h.c.Logger.Warn("node has another podCIDR than planned; pod IPs come from the plan",
			"node", n.name, "podCIDR", node.Spec.PodCIDR, "planned", n.podCIDR)
	}
	if patch == nil {
		return nil
	}
	data, err := json.Marshal(patch)
	if err != nil {
		return fmt.Errorf("adopt node %s: %w", n.name, err)
	}
	if _, err := h.c.Client.CoreV1().Nodes().Patch(ctx, n.name, types.StrategicMergePatchType, data, metav1.PatchOptions{}); err != nil {
		return fmt.Errorf("adopt node %s: %w", n.name, err)
	}
	return nil
}

// report writes the node status with a fresh heartbeat, and re-registers
// a node someone deleted, as the kubelet does.
func (h *heartbeats) report(ctx context.Context, i int) error {
	err := h.patchStatus(ctx, i)
	if apierrors.IsNotFound(err) {
		h.setBeat(i, func(b *nodeBeat) { *b = nodeBeat{reRegister: true} })
		h.queue.Add(beatKey{beatRegister, i})
		return nil
	}
	return err
}

// patchStatus sends the whole status as a strategic merge patch: no read
// first and no conflicts, whatever else changed on the node.
func (h *heartbeats) patchStatus(ctx context.Context, i int) error {
	n, b := h.nodes[i], h.beat(i)
	data, err := json.Marshal(map[string]any{"status": nodeStatus(n, h.c, h.c.Clock.Now(), b.since)})
	if err != nil {
		return fmt.Errorf("node %s status: %w", n.name, err)
	}
	_, err = h.c.Client.CoreV1().Nodes().Patch(ctx, n.name, types.StrategicMergePatchType, data, metav1.PatchOptions{}, "status")
	if err != nil {
		return fmt.Errorf("node %s status: %w", n.name, err)
	}
	return nil
}

// renew updates the node's Lease from the copy the last renewal returned,
// creating it the first time (then created is true); on a conflict it
// drops the copy and the retry reads the Lease afresh.
func (h *heartbeats) renew(ctx context.Context, i int) (created bool, err error) {
	n, b := h.nodes[i], h.beat(i)
	leases := h.c.Client.CoordinationV1().Leases(LeaseNamespace)
	lease := b.lease
	if lease == nil {
		got, err := leases.Get(ctx, n.name, metav1.GetOptions{})
		switch {
		case apierrors.IsNotFound(err):
			got, created = &coordinationv1.Lease{}, true
		case err != nil:
			return false, fmt.Errorf("lease of node %s: %w", n.name, err)
		}
		lease = got
	}
	lease = lease.DeepCopy()
	renewLease(lease, n.name, b.uid, h.c.LeaseDuration, h.c.Clock.Now())
	if created {
		lease, err = leases.Create(ctx, lease, metav1.CreateOptions{})
	} else {
		lease, err = leases.Update(ctx, lease, metav1.UpdateOptions{})
	}
	if err != nil {
		h.setBeat(i, func(b *nodeBeat) { b.lease = nil })
		return false, fmt.Errorf("renew lease of node %s: %w", n.name, err)
	}
	h.setBeat(i, func(b *nodeBeat) { b.lease = lease })
	return created, nil
}

func (h *heartbeats) beat(i int) nodeBeat {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.beats[i]
}

func (h *heartbeats) setBeat(i int, f func(*nodeBeat)) {
	h.mu.Lock()
	defer h.mu.Unlock()
	f(&h.beats[i])
}
