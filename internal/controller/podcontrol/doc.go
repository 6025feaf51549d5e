// Package podcontrol holds what the workload controllers (ReplicaSet,
// DaemonSet, StatefulSet, and the Deployment for its ReplicaSets) share
// about the objects they own: expectations that keep a controller from
// acting twice while its informer catches up, an index of objects by
// controlling owner, adoption and release by selector and ownerReferences,
// pods built from a template, creation in slow-start batches, and the
// Config they are built from.
package podcontrol
