package autoscaling

import (
	"fmt"
	"reflect"
	"testing"

	autoscalingv2 "k8s.io/api/autoscaling/v2"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"
)

func validHPA() *autoscalingv2.HorizontalPodAutoscaler {
	hpa := &autoscalingv2.HorizontalPodAutoscaler{
		ObjectMeta: metav1.ObjectMeta{Name: "web", Namespace: "default"},
		Spec: autoscalingv2.HorizontalPodAutoscalerSpec{
			ScaleTargetRef: autoscalingv2.CrossVersionObjectReference{APIVersion: "apps/v1", Kind: "Deployment", Name: "web"},
			MaxReplicas:    10,
		},
	}
	hpaStrategy{}.Default(hpa)
	return hpa
}

func cpuTarget(pct int32) autoscalingv2.MetricSpec {
	return autoscalingv2.MetricSpec{Type: autoscalingv2.ResourceMetricSourceType, Resource: &autoscalingv2.ResourceMetricSource{
		Name: corev1.ResourceCPU, Target: autoscalingv2.MetricTarget{Type: autoscalingv2.UtilizationMetricType, AverageUtilization: ptr.To(pct)}}}
}

func TestDefault(t *testing.T) {
	hpa := validHPA()
	if ptr.Deref(hpa.Spec.MinReplicas, 0) != 1 {
		t.Errorf("minReplicas = %v, want 1", hpa.Spec.MinReplicas)
	}
	if want := []autoscalingv2.MetricSpec{cpuTarget(80)}; !reflect.DeepEqual(hpa.Spec.Metrics, want) {
		t.Errorf("metrics = %+v", hpa.Spec.Metrics)
	}
	if hpa.Spec.Behavior != nil {
		t.Error("behavior added where none was written")
	}

	hpa.Spec.Behavior = &autoscalingv2.HorizontalPodAutoscalerBehavior{
		ScaleDown: &autoscalingv2.HPAScalingRules{StabilizationWindowSeconds: ptr.To[int32](60)},
	}
	hpaStrategy{}.Default(hpa)
	if !reflect.DeepEqual(hpa.Spec.Behavior.ScaleUp, scaleUpDefaults()) {
		t.Errorf("scaleUp = %+v", hpa.Spec.Behavior.ScaleUp)
	}
	down := scaleDownDefaults()
	down.StabilizationWindowSeconds = ptr.To[int32](60)
	if !reflect.DeepEqual(hpa.Spec.Behavior.ScaleDown, down) {
		t.Errorf("scaleDown = %+v", hpa.Spec.Behavior.ScaleDown)
	}
	again := hpa.DeepCopy()
	hpaStrategy{}.Default(again)
	if !reflect.DeepEqual(again, hpa) {
		t.Error("Default is not idempotent")
	}
}

func TestValidate(t *testing.T) {
	tests := []struct {
		name   string
		mutate func(*autoscalingv2.HorizontalPodAutoscaler)
		want   []string
	}{
		{"valid", func(*autoscalingv2.HorizontalPodAutoscaler) {}, nil},
		{"no target", func(h *autoscalingv2.HorizontalPodAutoscaler) {
			h.Spec.ScaleTargetRef = autoscalingv2.CrossVersionObjectReference{}
		},
			[]string{"FieldValueRequired spec.scaleTargetRef.kind", "FieldValueRequired spec.scaleTargetRef.name"}},
		{"slash in name", func(h *autoscalingv2.HorizontalPodAutoscaler) { h.Spec.ScaleTargetRef.Name = "a/b" },
			[]string{"FieldValueInvalid spec.scaleTargetRef.name"}},
		{"min zero", func(h *autoscalingv2.HorizontalPodAutoscaler) { h.Spec.MinReplicas = ptr.To[int32](0) },
			[]string{"FieldValueInvalid spec.minReplicas"}},
		{"min above max", func(h *autoscalingv2.HorizontalPodAutoscaler) { h.Spec.MinReplicas = ptr.To[int32](11) },
			[]string{"FieldValueInvalid spec.maxReplicas"}},
		{"max zero", func(h *autoscalingv2.HorizontalPodAutoscaler) { h.Spec.MaxReplicas = 0 },
			[]string{"FieldValueInvalid spec.maxReplicas", "FieldValueInvalid spec.maxReplicas"}},
		{"unknown metric type", func(h *autoscalingv2.HorizontalPodAutoscaler) { h.Spec.Metrics[0].Type = "Magic" },
			[]string{"FieldValueNotSupported spec.metrics[0].type"}},
		{"source missing", func(h *autoscalingv2.HorizontalPodAutoscaler) { h.Spec.Metrics[0].Resource = nil },
			[]string{"FieldValueRequired spec.metrics[0].resource"}},
		{"zero utilization", func(h *autoscalingv2.HorizontalPodAutoscaler) { h.Spec.Metrics[0] = cpuTarget(0) },
			[]string{"FieldValueInvalid spec.metrics[0].resource.target.averageUtilization"}},
		{"bad policy", func(h *autoscalingv2.HorizontalPodAutoscaler) {
			h.Spec.Behavior = &autoscalingv2.HorizontalPodAutoscalerBehavior{ScaleUp: &autoscalingv2.HPAScalingRules{
				Policies: []autoscalingv2.HPAScalingPolicy{{Type: "Nodes", Value: 0, PeriodSeconds: 1801}}}}
		}, []string{"FieldValueNotSupported spec.behavior.scaleUp.policies[0].type", "FieldValueInvalid spec.behavior.scaleUp.policies[0].value",
			"FieldValueInvalid spec.behavior.scaleUp.policies[0].periodSeconds"}},
		{"long window", func(h *autoscalingv2.HorizontalPodAutoscaler) {
			h.Spec.Behavior = &autoscalingv2.HorizontalPodAutoscalerBehavior{ScaleDown: &autoscalingv2.HPAScalingRules{
				StabilizationWindowSeconds: ptr.To[int32](3601), SelectPolicy: ptr.To(autoscalingv2.DisabledPolicySelect)}}
		}, []string{"FieldValueInvalid spec.behavior.scaleDown.stabilizationWindowSeconds"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			hpa := validHPA()
			tt.mutate(hpa)
			got := []string{}
			for _, e := range (hpaStrategy{}).Validate(hpa) {
				got = append(got, fmt.Sprintf("%s %s", string(e.Type), e.Field))
			}
			want := tt.want
			if want == nil {
				want = []string{}
			}
			if !reflect.DeepEqual(got, want) {
				t.Errorf("errors = %q, want %q", got, want)
			}
		})
	}
}

