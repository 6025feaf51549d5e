package daemonset

import (
	"slices"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/util/intstr"

	"github.com/skiff/skiff/internal/controller/podcontrol"
)

// dsPlan is what one sync does: start pods on nodes, delete pods.
type dsPlan struct {
	create []string
	delete []*corev1.Pod
	status appsv1.DaemonSetStatus
}

// plan compares each node's daemon pods with its eligibility, then rolls
// outdated pods (hash != cur) within maxUnavailable.
func plan(ds *appsv1.DaemonSet, nodes []*corev1.Node, pods []*corev1.Pod, cur string, now time.Time) dsPlan {
	byNode := map[string][]*corev1.Pod{}
	for _, p := range pods {
		byNode[nodeOf(p)] = append(byNode[nodeOf(p)], p)
	}
	var out dsPlan
	st := &out.status
	st.ObservedGeneration = ds.Generation
	st.CollisionCount = ds.Status.CollisionCount
	st.Conditions = ds.Status.Conditions
	running := map[string]*corev1.Pod{} // node -> its one live daemon pod, on eligible nodes
	for _, n := range nodes {
		run, keep := eligibility(ds, n)
		live, del := sortOut(byNode[n.Name], keep)
		delete(byNode, n.Name)
		out.delete = append(out.delete, del...)
		if run {
			st.DesiredNumberScheduled++
		}
		switch {
		case len(live) == 0 && run:
			out.create = append(out.create, n.Name)
		case len(live) > 0 && (run || keep):
			if run {
				st.CurrentNumberScheduled++
				running[n.Name] = live[0]
				count(st, live[0], ds, cur, now)
			} else {
				st.NumberMisscheduled++
			}
		}
	}
	// Pods on nodes that are gone.
	for _, ps := range byNode {
		for _, p := range ps {
			if p.DeletionTimestamp == nil {
				out.delete = append(out.delete, p)
			}
		}
	}
	st.NumberUnavailable = st.DesiredNumberScheduled - st.NumberAvailable
	if ds.Spec.UpdateStrategy.Type != appsv1.OnDeleteDaemonSetStrategyType {
		out.delete = append(out.delete, rollOut(ds, running, st, cur, now)...)
	}
	return out
}

// sortOut keeps the oldest live pod of a node and deletes failed and
// duplicate ones (all of them when the pod may not stay).
func sortOut(pods []*corev1.Pod, keep bool) (live, del []*corev1.Pod) {
	for _, p := range pods {
		switch {
		case p.DeletionTimestamp != nil:
		case !keep || p.Status.Phase == corev1.PodFailed:
			del = append(del, p)
		default:
			live = append(live, p)
		}
	}
	slices.SortStableFunc(live, func(a, b *corev1.Pod) int { return a.CreationTimestamp.Compare(b.CreationTimestamp.Time) })
	if len(live) > 1 {
		del = append(del, live[1:]...)
		live = live[:1]
	}
	return live, del
}

func count(st *appsv1.DaemonSetStatus, p *corev1.Pod, ds *appsv1.DaemonSet, cur string, now time.Time) {
	if podcontrol.IsReady(p) {
		st.NumberReady++
	}
	if podcontrol.IsAvailable(p, ds.Spec.MinReadySeconds, now) {
		st.NumberAvailable++
	}
	if p.Labels[appsv1.DefaultDaemonSetUniqueLabelKey] == cur {
		st.UpdatedNumberScheduled++
	}
}

// rollOut deletes outdated pods: unavailable ones freely, available ones
// while fewer than maxUnavailable nodes lack an available pod.
func rollOut(ds *appsv1.DaemonSet, running map[string]*corev1.Pod, st *appsv1.DaemonSetStatus, cur string, now time.Time) []*corev1.Pod {
	maxU := 1
	if ru := ds.Spec.UpdateStrategy.RollingUpdate; ru != nil && ru.MaxUnavailable != nil {
		if v, err := intstr.GetScaledValueFromIntOrPercent(ru.MaxUnavailable, int(st.DesiredNumberScheduled), true); err == nil {
			maxU = v
		}
	}
	unavailable := int(st.NumberUnavailable)
	nodes := make([]string, 0, len(running))
	for n := range running {
		nodes = append(nodes, n)
	}
	slices.Sort(nodes)
	var del []*corev1.Pod
	for _, n := range nodes {
		p := running[n]
		if p.Labels[appsv1.DefaultDaemonSetUniqueLabelKey] == cur {
			continue
		}
		if !podcontrol.IsAvailable(p, ds.Spec.MinReadySeconds, now) {
			del = append(del, p)
			continue
		}
		if unavailable < maxU {
			del = append(del, p)
			unavailable++
		}
	}
	return del
}
