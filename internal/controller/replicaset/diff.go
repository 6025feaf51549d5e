package replicaset

import (
	"slices"
	"time"

	corev1 "k8s.io/api/core/v1"

	"github.com/skiff/skiff/internal/controller/podcontrol"
)

// BurstReplicas caps the creations or deletions of one sync, so one huge
// ReplicaSet cannot starve the others sharing the workers; the next sync
// continues.
const BurstReplicas = 500

// replicaPlan is what a sync does to the pods: create some, or delete
// these. Never both.
type replicaPlan struct {
	create int
	delete []*corev1.Pod
}

// planReplicas compares the active pods with the wanted count.
func planReplicas(active []*corev1.Pod, want int32) replicaPlan {
	diff := len(active) - int(want)
	switch {
	case diff < 0:
		return replicaPlan{create: min(-diff, BurstReplicas)}
	case diff > 0:
		ranked := slices.Clone(active)
		rankForDeletion(ranked)
		return replicaPlan{delete: ranked[:min(diff, BurstReplicas)]}
	}
	return replicaPlan{}
}

// rankForDeletion orders pods so the ones worth least come first, as
// Kubernetes does: unscheduled before scheduled, pending before unknown
// before running, not ready before ready, ready for less time before
// longer, more restarts before fewer, newer before older.
func rankForDeletion(pods []*corev1.Pod) {
	slices.SortStableFunc(pods, func(a, b *corev1.Pod) int {
		if c := cmpBool(a.Spec.NodeName != "", b.Spec.NodeName != ""); c != 0 {
			return c
		}
		if c := phaseRank(a) - phaseRank(b); c != 0 {
			return c
		}
		ra, rb := podcontrol.IsReady(a), podcontrol.IsReady(b)
		if c := cmpBool(ra, rb); c != 0 {
			return c
		}
		if ra && rb {
			// ready more recently goes first
			if c := readySince(b).Compare(readySince(a)); c != 0 {
				return c
			}
		}
		if c := restarts(b) - restarts(a); c != 0 {
			return int(c)
		}
		return b.CreationTimestamp.Compare(a.CreationTimestamp.Time)
	})
}

func cmpBool(a, b bool) int {
	switch {
	case a == b:
		return 0
	case !a:
		return -1
	}
	return 1
}

func phaseRank(p *corev1.Pod) int {
	switch p.Status.Phase {
	case corev1.PodPending:
		return 0
	case corev1.PodRunning:
		return 2
	}
	return 1
}

func readySince(p *corev1.Pod) time.Time {
	if c := podcontrol.ReadyCondition(p); c != nil {
		return c.LastTransitionTime.Time
	}
	return time.Time{}
}

func restarts(p *corev1.Pod) int32 {
	var n int32
	for _, s := range p.Status.ContainerStatuses {
		n = max(n, s.RestartCount)
	}
	return n
}
