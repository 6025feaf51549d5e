package autoscaling

import (
	"fmt"
	"strings"

	autoscalingv2 "k8s.io/api/autoscaling/v2"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"

	"github.com/skiff/skiff/internal/registry/resource"
)

// maxTargets is how many metrics TARGETS lists before "+ N more...".
const maxTargets = 2

func (hpaStrategy) Columns() []metav1.TableColumnDefinition {
	spec := autoscalingv2.HorizontalPodAutoscalerSpec{}.SwaggerDoc()
	return []metav1.TableColumnDefinition{
		{Name: "Reference", Type: "string", Description: spec["scaleTargetRef"]},
		{Name: "Targets", Type: "string", Description: spec["metrics"]},
		{Name: "MinPods", Type: "string", Description: spec["minReplicas"]},
		{Name: "MaxPods", Type: "integer", Description: spec["maxReplicas"]},
		{Name: "Replicas", Type: "integer", Description: autoscalingv2.HorizontalPodAutoscalerStatus{}.SwaggerDoc()["currentReplicas"]},
		resource.AgeColumn,
	}
}

func (hpaStrategy) Cells(obj runtime.Object) []interface{} {
	hpa, ok := obj.(*autoscalingv2.HorizontalPodAutoscaler)
	if !ok {
		return nil
	}
	minPods := "<unset>"
	if hpa.Spec.MinReplicas != nil {
		minPods = fmt.Sprint(*hpa.Spec.MinReplicas)
	}
	ref := hpa.Spec.ScaleTargetRef
	return []interface{}{
		ref.Kind + "/" + ref.Name,
		targetsCell(hpa.Spec.Metrics, hpa.Status.CurrentMetrics),
		minPods,
		int64(hpa.Spec.MaxReplicas),
		int64(hpa.Status.CurrentReplicas),
		resource.Age(hpa),
	}
}

// targetsCell renders "current/target" per metric, e.g. "cpu: 42%/80%",
// with "<unknown>" until the controller has measured. Statuses pair with
// specs by position, as the controller writes them.
func targetsCell(specs []autoscalingv2.MetricSpec, statuses []autoscalingv2.MetricStatus) string {
	if len(specs) == 0 {
		return "<none>"
	}
	var parts []string
	for i := range specs {
		var status *autoscalingv2.MetricStatus
		if i < len(statuses) {
			status = &statuses[i]
		}
		parts = append(parts, metricCell(&specs[i], status))
	}
	if len(parts) > maxTargets {
		return fmt.Sprintf("%s + %d more...", strings.Join(parts[:maxTargets], ", "), len(parts)-maxTargets)
	}
	return strings.Join(parts, ", ")
}

func metricCell(spec *autoscalingv2.MetricSpec, status *autoscalingv2.MetricStatus) string {
	switch {
	case spec.Type == autoscalingv2.ResourceMetricSourceType && spec.Resource != nil:
		var current *autoscalingv2.MetricValueStatus
		if status != nil && status.Resource != nil {
			current = &status.Resource.Current
		}
		return string(spec.Resource.Name) + ": " + resourceValue(spec.Resource.Target, current)
	case spec.Type == autoscalingv2.ContainerResourceMetricSourceType && spec.ContainerResource != nil:
		var current *autoscalingv2.MetricValueStatus
		if status != nil && status.ContainerResource != nil {
			current = &status.ContainerResource.Current
		}
		return string(spec.ContainerResource.Name) + ": " + resourceValue(spec.ContainerResource.Target, current)
	case spec.Type == autoscalingv2.PodsMetricSourceType && spec.Pods != nil:
		var current *autoscalingv2.MetricValueStatus
		if status != nil && status.Pods != nil {
			current = &status.Pods.Current
		}
		return quantityValue(spec.Pods.Target, current, true)
	case spec.Type == autoscalingv2.ObjectMetricSourceType && spec.Object != nil:
		var current *autoscalingv2.MetricValueStatus
		if status != nil && status.Object != nil {
			current = &status.Object.Current
		}
		return quantityValue(spec.Object.Target, current, false)
	case spec.Type == autoscalingv2.ExternalMetricSourceType && spec.External != nil:
		var current *autoscalingv2.MetricValueStatus
		if status != nil && status.External != nil {
			current = &status.External.Current
		}
		return quantityValue(spec.External.Target, current, false)
	}
	return "<unknown type>"
}

// resourceValue is "current/target" for a cpu or memory metric: an
// average value, or a utilization percentage.
func resourceValue(target autoscalingv2.MetricTarget, current *autoscalingv2.MetricValueStatus) string {
	now := "<unknown>"
	if target.AverageValue != nil {
		if current != nil && current.AverageValue != nil {
			now = current.AverageValue.String()
		}
		return now + "/" + target.AverageValue.String()
	}
	if current != nil && current.AverageUtilization != nil {
		now = fmt.Sprintf("%d%%", *current.AverageUtilization)
	}
	want := "<auto>"
	if target.AverageUtilization != nil {
		want = fmt.Sprintf("%d%%", *target.AverageUtilization)
	}
	return now + "/" + want
}

// quantityValue is "current/target" for pods, object and external
// metrics; per-pod averages of object and external metrics say "(avg)".
// Pods metrics are always averages, so they need no marker.
func quantityValue(target autoscalingv2.MetricTarget, current *autoscalingv2.MetricValueStatus, alwaysAverage bool) string {
	now := "<unknown>"
	if target.AverageValue != nil {
		if current != nil && current.AverageValue != nil {
			now = current.AverageValue.String()
		}
		if alwaysAverage {
			return now + "/" + target.AverageValue.String()
		}
		return now + "/" + target.AverageValue.String() + " (avg)"
	}
	want := "<unset>"
	if target.Value != nil {
		want = target.Value.String()
	}
	if current != nil && current.Value != nil {
		now = current.Value.String()
	}
	return now + "/" + want
}
