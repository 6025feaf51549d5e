package statefulset

import (
	"slices"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/utils/ptr"

	"github.com/skiff/skiff/internal/controller/podcontrol"
)

// step is one action on one ordinal.
type step struct {
	create bool // create pod ord (else delete pod)
	ord    int
	pod    *corev1.Pod // the pod to delete
}

// snapshot is what plan decides from.
type snapshot struct {
	set       *appsv1.StatefulSet
	pods      []*corev1.Pod // claimed pods of the set
	updateRev string
	now       time.Time
}

// plan returns this sync's actions, as Kubernetes orders them: fill and
// repair ordinals 0..replicas-1 from the lowest, then remove ordinals
// above replicas from the highest, then roll outdated pods from the
// highest ordinal down to the partition. OrderedReady stops at the first
// action or unhealthy pod; Parallel does all creations and deletions at
// once but still rolls one pod at a time.
func plan(s snapshot) []step {
	set := s.set
	n := int(ptr.Deref(set.Spec.Replicas, 1))
	ordered := set.Spec.PodManagementPolicy != appsv1.ParallelPodManagement
	byOrd := make([]*corev1.Pod, n)
	var condemned []*corev1.Pod
	for _, p := range s.pods {
		switch o := ordinal(set, p.Name); {
		case o < 0:
		case o < n:
			byOrd[o] = p
		default:
			condemned = append(condemned, p)
		}
	}
	var steps []step
	for ord, p := range byOrd {
		switch {
		case p == nil:
			steps = append(steps, step{create: true, ord: ord})
		case terminal(p) && p.DeletionTimestamp == nil:
			steps = append(steps, step{ord: ord, pod: p})
		case p.DeletionTimestamp != nil || !healthy(set, p, s.now):
			if ordered {
				return steps
			}
			continue
		default:
			continue
		}
		if ordered {
			return steps
		}
	}
	slices.SortFunc(condemned, func(a, b *corev1.Pod) int { return ordinal(set, b.Name) - ordinal(set, a.Name) })
	for _, p := range condemned {
		if p.DeletionTimestamp != nil {
			if ordered {
				return steps
			}
			continue
		}
		steps = append(steps, step{ord: ordinal(set, p.Name), pod: p})
		if ordered {
			return steps
		}
	}
	if len(steps) > 0 || set.Spec.UpdateStrategy.Type == appsv1.OnDeleteStatefulSetStrategyType {
		return steps
	}
	for ord := n - 1; ord >= partition(set); ord-- {
		p := byOrd[ord]
		if p == nil {
			return steps
		}
		if revisionOf(p) != s.updateRev && p.DeletionTimestamp == nil {
			return append(steps, step{ord: ord, pod: p})
		}
		if !healthy(set, p, s.now) || p.DeletionTimestamp != nil {
			return steps
		}
	}
	return steps
}

func partition(set *appsv1.StatefulSet) int {
	if ru := set.Spec.UpdateStrategy.RollingUpdate; ru != nil && ru.Partition != nil {
		return int(*ru.Partition)
	}
	return 0
}

func terminal(p *corev1.Pod) bool {
	return p.Status.Phase == corev1.PodFailed || p.Status.Phase == corev1.PodSucceeded
}

// healthy is running, ready and, with minReadySeconds, available.
func healthy(set *appsv1.StatefulSet, p *corev1.Pod, now time.Time) bool {
	return p.Status.Phase == corev1.PodRunning && podcontrol.IsAvailable(p, set.Spec.MinReadySeconds, now)
}

// revisionFor is the revision a new pod ord gets: below the partition (or
// below the current count in a rolling update without one) it keeps the
// current revision.
func revisionFor(set *appsv1.StatefulSet, ord int, current, update string) string {
	if set.Spec.UpdateStrategy.Type == appsv1.OnDeleteStatefulSetStrategyType {
		return update
	}
	ru := set.Spec.UpdateStrategy.RollingUpdate
	if ru != nil && ru.Partition != nil {
		if ord < int(*ru.Partition) {
			return current
		}
		return update
	}
	if ord < int(set.Status.CurrentReplicas) {
		return current
	}
	return update
}

// status counts the pods by readiness and revision.
func status(set *appsv1.StatefulSet, pods []*corev1.Pod, current, update string, now time.Time) appsv1.StatefulSetStatus {
	st := appsv1.StatefulSetStatus{
		ObservedGeneration: set.Generation, CurrentRevision: current, UpdateRevision: update,
		CollisionCount: set.Status.CollisionCount, Conditions: set.Status.Conditions,
	}
	for _, p := range pods {
		st.Replicas++
		if p.Status.Phase == corev1.PodRunning && podcontrol.IsReady(p) {
			st.ReadyReplicas++
			if podcontrol.IsAvailable(p, set.Spec.MinReadySeconds, now) {
				st.AvailableReplicas++
			}
		}
		if p.DeletionTimestamp != nil {
			continue
		}
		if revisionOf(p) == current {
			st.CurrentReplicas++
		}
		if revisionOf(p) == update {
			st.UpdatedReplicas++
		}
	}
	// A finished rolling update makes the update revision current.
	if set.Spec.UpdateStrategy.Type != appsv1.OnDeleteStatefulSetStrategyType &&
		st.UpdatedReplicas == st.Replicas && st.ReadyReplicas == st.Replicas {
		st.CurrentRevision, st.CurrentReplicas = update, st.UpdatedReplicas
	}
	return st
}
