package autoscaling

import (
	"encoding/json"
	"fmt"

	autoscalingv1 "k8s.io/api/autoscaling/v1"
	autoscalingv2 "k8s.io/api/autoscaling/v2"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/runtime"
)

// The annotations in which an autoscaling/v1 object carries what only v2
// can say, so that a v1 client that reads and writes an object back loses
// nothing. Kubernetes uses the same keys.
const (
	metricsAnnotation        = "autoscaling.alpha.kubernetes.io/metrics"
	currentMetricsAnnotation = "autoscaling.alpha.kubernetes.io/current-metrics"
	conditionsAnnotation     = "autoscaling.alpha.kubernetes.io/conditions"
	behaviorAnnotation       = "autoscaling.alpha.kubernetes.io/behavior"
)

// isCPUUtilization reports whether a metric is what v1's
// targetCPUUtilizationPercentage can express.
func isCPUUtilization(m autoscalingv2.MetricSpec) bool {
	return m.Type == autoscalingv2.ResourceMetricSourceType && m.Resource != nil &&
		m.Resource.Name == corev1.ResourceCPU && m.Resource.Target.AverageUtilization != nil
}

// hpaFromStored shows a stored v2 object as autoscaling/v1: the first cpu
// utilization target becomes targetCPUUtilizationPercentage and the rest
// moves into annotations.
func hpaFromStored(obj runtime.Object) (runtime.Object, error) {
	in, ok := obj.(*autoscalingv2.HorizontalPodAutoscaler)
	if !ok {
		return nil, fmt.Errorf("autoscaling: want a v2 HorizontalPodAutoscaler, got %T", obj)
	}
	out := &autoscalingv1.HorizontalPodAutoscaler{ObjectMeta: *in.ObjectMeta.DeepCopy()}
	out.Spec = autoscalingv1.HorizontalPodAutoscalerSpec{ScaleTargetRef: refTo1(in.Spec.ScaleTargetRef),
		MinReplicas: in.Spec.MinReplicas, MaxReplicas: in.Spec.MaxReplicas}
	var others []autoscalingv1.MetricSpec
	for _, m := range in.Spec.Metrics {
		if !isCPUUtilization(m) {
			others = append(others, metricSpecTo1(m))
		} else if out.Spec.TargetCPUUtilizationPercentage == nil {
			out.Spec.TargetCPUUtilizationPercentage = m.Resource.Target.AverageUtilization
		}
	}
	st := in.Status
	out.Status = autoscalingv1.HorizontalPodAutoscalerStatus{ObservedGeneration: st.ObservedGeneration,
		LastScaleTime: st.LastScaleTime, CurrentReplicas: st.CurrentReplicas, DesiredReplicas: st.DesiredReplicas}
	var current []autoscalingv1.MetricStatus
	for _, m := range st.CurrentMetrics {
		// Every status goes to the annotation, the cpu one too, so that
		// its raw value survives.
		current = append(current, metricStatusTo1(m))
		if r := m.Resource; r != nil && r.Name == corev1.ResourceCPU && r.Current.AverageUtilization != nil && out.Status.CurrentCPUUtilizationPercentage == nil {
			out.Status.CurrentCPUUtilizationPercentage = r.Current.AverageUtilization
		}
	}
	var conditions []autoscalingv1.HorizontalPodAutoscalerCondition
	for _, c := range st.Conditions {
		conditions = append(conditions, autoscalingv1.HorizontalPodAutoscalerCondition{Type: autoscalingv1.HorizontalPodAutoscalerConditionType(c.Type),
			Status: c.Status, LastTransitionTime: c.LastTransitionTime, Reason: c.Reason, Message: c.Message})
	}
	err := setJSONAnnotations(&out.ObjectMeta.Annotations, []annotationValue{
		{metricsAnnotation, others, len(others) > 0},
		{currentMetricsAnnotation, current, len(current) > 0},
		{conditionsAnnotation, conditions, len(conditions) > 0},
		// Kubernetes writes the behavior with its internal Go field names;
		// this writes v2's JSON names. Both read back either way, since
		// JSON field names match without regard to case.
		{behaviorAnnotation, in.Spec.Behavior, in.Spec.Behavior != nil},
	})
	return out, err
}

type annotationValue struct {
	key  string
	v    interface{}
	keep bool
}

