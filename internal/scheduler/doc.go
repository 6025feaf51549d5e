// Package scheduler assigns pending pods to nodes, as kube-scheduler does.
//
// It owns the scheduling queue (priority order, back-off, re-queue on
// cluster changes), the node cache that informers keep up to date and from
// which a snapshot is taken incrementally before each cycle, the filter and
// score chain, preemption, and the I/O at the edges: binding through
// pods/binding, FailedScheduling events and the PodScheduled condition.
//
// The decision itself is a pure function of a snapshot: schedule(snapshot,
// pod) returns a placement or a diagnosis saying, node by node, why not.
// Everything that talks to the API lives in scheduler.go, bind.go and
// failure.go; everything that decides lives in the files it calls.
package scheduler
