package autoscaling

import (
	"fmt"

	autoscalingv2 "k8s.io/api/autoscaling/v2"
	"k8s.io/apimachinery/pkg/api/validation/path"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/validation/field"
	"k8s.io/utils/ptr"
)

// Limits on scaling rules, as Kubernetes sets them.
const (
	maxPeriodSeconds              = 1800
	maxStabilizationWindowSeconds = 3600
)

func (hpaStrategy) Validate(obj runtime.Object) field.ErrorList {
	hpa, ok := obj.(*autoscalingv2.HorizontalPodAutoscaler)
	if !ok {
		return field.ErrorList{field.InternalError(nil, fmt.Errorf("unexpected object type %T", obj))}
	}
	return validateSpec(&hpa.Spec, field.NewPath("spec"))
}

func (s hpaStrategy) ValidateUpdate(obj, _ runtime.Object) field.ErrorList {
	return s.Validate(obj)
}

func validateSpec(spec *autoscalingv2.HorizontalPodAutoscalerSpec, p *field.Path) field.ErrorList {
	errs := validateTargetRef(spec.ScaleTargetRef, p.Child("scaleTargetRef"))
	if spec.MinReplicas != nil && *spec.MinReplicas < 1 {
		errs = append(errs, field.Invalid(p.Child("minReplicas"), *spec.MinReplicas, "must be greater than or equal to 1"))
	}
	if spec.MaxReplicas < 1 {
		errs = append(errs, field.Invalid(p.Child("maxReplicas"), spec.MaxReplicas, "must be greater than 0"))
	}
	if spec.MinReplicas != nil && spec.MaxReplicas < *spec.MinReplicas {
		errs = append(errs, field.Invalid(p.Child("maxReplicas"), spec.MaxReplicas, "must be greater than or equal to `minReplicas`"))
	}
	for i := range spec.Metrics {
		errs = append(errs, validateMetric(&spec.Metrics[i], p.Child("metrics").Index(i))...)
	}
	if b := spec.Behavior; b != nil {
		errs = append(errs, validateRules(b.ScaleUp, p.Child("behavior", "scaleUp"))...)
		errs = append(errs, validateRules(b.ScaleDown, p.Child("behavior", "scaleDown"))...)
	}
	return errs
}

// validateTargetRef: kind and name become a URL path to the scale
// subresource, so they must be usable as path segments.
func validateTargetRef(ref autoscalingv2.CrossVersionObjectReference, p *field.Path) field.ErrorList {
	var errs field.ErrorList
	for _, f := range []struct{ name, value string }{{"kind", ref.Kind}, {"name", ref.Name}} {
		if f.value == "" {
			errs = append(errs, field.Required(p.Child(f.name), ""))
			continue
		}
		for _, msg := range path.IsValidPathSegmentName(f.value) {
			errs = append(errs, field.Invalid(p.Child(f.name), f.value, msg))
		}
	}
	return errs
}

// validateMetric checks that a metric names a known source type, fills in
// that source, and gives a usable target.
func validateMetric(m *autoscalingv2.MetricSpec, p *field.Path) field.ErrorList {
	var target *autoscalingv2.MetricTarget
	var source string
	switch m.Type {
	case autoscalingv2.ResourceMetricSourceType:
		source = "resource"
		if m.Resource != nil {
			target = &m.Resource.Target
		}
	case autoscalingv2.ContainerResourceMetricSourceType:
		source = "containerResource"
		if m.ContainerResource != nil {
			target = &m.ContainerResource.Target
		}
	case autoscalingv2.PodsMetricSourceType:
		source = "pods"
		if m.Pods != nil {
			target = &m.Pods.Target
		}
	case autoscalingv2.ObjectMetricSourceType:
		source = "object"
		if m.Object != nil {
			target = &m.Object.Target
		}
	case autoscalingv2.ExternalMetricSourceType:
		source = "external"
		if m.External != nil {
			target = &m.External.Target
		}
	default:
		return field.ErrorList{field.NotSupported(p.Child("type"), m.Type, []autoscalingv2.MetricSourceType{
			autoscalingv2.ObjectMetricSourceType, autoscalingv2.PodsMetricSourceType, autoscalingv2.ResourceMetricSourceType,
			autoscalingv2.ExternalMetricSourceType, autoscalingv2.ContainerResourceMetricSourceType})}
	}
	if target == nil {
		return field.ErrorList{field.Required(p.Child(source), "must populate information for the given metric source")}
	}
	return validateTarget(target, p.Child(source, "target"))
}