func TestCells(t *testing.T) {
	q := resource.MustParse
	qp := func(s string) *resource.Quantity { v := q(s); return &v }
	pods := autoscalingv2.MetricSpec{Type: autoscalingv2.PodsMetricSourceType, Pods: &autoscalingv2.PodsMetricSource{
		Target: autoscalingv2.MetricTarget{Type: autoscalingv2.AverageValueMetricType, AverageValue: qp("1k")}}}
	external := autoscalingv2.MetricSpec{Type: autoscalingv2.ExternalMetricSourceType, External: &autoscalingv2.ExternalMetricSource{
		Target: autoscalingv2.MetricTarget{Type: autoscalingv2.AverageValueMetricType, AverageValue: qp("30")}}}
	memory := autoscalingv2.MetricSpec{Type: autoscalingv2.ResourceMetricSourceType, Resource: &autoscalingv2.ResourceMetricSource{
		Name: corev1.ResourceMemory, Target: autoscalingv2.MetricTarget{Type: autoscalingv2.AverageValueMetricType, AverageValue: qp("512Mi")}}}
	tests := []struct {
		name     string
		metrics  []autoscalingv2.MetricSpec
		statuses []autoscalingv2.MetricStatus
		want     string
	}{
		{"defaulted, unmeasured", []autoscalingv2.MetricSpec{cpuTarget(80)}, nil, "cpu: <unknown>/80%"},
		{"measured", []autoscalingv2.MetricSpec{cpuTarget(50)}, []autoscalingv2.MetricStatus{{Type: autoscalingv2.ResourceMetricSourceType,
			Resource: &autoscalingv2.ResourceMetricStatus{Name: corev1.ResourceCPU, Current: autoscalingv2.MetricValueStatus{AverageUtilization: ptr.To[int32](42)}}}},
			"cpu: 42%/50%"},
		{"values", []autoscalingv2.MetricSpec{memory, pods}, nil, "memory: <unknown>/512Mi, <unknown>/1k"},
		{"more than two", []autoscalingv2.MetricSpec{cpuTarget(50), pods, external}, nil, "cpu: <unknown>/50%, <unknown>/1k + 1 more..."},
		{"external average", []autoscalingv2.MetricSpec{external}, nil, "<unknown>/30 (avg)"},
		{"none", nil, nil, "<none>"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			hpa := validHPA()
			hpa.Spec.Metrics = tt.metrics
			hpa.Status.CurrentMetrics = tt.statuses
			hpa.Status.CurrentReplicas = 2
			cells := hpaStrategy{}.Cells(hpa)
			want := []interface{}{"Deployment/web", tt.want, "1", int64(10), int64(2)}
			if len(cells) != len(hpaStrategy{}.Columns()) || !reflect.DeepEqual(cells[:5], want) {
				t.Errorf("cells = %#v, want %#v", cells, want)
			}
		})
	}
}
