package node

import (
	"context"
	"errors"
	"fmt"
	"time"

	coordinationv1 "k8s.io/api/coordination/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/utils/clock"
)

// Run renews the node's Lease every quarter of LeaseDuration and posts its
// status every StatusPeriod, and at once when readiness changes, until ctx
// ends. A failed renewal or post is retried with back-off; a Node deleted
// meanwhile is registered again; a changed podCIDR rewrites the CNI
// conflist. It needs a Register that returned nil first.
func (n *Node) Run(ctx context.Context) error {
	n.mu.Lock()
	registered := n.registered
	n.mu.Unlock()
	if !registered {
		return errors.New("node: Run before Register")
	}
	renewEvery := n.cfg.LeaseDuration / 4
	var leaseFails, statusFails int
	leaseT := n.cfg.Clock.NewTimer(n.next(n.renewLease(ctx), &leaseFails, renewEvery, "lease"))
	defer leaseT.Stop()
	statusT := n.cfg.Clock.NewTimer(n.next(n.postStatus(ctx), &statusFails, n.cfg.StatusPeriod, "status"))
	defer statusT.Stop()
	n.notify("started", nil)
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-leaseT.C():
			err := n.renewLease(ctx)
			leaseT.Reset(n.next(err, &leaseFails, renewEvery, "lease"))
			n.notify("lease", err)
		case <-statusT.C():
			err := n.postStatus(ctx)
			statusT.Reset(n.next(err, &statusFails, n.cfg.StatusPeriod, "status"))
			n.notify("status", err)
		case <-n.kick:
			stop(statusT)
			err := n.postStatus(ctx)
			statusT.Reset(n.next(err, &statusFails, n.cfg.StatusPeriod, "status"))
			n.notify("status", err)
		}
	}
}

// stop stops t and drops a tick it may already hold.
func stop(t clock.Timer) {
	if !t.Stop() {
		select {
		case <-t.C():
		default:
		}
	}
}

// next is how long to wait before the next try: the period after a
// success, a growing back-off after failures.
func (n *Node) next(err error, fails *int, period time.Duration, what string) time.Duration {
	if err == nil {
		*fails = 0
		return period
	}
	*fails++
	d := backoff(*fails-1, period)
	n.cfg.Logger.Warn("node heartbeat failed; retrying", "node", n.cfg.NodeName, "op", what,
		"attempt", *fails, "retryIn", d, "err", err)
	return d
}

// callTimeout bounds one API call of a heartbeat, so that a hung
// connection cannot hold the next renewal.
func (n *Node) callTimeout() time.Duration { return n.cfg.LeaseDuration / 4 }

// postStatus posts the node's status; a Node that is gone is registered
// again, and new pod ranges are written to the CNI conflist.
func (n *Node) postStatus(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, n.callTimeout())
	defer cancel()
	node, err := n.patchStatus(ctx)
	if apierrors.IsNotFound(err) {
		n.cfg.Logger.Warn("the node was deleted; registering it again", "node", n.cfg.NodeName)
		node, err = n.ensure(ctx)
	}
	if err != nil {
		return err
	}
	n.adopted(node)
	if cidrs := podCIDRs(node); len(cidrs) > 0 {
		return n.writeCNI(ctx, cidrs)
	}
	return nil
}

// renewLease updates the node's Lease from the copy the last renewal
// returned, creating it when there is none; after a failure the next try
// reads it afresh.
func (n *Node) renewLease(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, n.callTimeout())
	defer cancel()
	leases := n.cfg.Client.CoordinationV1().Leases(corev1.NamespaceNodeLease)
	n.mu.Lock()
	lease, uid := n.lease, n.uid
	n.mu.Unlock()
	create := false
	if lease == nil {
		got, err := leases.Get(ctx, n.cfg.NodeName, metav1.GetOptions{})
		switch {
		case apierrors.IsNotFound(err):
			got, create = &coordinationv1.Lease{}, true
		case err != nil:
			return fmt.Errorf("lease of node %s: %w", n.cfg.NodeName, err)
		}
		lease = got
	}
	lease = lease.DeepCopy()
	n.fillLease(lease, uid)
	var err error
	if create {
		lease, err = leases.Create(ctx, lease, metav1.CreateOptions{})
	} else {
		lease, err = leases.Update(ctx, lease, metav1.UpdateOptions{})
	}
	n.mu.Lock()
	defer n.mu.Unlock()
	if err != nil {
		n.lease = nil
		return fmt.Errorf("renew lease of node %s: %w", n.cfg.NodeName, err)
	}
	if n.uid == uid {
		n.lease = lease
	}
	return nil
}

// fillLease sets what the kubelet sets on every renewal: holder, duration,
// renewTime, and the Node as owner, so that the Lease goes with it.
func (n *Node) fillLease(l *coordinationv1.Lease, nodeUID types.UID) {
	name := n.cfg.NodeName
	secs := int32(n.cfg.LeaseDuration / time.Second)
	renew := metav1.NewMicroTime(n.cfg.Clock.Now())
	l.Name, l.Namespace = name, corev1.NamespaceNodeLease
	l.Spec.HolderIdentity = &name
	l.Spec.LeaseDurationSeconds = &secs
	l.Spec.RenewTime = &renew
	if nodeUID != "" {
		l.OwnerReferences = []metav1.OwnerReference{{APIVersion: "v1", Kind: "Node", Name: name, UID: nodeUID}}
	}
}
