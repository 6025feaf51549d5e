package scheduler

import (
	"encoding/json"
	"sort"
	"strings"

	v1 "k8s.io/api/core/v1"
)

// Label groups: pods with the same namespace, labels and affinity terms
// (every replica of one ReplicaSet) share a small integer, so that a
// selector is matched once per group in a cycle instead of once per pod.
// Counting for topology spread and inter-pod affinity walks every placed
// pod, and this is what keeps that walk cheap on a full cluster.

// noGroup marks a PodInfo that has no group (the pod being scheduled).
const noGroup = -1

// groupInterner hands out group numbers; the cache owns it under its lock.
type groupInterner struct {
	ids map[string]int32
}

func (g *groupInterner) id(pod *v1.Pod) int32 {
	if g.ids == nil {
		g.ids = map[string]int32{}
	}
	key := groupKey(pod)
	id, ok := g.ids[key]
	if !ok {
		id = int32(len(g.ids))
		g.ids[key] = id
	}
	return id
}

func (g *groupInterner) size() int { return len(g.ids) }

// groupKey is namespace, sorted labels and (when present) the affinity.
func groupKey(pod *v1.Pod) string {
	keys := make([]string, 0, len(pod.Labels))
	for k := range pod.Labels {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var b strings.Builder
	b.WriteString(pod.Namespace)
	for _, k := range keys {
		b.WriteByte(0)
		b.WriteString(k)
		b.WriteByte('=')
		b.WriteString(pod.Labels[k])
	}
	if a := pod.Spec.Affinity; a != nil && (a.PodAffinity != nil || a.PodAntiAffinity != nil) {
		aff, _ := json.Marshal(struct{ A, B any }{a.PodAffinity, a.PodAntiAffinity})
		b.WriteByte(1)
		b.Write(aff)
	}
	return b.String()
}

// groupMemo remembers a yes/no answer per group for one cycle.
type groupMemo []int8

func newGroupMemo(snap *Snapshot) groupMemo { return make(groupMemo, snap.groups) }

// get returns the remembered answer for pi's group, if any. It is split
// from set so that hot loops build no closure.
func (m groupMemo) get(pi *PodInfo) (match, known bool) {
	g := pi.group
	if g < 0 || int(g) >= len(m) || m[g] == 0 {
		return false, false
	}
	return m[g] == 1, true
}

// set remembers r for pi's group and returns it.
func (m groupMemo) set(pi *PodInfo, r bool) bool {
	if g := pi.group; g >= 0 && int(g) < len(m) {
		m[g] = 2
		if r {
			m[g] = 1
		}
	}
	return r
}
