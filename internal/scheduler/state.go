package scheduler

import (
	v1 "k8s.io/api/core/v1"
)

// cycleState is what one scheduling cycle knows about the pod, computed
// once before the nodes are filtered. It is read-only during filtering.
type cycleState struct {
	pod         *v1.Pod
	pi          *PodInfo
	snap        *Snapshot
	nodeSel     requiredNodeSelector
	hostPorts   []hostPort
	scalarNames []v1.ResourceName
	nominated   Nominated
	spread      *spreadState
	interPod    *interPodState

	// filled by the scorers' prepare steps
	preferTolerations []v1.Toleration
	spreadScore       *spreadState
	interPodScores    topoCounts
}

// Nominated lists, per node, the pods preemption has made room for there;
// the resources filter counts those of at least the scheduled pod's
// priority as already placed.
type Nominated map[string][]*PodInfo

func newCycleState(snap *Snapshot, pod *v1.Pod, nominated Nominated) *cycleState {
	st := &cycleState{pod: pod, pi: newPodInfo(pod), snap: snap,
		nodeSel: newRequiredNodeSelector(pod), hostPorts: podHostPorts(pod),
		preferTolerations: preferTolerations(pod)}
	st.scalarNames = sortedScalars(st.pi.Requests)
	st.nominated = nominated.relevantTo(pod)
	st.spread = prepareSpread(st)
	st.interPod = prepareInterPod(snap, st.pi)
	return st
}

func (st *cycleState) nominatedOn(node string) []*PodInfo {
	if st.nominated == nil {
		return nil
	}
	return st.nominated[node]
}

// relevantTo keeps the nominated pods other than pod with at least its
// priority.
func (n Nominated) relevantTo(pod *v1.Pod) Nominated {
	var out Nominated
	prio := podPriority(pod)
	for node, pods := range n {
		for _, p := range pods {
			if p.Pod.UID == pod.UID || podPriority(p.Pod) < prio {
				continue
			}
			if out == nil {
				out = Nominated{}
			}
			out[node] = append(out[node], p)
		}
	}
	return out
}

func podPriority(pod *v1.Pod) int32 {
	if pod.Spec.Priority != nil {
		return *pod.Spec.Priority
	}
	return 0
}
