package job

import (
	"fmt"
	"slices"

	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
)

// failureRule is the pod failure policy rule a failed pod matched.
type failureRule struct {
	action  batchv1.PodFailurePolicyAction
	message string // why, in Kubernetes' words, for a FailJob condition
}

// matchFailurePolicy finds the first rule of policy that a failed pod
// matches; ok is false when none does (the failure then counts).
func matchFailurePolicy(policy *batchv1.PodFailurePolicy, pod *corev1.Pod) (failureRule, bool) {
	if policy == nil {
		return failureRule{}, false
	}
	for i, rule := range policy.Rules {
		if rule.OnExitCodes != nil {
			if name, code, ok := matchExitCodes(rule.OnExitCodes, pod); ok {
				return failureRule{action: rule.Action, message: fmt.Sprintf(
					"Container %s for pod %s/%s failed with exit code %d matching %s rule at index %d",
					name, pod.Namespace, pod.Name, code, rule.Action, i)}, true
			}
		}
		for _, pattern := range rule.OnPodConditions {
			if hasCondition(pod, pattern) {
				return failureRule{action: rule.Action, message: fmt.Sprintf(
					"Pod %s/%s has condition %s matching %s rule at index %d",
					pod.Namespace, pod.Name, pattern.Type, rule.Action, i)}, true
			}
		}
	}
	return failureRule{}, false
}

// matchExitCodes looks for a terminated container whose exit code the
// requirement selects. NotIn never selects exit code 0: success is not a
// failure to classify.
func matchExitCodes(req *batchv1.PodFailurePolicyOnExitCodesRequirement, pod *corev1.Pod) (string, int32, bool) {
	statuses := append(slices.Clone(pod.Status.InitContainerStatuses), pod.Status.ContainerStatuses...)
	for _, s := range statuses {
		if req.ContainerName != nil && *req.ContainerName != s.Name {
			continue
		}
		t := s.State.Terminated
		if t == nil {
			continue
		}
		in := slices.Contains(req.Values, t.ExitCode)
		switch req.Operator {
		case batchv1.PodFailurePolicyOnExitCodesOpIn:
			if in {
				return s.Name, t.ExitCode, true
			}
		case batchv1.PodFailurePolicyOnExitCodesOpNotIn:
			if !in && t.ExitCode != 0 {
				return s.Name, t.ExitCode, true
			}
		}
	}
	return "", 0, false
}

func hasCondition(pod *corev1.Pod, p batchv1.PodFailurePolicyOnPodConditionsPattern) bool {
	want := p.Status
	if want == "" {
		want = corev1.ConditionTrue
	}
	for _, c := range pod.Status.Conditions {
		if c.Type == p.Type && c.Status == want {
			return true
		}
	}
	return false
}
