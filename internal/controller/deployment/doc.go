// Package deployment rolls Deployments out through ReplicaSets as
// Kubernetes does: one ReplicaSet per pod template, named
// <deployment>-<pod-template-hash>; RollingUpdate within maxSurge and
// maxUnavailable or Recreate; revisions and their cleanup; proportional
// scaling; and the status and Available/Progressing conditions that
// `kubectl rollout status` reads. The rollout arithmetic (rolling.go,
// scale.go, status.go) is pure; sync.go and actions.go do the I/O.
package deployment
