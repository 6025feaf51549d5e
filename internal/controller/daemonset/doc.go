// Package daemonset runs one pod of each DaemonSet on every eligible node
// (nodeSelector, required node affinity, taints against tolerations),
// pins each pod to its node through required node affinity so the
// scheduler places it, adds the standard DaemonSet tolerations, rolls
// template changes within maxUnavailable, and reports the per-node
// counts in status. eligibility.go and plan.go decide; sync.go acts.
package daemonset
