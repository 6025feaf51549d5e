package nodelifecycle

import (
	"time"

	corev1 "k8s.io/api/core/v1"
)

// evictAt decides when a pod on a node with these taints must go: never
// (ok false) when no NoExecute taint is present or its tolerations have
// no time limit, at once when some NoExecute taint is not tolerated, and
// otherwise when the shortest tolerationSeconds since the taint was added
// runs out.
func evictAt(pod *corev1.Pod, taints []corev1.Taint, now time.Time) (time.Time, bool) {
	var at time.Time
	found := false
	for _, taint := range taints {
		if taint.Effect != corev1.TaintEffectNoExecute {
			continue
		}
		added := now
		if taint.TimeAdded != nil {
			added = taint.TimeAdded.Time
		}
		limit, tolerated := toleration(pod, taint)
		if !tolerated {
			return now, true
		}
		if limit < 0 {
			continue
		}
		t := added.Add(limit)
		if !found || t.Before(at) {
			at, found = t, true
		}
	}
	return at, found
}

// toleration finds how long pod tolerates taint: the shortest
// tolerationSeconds among matching tolerations, -1 for forever.
func toleration(pod *corev1.Pod, taint corev1.Taint) (time.Duration, bool) {
	limit := time.Duration(-1)
	tolerated := false
	for i := range pod.Spec.Tolerations {
		tol := &pod.Spec.Tolerations[i]
		if !tol.ToleratesTaint(&taint) {
			continue
		}
		if !tolerated {
			tolerated = true
			if tol.TolerationSeconds == nil {
				limit = -1
			}
		}
		if tol.TolerationSeconds != nil {
			d := time.Duration(max(*tol.TolerationSeconds, 0)) * time.Second
			if limit < 0 || d < limit {
				limit = d
			}
		}
	}
	return limit, tolerated
}
