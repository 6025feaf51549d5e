package deployment

import (
	"math"
	"slices"
	"strconv"

	appsv1 "k8s.io/api/apps/v1"
)

// isScalingEvent reports whether the replicas changed since the active
// ReplicaSets were last sized (their desired-replicas annotation): then
// the controller only resizes, it does not roll.
func isScalingEvent(d *appsv1.Deployment, rss []*appsv1.ReplicaSet) bool {
	for _, rs := range rss {
		if rs == nil || rsReplicas(rs) == 0 {
			continue
		}
		v, ok := rs.Annotations[DesiredReplicasAnnotation]
		if !ok {
			continue
		}
		if n, err := strconv.Atoi(v); err == nil && int32(n) != replicas(d) {
			return true
		}
	}
	return false
}

func active(rss []*appsv1.ReplicaSet) []*appsv1.ReplicaSet {
	var out []*appsv1.ReplicaSet
	for _, rs := range rss {
		if rs != nil && rsReplicas(rs) > 0 {
			out = append(out, rs)
		}
	}
	return out
}

// activeOrLatest is the one ReplicaSet with pods (or the newest when none
// has any); nil when several have pods.
func activeOrLatest(newRS *appsv1.ReplicaSet, old []*appsv1.ReplicaSet) *appsv1.ReplicaSet {
	all := append(slices.Clone(old), newRS)
	act := active(all)
	switch len(act) {
	case 1:
		return act[0]
	case 0:
		if newRS != nil {
			return newRS
		}
		if len(old) == 0 {
			return nil
		}
		sorted := slices.Clone(old)
		byAge(sorted)
		return sorted[len(sorted)-1]
	}
	return nil
}

// proportionalScale spreads a change of replicas over the active
// ReplicaSets in proportion to their sizes, as Kubernetes does, so that a
// scale in mid-rollout keeps the rollout's shape.
func proportionalScale(d *appsv1.Deployment, newRS *appsv1.ReplicaSet, old []*appsv1.ReplicaSet) []resize {
	if one := activeOrLatest(newRS, old); one != nil {
		if rsReplicas(one) == replicas(d) {
			return nil
		}
		return []resize{{one, replicas(d)}}
	}
	if saturated(d, newRS) {
		var out []resize
		for _, rs := range active(old) {
			out = append(out, resize{rs, 0})
		}
		return out
	}
	if !isRolling(d) {
		return nil
	}
	all := active(append(slices.Clone(old), newRS))
	allowed := int32(0)
	if replicas(d) > 0 {
		allowed = replicas(d) + maxSurge(d)
	}
	toAdd := allowed - sumSpec(all)
	// Largest first; on ties newer first when growing, older when shrinking.
	slices.SortStableFunc(all, func(a, b *appsv1.ReplicaSet) int {
		if c := int(rsReplicas(b) - rsReplicas(a)); c != 0 {
			return c
		}
		if toAdd > 0 {
			return b.CreationTimestamp.Compare(a.CreationTimestamp.Time)
		}
		return a.CreationTimestamp.Compare(b.CreationTimestamp.Time)
	})
	sizes := make([]int32, len(all))
	var added int32
	for i, rs := range all {
		p := proportion(d, rs, toAdd, added)
		sizes[i] = rsReplicas(rs) + p
		added += p
	}
	if len(all) > 0 {
		sizes[0] = max(sizes[0]+toAdd-added, 0)
	}
	var out []resize
	for i, rs := range all {
		if sizes[i] != rsReplicas(rs) {
			out = append(out, resize{rs, sizes[i]})
		}
	}
	return out
}

func saturated(d *appsv1.Deployment, rs *appsv1.ReplicaSet) bool {
	if rs == nil {
		return false
	}
	want := strconv.Itoa(int(replicas(d)))
	return rs.Annotations[DesiredReplicasAnnotation] == want && rsReplicas(rs) == replicas(d) &&
		rs.Status.AvailableReplicas == replicas(d)
}

// proportion is rs's share of toAdd, bounded by what is still to add.
func proportion(d *appsv1.Deployment, rs *appsv1.ReplicaSet, toAdd, added int32) int32 {
	if rsReplicas(rs) == 0 || toAdd == 0 || toAdd == added {
		return 0
	}
	var frac int32
	if replicas(d) == 0 {
		frac = -rsReplicas(rs)
	} else {
		dMax := replicas(d) + maxSurge(d)
		annotated := d.Status.Replicas
		if v, err := strconv.Atoi(rs.Annotations[MaxReplicasAnnotation]); err == nil {
			annotated = int32(v)
		}
		if annotated == 0 {
			return 0
		}
		size := float64(rsReplicas(rs)*dMax) / float64(annotated)
		frac = int32(math.Round(size)) - rsReplicas(rs)
	}
	left := toAdd - added
	if toAdd > 0 {
		return min(frac, left)
	}
	return max(frac, left)
}
