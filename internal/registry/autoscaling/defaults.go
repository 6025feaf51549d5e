package autoscaling

import (
	autoscalingv2 "k8s.io/api/autoscaling/v2"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/utils/ptr"
)

// defaultCPUUtilization is the target when no metric is named.
const defaultCPUUtilization = 80

func (hpaStrategy) Default(obj runtime.Object) {
	hpa, ok := obj.(*autoscalingv2.HorizontalPodAutoscaler)
	if !ok {
		return
	}
	spec := &hpa.Spec
	if spec.MinReplicas == nil {
		spec.MinReplicas = ptr.To[int32](1)
	}
	if len(spec.Metrics) == 0 {
		spec.Metrics = []autoscalingv2.MetricSpec{{
			Type: autoscalingv2.ResourceMetricSourceType,
			Resource: &autoscalingv2.ResourceMetricSource{
				Name: corev1.ResourceCPU,
				Target: autoscalingv2.MetricTarget{
					Type:               autoscalingv2.UtilizationMetricType,
					AverageUtilization: ptr.To[int32](defaultCPUUtilization),
				},
			},
		}}
	}
	// A behavior the user wrote is completed; an absent one stays absent
	// and the controller applies the same defaults.
	if b := spec.Behavior; b != nil {
		b.ScaleUp = withDefaults(b.ScaleUp, scaleUpDefaults())
		b.ScaleDown = withDefaults(b.ScaleDown, scaleDownDefaults())
	}
}

// scaleUpDefaults scale up at once, by 4 pods or doubling every 15s,
// whichever adds more.
func scaleUpDefaults() *autoscalingv2.HPAScalingRules {
	return &autoscalingv2.HPAScalingRules{
		StabilizationWindowSeconds: ptr.To[int32](0),
		SelectPolicy:               ptr.To(autoscalingv2.MaxChangePolicySelect),
		Policies: []autoscalingv2.HPAScalingPolicy{
			{Type: autoscalingv2.PodsScalingPolicy, Value: 4, PeriodSeconds: 15},
			{Type: autoscalingv2.PercentScalingPolicy, Value: 100, PeriodSeconds: 15},
		},
	}
}

// scaleDownDefaults allow removing all surplus pods every 15s; the
// stabilization window stays unset because the controller's flag sets it.
func scaleDownDefaults() *autoscalingv2.HPAScalingRules {
	return &autoscalingv2.HPAScalingRules{
		SelectPolicy: ptr.To(autoscalingv2.MaxChangePolicySelect),
		Policies: []autoscalingv2.HPAScalingPolicy{
			{Type: autoscalingv2.PercentScalingPolicy, Value: 100, PeriodSeconds: 15},
		},
	}
}

// withDefaults returns the defaults overridden by every field set in r.
func withDefaults(r, defaults *autoscalingv2.HPAScalingRules) *autoscalingv2.HPAScalingRules {
	if r == nil {
		return defaults
	}
	if r.SelectPolicy != nil {
		defaults.SelectPolicy = r.SelectPolicy
	}
	if r.StabilizationWindowSeconds != nil {
		defaults.StabilizationWindowSeconds = r.StabilizationWindowSeconds
	}
	if r.Policies != nil {
		defaults.Policies = r.Policies
	}
	return defaults
}
