package deployment

import (
	appsv1 "k8s.io/api/apps/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
)

// resize is one ReplicaSet resize a rollout step asks for.
type resize struct {
	rs *appsv1.ReplicaSet
	to int32
}

func isRolling(d *appsv1.Deployment) bool {
	return d.Spec.Strategy.Type != appsv1.RecreateDeploymentStrategyType
}

// fenceposts resolves maxSurge (rounded up) and maxUnavailable (rounded
// down) against the replicas; both zero would deadlock, so unavailable
// becomes 1.
func fenceposts(d *appsv1.Deployment) (surge, unavailable int32) {
	ru := d.Spec.Strategy.RollingUpdate
	if !isRolling(d) || ru == nil {
		return 0, 0
	}
	n := int(replicas(d))
	s, err1 := intstr.GetScaledValueFromIntOrPercent(valueOr(ru.MaxSurge, "25%"), n, true)
	u, err2 := intstr.GetScaledValueFromIntOrPercent(valueOr(ru.MaxUnavailable, "25%"), n, false)
	if err1 != nil || err2 != nil {
		return 0, 1
	}
	if s == 0 && u == 0 {
		u = 1
	}
	return int32(s), int32(u)
}

func valueOr(v *intstr.IntOrString, def string) *intstr.IntOrString {
	if v == nil {
		x := intstr.FromString(def)
		return &x
	}
	return v
}

func maxSurge(d *appsv1.Deployment) int32 {
	s, _ := fenceposts(d)
	return s
}

func maxUnavailable(d *appsv1.Deployment) int32 {
	if !isRolling(d) || replicas(d) == 0 {
		return 0
	}
	_, u := fenceposts(d)
	return min(u, replicas(d))
}

func sumSpec(rss []*appsv1.ReplicaSet) int32 {
	var n int32
	for _, rs := range rss {
		n += rsReplicas(rs)
	}
	return n
}

// sumPods bounds the pods the ReplicaSets have or will have: each one's
// spec, or its status when that still counts more. A ReplicaSet just
// scaled down deletes its extra pods only when its controller next syncs;
// counting specs alone, as kube-controller-manager does, lets the new
// ReplicaSet grow into the room before they are gone, and live pods exceed
// replicas+maxSurge for that moment.
func sumPods(rss []*appsv1.ReplicaSet) int32 {
	var n int32
	for _, rs := range rss {
		if rs != nil {
			n += max(rsReplicas(rs), rs.Status.Replicas)
		}
	}
	return n
}

func sumAvailable(rss []*appsv1.ReplicaSet) int32 {
	var n int32
	for _, rs := range rss {
		if rs != nil {
			n += rs.Status.AvailableReplicas
		}
	}
	return n
}

// newRSTarget is the size the new ReplicaSet may grow to now: up to the
// replicas, without the total exceeding replicas+maxSurge.
func newRSTarget(d *appsv1.Deployment, all []*appsv1.ReplicaSet, newRS *appsv1.ReplicaSet) int32 {
	if !isRolling(d) {
		return replicas(d)
	}
	cur := rsReplicas(newRS)
	total := sumPods(all)
	maxTotal := replicas(d) + maxSurge(d)
	if total >= maxTotal {
		return cur
	}
	return cur + min(maxTotal-total, replicas(d)-cur)
}

// rollingStep is one step of a rolling update, decided from a snapshot:
// grow the new ReplicaSet if the surge allows, else shrink old ones as far
// as availability allows (unhealthy replicas first). Empty means wait.
func rollingStep(d *appsv1.Deployment, newRS *appsv1.ReplicaSet, old []*appsv1.ReplicaSet) []resize {
	all := append(append([]*appsv1.ReplicaSet{}, old...), newRS)
	if cur := rsReplicas(newRS); cur != replicas(d) {
		to := replicas(d)
		if cur < to {
			to = newRSTarget(d, all, newRS)
		}
		if to != cur {
			return []resize{{newRS, to}}
		}
	}
	return scaleDownOld(d, newRS, old)
}

// scaleDownOld shrinks old ReplicaSets while at least replicas -
// maxUnavailable pods stay available.
func scaleDownOld(d *appsv1.Deployment, newRS *appsv1.ReplicaSet, old []*appsv1.ReplicaSet) []resize {
	if sumSpec(old) == 0 {
		return nil
	}
	old = append([]*appsv1.ReplicaSet(nil), old...)
	byAge(old)
	minAvailable := replicas(d) - maxUnavailable(d)
	newUnavailable := rsReplicas(newRS) - availableOf(newRS)
	all := sumSpec(old) + rsReplicas(newRS)
	budget := all - minAvailable - newUnavailable
	if budget <= 0 {
		return nil
	}
	sizes := make(map[*appsv1.ReplicaSet]int32, len(old))
	for _, rs := range old {
		sizes[rs] = rsReplicas(rs)
	}
	// Unhealthy replicas cost no availability: remove them first.
	for _, rs := range old {
		unhealthy := sizes[rs] - rs.Status.AvailableReplicas
		if budget <= 0 || unhealthy <= 0 {
			continue
		}
		n := min(budget, unhealthy)
		sizes[rs] -= n
		budget -= n
	}
	// Then healthy ones, oldest first, as far as availability allows.
	available := sumAvailable(old) + availableOf(newRS)
	room := available - minAvailable
	for _, rs := range old {
		if room <= 0 {
			break
		}
		n := min(sizes[rs], room)
		sizes[rs] -= n
		room -= n
	}
	var out []resize
	for _, rs := range old {
		if sizes[rs] != rsReplicas(rs) {
			out = append(out, resize{rs, sizes[rs]})
		}
	}
	return out
}

func availableOf(rs *appsv1.ReplicaSet) int32 {
	if rs == nil {
		return 0
	}
	return rs.Status.AvailableReplicas
}