func validateTarget(t *autoscalingv2.MetricTarget, p *field.Path) field.ErrorList {
	var errs field.ErrorList
	switch t.Type {
	case autoscalingv2.UtilizationMetricType:
		if t.AverageUtilization == nil {
			errs = append(errs, field.Required(p.Child("averageUtilization"), "must set averageUtilization for Utilization targets"))
		}
	case autoscalingv2.ValueMetricType:
		if t.Value == nil {
			errs = append(errs, field.Required(p.Child("value"), "must set value for Value targets"))
		}
	case autoscalingv2.AverageValueMetricType:
		if t.AverageValue == nil {
			errs = append(errs, field.Required(p.Child("averageValue"), "must set averageValue for AverageValue targets"))
		}
	default:
		errs = append(errs, field.NotSupported(p.Child("type"), t.Type, []autoscalingv2.MetricTargetType{
			autoscalingv2.UtilizationMetricType, autoscalingv2.ValueMetricType, autoscalingv2.AverageValueMetricType}))
	}
	if u := t.AverageUtilization; u != nil && *u < 1 {
		errs = append(errs, field.Invalid(p.Child("averageUtilization"), *u, "must be greater than 0"))
	}
	return errs
}

func validateRules(r *autoscalingv2.HPAScalingRules, p *field.Path) field.ErrorList {
	if r == nil {
		return nil
	}
	var errs field.ErrorList
	if w := ptr.Deref(r.StabilizationWindowSeconds, 0); w < 0 || w > maxStabilizationWindowSeconds {
		errs = append(errs, field.Invalid(p.Child("stabilizationWindowSeconds"), w, fmt.Sprintf("must be between 0 and %d", maxStabilizationWindowSeconds)))
	}
	if sp := r.SelectPolicy; sp != nil {
		allowed := []autoscalingv2.ScalingPolicySelect{autoscalingv2.MaxChangePolicySelect, autoscalingv2.MinChangePolicySelect, autoscalingv2.DisabledPolicySelect}
		if *sp != allowed[0] && *sp != allowed[1] && *sp != allowed[2] {
			errs = append(errs, field.NotSupported(p.Child("selectPolicy"), *sp, allowed))
		}
	}
	if len(r.Policies) == 0 && ptr.Deref(r.SelectPolicy, "") != autoscalingv2.DisabledPolicySelect {
		errs = append(errs, field.Required(p.Child("policies"), "must specify at least one Policy"))
	}
	for i, pol := range r.Policies {
		errs = append(errs, validatePolicy(pol, p.Child("policies").Index(i))...)
	}
	return errs
}

func validatePolicy(pol autoscalingv2.HPAScalingPolicy, p *field.Path) field.ErrorList {
	var errs field.ErrorList
	if pol.Type != autoscalingv2.PodsScalingPolicy && pol.Type != autoscalingv2.PercentScalingPolicy {
		errs = append(errs, field.NotSupported(p.Child("type"), pol.Type, []autoscalingv2.HPAScalingPolicyType{
			autoscalingv2.PodsScalingPolicy, autoscalingv2.PercentScalingPolicy}))
	}
	if pol.Value <= 0 {
		errs = append(errs, field.Invalid(p.Child("value"), pol.Value, "must be greater than zero"))
	}
	if pol.PeriodSeconds <= 0 || pol.PeriodSeconds > maxPeriodSeconds {
		errs = append(errs, field.Invalid(p.Child("periodSeconds"), pol.PeriodSeconds, fmt.Sprintf("must be greater than zero and less than or equal to %d", maxPeriodSeconds)))
	}
	return errs
}
