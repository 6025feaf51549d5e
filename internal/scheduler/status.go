package scheduler

import (
	"fmt"
	"sort"
	"strings"
)

// status is one filter's verdict against one node: nil means it passes.
// reasons are the texts FailedScheduling counts; unresolvable says that
// evicting pods could not change the verdict, so preemption skips the node.
type status struct {
	plugin       string
	reasons      []string
	unresolvable bool
}

func unschedulable(plugin string, reasons ...string) *status {
	return &status{plugin: plugin, reasons: reasons}
}

func unresolvable(plugin string, reasons ...string) *status {
	return &status{plugin: plugin, reasons: reasons, unresolvable: true}
}

// Diagnosis says why a pod fits no node: each node's first failing
// verdict, and what preemption concluded.
type Diagnosis struct {
	NumAllNodes   int
	NodeToStatus  map[string]*status
	PostFilterMsg string
}

// plugins names the filters that rejected some node, so that the queue can
// re-try the pod when an event might change their verdict.
func (d *Diagnosis) plugins() map[string]bool {
	out := map[string]bool{}
	for _, st := range d.NodeToStatus {
		out[st.plugin] = true
	}
	return out
}

// Message is the text of the FailedScheduling event and the PodScheduled
// condition, in Kubernetes' words: each reason counted over the nodes, the
// counts sorted as strings, then preemption's own verdict.
//
//	0/3 nodes are available: 1 node(s) had untolerated taint {k: }, 2 Insufficient cpu.
//	preemption: 0/3 nodes are available: 3 No preemption victims found for incoming pod.
func (d *Diagnosis) Message() string {
	msg := fmt.Sprintf("0/%d nodes are available:", d.NumAllNodes)
	if hist := histogram(d.NodeToStatus); len(hist) > 0 {
		msg += " " + strings.Join(hist, ", ") + "."
	}
	if d.PostFilterMsg != "" {
		msg += " " + d.PostFilterMsg
	}
	return msg
}

// histogram counts each reason over the nodes and renders "N reason",
// sorted as strings.
func histogram(statuses map[string]*status) []string {
	counts := map[string]int{}
	for _, st := range statuses {
		for _, r := range st.reasons {
			counts[r]++
		}
	}
	out := make([]string, 0, len(counts))
	for r, n := range counts {
		out = append(out, fmt.Sprintf("%d %s", n, r))
	}
	sort.Strings(out)
	return out
}
