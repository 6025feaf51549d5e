package node

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/fields"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/watch"

	"github.com/skiff/skiff/internal/kubelet/cni"
)

// Back-off between failed API calls: from retryBase, doubling, to the
// period of what failed.
const retryBase = 200 * time.Millisecond

// Register creates the Node, or adopts the one there (its spec stays; its
// labels and status are refreshed), then waits for the control plane to
// set spec.podCIDR(s) and writes the CNI conflist for them. API errors
// are retried until ctx ends; Register then says what it was waiting for.
func (n *Node) Register(ctx context.Context) error {
	if err := n.cfg.validate(); err != nil {
		return err
	}
	host, err := readHost(n.files, n.cfg.DataDir)
	if err != nil {
		return fmt.Errorf("node %s: %w", n.cfg.NodeName, err)
	}
	n.mu.Lock()
	n.host = host
	n.mu.Unlock()
	var node *corev1.Node
	if err := n.retry(ctx, "register", func() (err error) {
		node, err = n.ensure(ctx)
		return err
	}); err != nil {
		return err
	}
	cidrs, err := n.waitForPodCIDRs(ctx, node)
	if err != nil {
		return err
	}
	if err := n.writeCNI(ctx, cidrs); err != nil {
		return err
	}
	n.mu.Lock()
	n.registered = true
	n.mu.Unlock()
	n.cfg.Logger.Info("node registered", "node", n.cfg.NodeName, "podCIDRs", cidrs)
	return nil
}

// ensure creates the Node with its status, or adopts an existing one.
func (n *Node) ensure(ctx context.Context) (*corev1.Node, error) {
	nodes := n.cfg.Client.CoreV1().Nodes()
	n.mu.Lock()
	host, ready := n.host, n.ready
	n.since = map[corev1.NodeConditionType]sinceStatus{}
	want := &corev1.Node{
		ObjectMeta: metav1.ObjectMeta{Name: n.cfg.NodeName, Labels: n.labels()},
		Status:     n.status(host, ready, n.since, n.cfg.Clock.Now()),
	}
	n.mu.Unlock()
	created, err := nodes.Create(ctx, want, metav1.CreateOptions{})
	switch {
	case err == nil:
		n.adopted(created)
		if len(created.Status.Conditions) > 0 {
			return created, nil // the server kept the status sent with the node
		}
		return n.patchStatus(ctx)
	case !apierrors.IsAlreadyExists(err):
		return nil, fmt.Errorf("create node %s: %w", n.cfg.NodeName, err)
	}
	existing, err := nodes.Get(ctx, n.cfg.NodeName, metav1.GetOptions{})
	if err != nil {
		return nil, fmt.Errorf("get node %s: %w", n.cfg.NodeName, err)
	}
	n.mu.Lock()
	n.since = sinceFrom(existing)
	n.mu.Unlock()
	if err := n.patchLabels(ctx, existing); err != nil {
		return nil, err
	}
	n.adopted(existing)
	return n.patchStatus(ctx)
}

// patchLabels sets the node's labels on an existing Node, leaving others'
// labels and the spec alone.
func (n *Node) patchLabels(ctx context.Context, existing *corev1.Node) error {
	want := n.labels()
	if hasLabels(existing, want) {
		return nil
	}
	data, err := json.Marshal(map[string]any{"metadata": map[string]any{"labels": want}})
	if err != nil {
		return fmt.Errorf("label node %s: %w", n.cfg.NodeName, err)
	}
	if _, err := n.cfg.Client.CoreV1().Nodes().Patch(ctx, n.cfg.NodeName, types.MergePatchType, data, metav1.PatchOptions{}); err != nil {
		return fmt.Errorf("label node %s: %w", n.cfg.NodeName, err)
	}
	return nil
}

func hasLabels(node *corev1.Node, want map[string]string) bool {
	for k, v := range want {
		if got, ok := node.Labels[k]; !ok || got != v {
			return false
		}
	}
	return true
}

// patchStatus posts the whole status with a fresh heartbeat as a strategic
// merge patch: no read first and no conflicts, whatever else changed.
func (n *Node) patchStatus(ctx context.Context) (*corev1.Node, error) {
	n.mu.Lock()
	st := n.status(n.host, n.ready, n.since, n.cfg.Clock.Now())
	n.mu.Unlock()
	data, err := json.Marshal(map[string]any{"status": st})
	if err != nil {
		return nil, fmt.Errorf("node %s status: %w", n.cfg.NodeName, err)
	}
	node, err := n.cfg.Client.CoreV1().Nodes().Patch(ctx, n.cfg.NodeName, types.StrategicMergePatchType, data, metav1.PatchOptions{}, "status")
	if err != nil {
		return nil, fmt.Errorf("node %s status: %w", n.cfg.NodeName, err)
	}
	return node, nil
}

// adopted remembers the node's UID (the Lease's owner).
func (n *Node) adopted(node *corev1.Node) {
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.uid != node.UID {
		n.uid, n.lease = node.UID, nil
	}
}