// setJSONAnnotations adds each kept value as JSON to a copy of the map.
func setJSONAnnotations(annotations *map[string]string, values []annotationValue) error {
	for _, a := range values {
		if !a.keep {
			continue
		}
		data, err := json.Marshal(a.v)
		if err != nil {
			return fmt.Errorf("autoscaling: encode %s: %w", a.key, err)
		}
		if *annotations == nil {
			*annotations = map[string]string{}
		}
		(*annotations)[a.key] = string(data)
	}
	return nil
}

// hpaToStored turns a v1 object into the stored v2 form, reading back what
// hpaFromStored put in annotations, and applies v2's defaults (as
// Kubernetes does when it reads the object from storage).
func hpaToStored(obj runtime.Object) (runtime.Object, error) {
	in, ok := obj.(*autoscalingv1.HorizontalPodAutoscaler)
	if !ok {
		return nil, fmt.Errorf("autoscaling: want a v1 HorizontalPodAutoscaler, got %T", obj)
	}
	out, err := hpaTo2(in)
	if err != nil {
		return nil, err
	}
	hpaStrategy{}.Default(out)
	return out, nil
}

// hpaTo2 converts without defaulting.
func hpaTo2(in *autoscalingv1.HorizontalPodAutoscaler) (*autoscalingv2.HorizontalPodAutoscaler, error) {
	out := &autoscalingv2.HorizontalPodAutoscaler{ObjectMeta: *in.ObjectMeta.DeepCopy()}
	out.Spec = autoscalingv2.HorizontalPodAutoscalerSpec{ScaleTargetRef: refTo2(in.Spec.ScaleTargetRef),
		MinReplicas: in.Spec.MinReplicas, MaxReplicas: in.Spec.MaxReplicas}
	st := in.Status
	out.Status = autoscalingv2.HorizontalPodAutoscalerStatus{ObservedGeneration: st.ObservedGeneration,
		LastScaleTime: st.LastScaleTime, CurrentReplicas: st.CurrentReplicas, DesiredReplicas: st.DesiredReplicas}

	var others []autoscalingv1.MetricSpec
	var current []autoscalingv1.MetricStatus
	var conditions []autoscalingv1.HorizontalPodAutoscalerCondition
	err := takeJSONAnnotations(out.ObjectMeta.Annotations, map[string]interface{}{
		metricsAnnotation: &others, currentMetricsAnnotation: &current,
		conditionsAnnotation: &conditions, behaviorAnnotation: &out.Spec.Behavior,
	})
	if err != nil {
		return nil, err
	}
	if len(out.Annotations) == 0 {
		out.Annotations = nil
	}
	// The annotated metrics come first, then the cpu target, as in
	// Kubernetes.
	for _, m := range others {
		out.Spec.Metrics = append(out.Spec.Metrics, metricSpecTo2(m))
	}
	if pct := in.Spec.TargetCPUUtilizationPercentage; pct != nil {
		out.Spec.Metrics = append(out.Spec.Metrics, autoscalingv2.MetricSpec{Type: autoscalingv2.ResourceMetricSourceType,
			Resource: &autoscalingv2.ResourceMetricSource{Name: corev1.ResourceCPU, Target: resourceTarget(pct, nil)}})
	}
	for _, m := range current {
		out.Status.CurrentMetrics = append(out.Status.CurrentMetrics, metricStatusTo2(m))
	}
	if pct := st.CurrentCPUUtilizationPercentage; pct != nil && len(current) == 0 {
		out.Status.CurrentMetrics = []autoscalingv2.MetricStatus{{Type: autoscalingv2.ResourceMetricSourceType,
			Resource: &autoscalingv2.ResourceMetricStatus{Name: corev1.ResourceCPU, Current: autoscalingv2.MetricValueStatus{AverageUtilization: pct}}}}
	}
	for _, c := range conditions {
		out.Status.Conditions = append(out.Status.Conditions, autoscalingv2.HorizontalPodAutoscalerCondition{Type: autoscalingv2.HorizontalPodAutoscalerConditionType(c.Type),
			Status: c.Status, LastTransitionTime: c.LastTransitionTime, Reason: c.Reason, Message: c.Message})
	}
	return out, nil
}

// takeJSONAnnotations decodes and removes each annotation present.
func takeJSONAnnotations(annotations map[string]string, into map[string]interface{}) error {
	for key, v := range into {
		data, ok := annotations[key]
		if !ok {
			continue
		}
		if err := json.Unmarshal([]byte(data), v); err != nil {
			return fmt.Errorf("metadata.annotations[%s]: %w", key, err)
		}
		delete(annotations, key)
	}
	return nil
}