// waitForPodCIDRs watches the Node until the control plane gave it pod
// ranges. A Node deleted meanwhile is registered again.
func (n *Node) waitForPodCIDRs(ctx context.Context, node *corev1.Node) ([]string, error) {
	if cidrs := podCIDRs(node); len(cidrs) > 0 {
		return cidrs, nil
	}
	n.cfg.Logger.Info("waiting for the control plane to assign a podCIDR", "node", n.cfg.NodeName)
	var cidrs []string
	err := n.retry(ctx, "wait for podCIDR", func() error {
		var err error
		cidrs, err = n.watchForPodCIDRs(ctx)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("%w: the control plane assigned the node no podCIDR (is its node IPAM, --cluster-cidr, running?)", err)
	}
	return cidrs, nil
}

// errWatchEnded makes retry read the node again and watch anew.
var errWatchEnded = errors.New("watch ended")

// watchForPodCIDRs reads the node and watches it from there; it returns
// errWatchEnded when the watch ends without news.
func (n *Node) watchForPodCIDRs(ctx context.Context) ([]string, error) {
	nodes := n.cfg.Client.CoreV1().Nodes()
	node, err := nodes.Get(ctx, n.cfg.NodeName, metav1.GetOptions{})
	if apierrors.IsNotFound(err) {
		node, err = n.ensure(ctx)
	}
	if err != nil {
		return nil, err
	}
	if cidrs := podCIDRs(node); len(cidrs) > 0 {
		return cidrs, nil
	}
	w, err := nodes.Watch(ctx, metav1.ListOptions{
		FieldSelector:   fields.OneTermEqualSelector("metadata.name", n.cfg.NodeName).String(),
		ResourceVersion: node.ResourceVersion,
	})
	if err != nil {
		return nil, fmt.Errorf("watch node %s: %w", n.cfg.NodeName, err)
	}
	defer w.Stop()
	for {
		select {
		case <-ctx.Done():
			return nil, ctx.Err()
		case ev, ok := <-w.ResultChan():
			if !ok {
				return nil, errWatchEnded
			}
			switch ev.Type {
			case watch.Added, watch.Modified:
				if node, ok := ev.Object.(*corev1.Node); ok && node.Name == n.cfg.NodeName {
					if cidrs := podCIDRs(node); len(cidrs) > 0 {
						return cidrs, nil
					}
				}
			case watch.Deleted:
				return nil, errWatchEnded // read again: registers anew
			case watch.Error:
				return nil, fmt.Errorf("watch node %s: %w", n.cfg.NodeName, apierrors.FromObject(ev.Object))
			}
		}
	}
}

// writeCNI sets up NAT for cidrs, writes their conflist and remembers
// them.
func (n *Node) writeCNI(ctx context.Context, cidrs []string) error {
	n.mu.Lock()
	defer n.mu.Unlock()
	if slices.Equal(cidrs, n.cidrs) {
		return nil
	}
	network := cni.Config{PodCIDRs: cidrs}
	if n.cfg.PodNAT != nil {
		if err := n.cfg.PodNAT(ctx, network); err != nil {
			return fmt.Errorf("node %s: %w", n.cfg.NodeName, err)
		}
	}
	path, err := cni.Write(n.cfg.CNIConfDir, network)
	if err != nil {
		return fmt.Errorf("node %s: %w", n.cfg.NodeName, err)
	}
	if n.cidrs != nil {
		n.cfg.Logger.Warn("the node's podCIDRs changed: new pods get addresses from the new ranges",
			"node", n.cfg.NodeName, "old", n.cidrs, "new", cidrs)
	}
	n.cidrs = slices.Clone(cidrs)
	n.cfg.Logger.Info("wrote the pod network config", "path", path, "podCIDRs", cidrs)
	return nil
}

// retry calls f until it succeeds, fails for good (the request itself is
// wrong: forbidden, invalid) or ctx ends, backing off between tries.
func (n *Node) retry(ctx context.Context, what string, f func() error) error {
	for fails := 0; ; fails++ {
		err := f()
		if err == nil {
			return nil
		}
		if permanent(err) {
			return fmt.Errorf("node %s: %s: %w", n.cfg.NodeName, what, err)
		}
		if ctx.Err() != nil {
			return gaveUp(ctx, n.cfg.NodeName, what, err)
		}
		if !errors.Is(err, errWatchEnded) {
			n.cfg.Logger.Warn("node API call failed; retrying", "node", n.cfg.NodeName, "op", what, "attempt", fails+1, "err", err)
		}
		t := n.cfg.Clock.NewTimer(backoff(fails, n.cfg.StatusPeriod))
		select {
		case <-ctx.Done():
			t.Stop()
			return gaveUp(ctx, n.cfg.NodeName, what, err)
		case <-t.C():
		}
	}
}

// gaveUp says what was left undone when ctx ended, and the last failure.
func gaveUp(ctx context.Context, node, what string, last error) error {
	if errors.Is(last, errWatchEnded) || errors.Is(last, ctx.Err()) {
		return fmt.Errorf("node %s: %s: %w", node, what, ctx.Err())
	}
	return fmt.Errorf("node %s: %s: %w (last error: %v)", node, what, ctx.Err(), last)
}

// backoff is the wait after fails+1 failures in a row, at most limit.
func backoff(fails int, limit time.Duration) time.Duration {
	return min(retryBase<<min(fails, 16), limit)
}

func permanent(err error) bool {
	return apierrors.IsForbidden(err) || apierrors.IsUnauthorized(err) || apierrors.IsInvalid(err) || apierrors.IsBadRequest(err)
}
