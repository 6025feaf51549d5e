package autoscaling

import (
	"strings"
	"testing"

	autoscalingv1 "k8s.io/api/autoscaling/v1"
	autoscalingv2 "k8s.io/api/autoscaling/v2"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/equality"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"
)

func quantity(s string) *resource.Quantity { q := resource.MustParse(s); return &q }

// TestV1RoundTrip shows stored v2 objects as v1 and converts them back:
// nothing may be lost, and v1 sees the cpu target in its own field.
func TestV1RoundTrip(t *testing.T) {
	pods := autoscalingv2.MetricSpec{Type: autoscalingv2.PodsMetricSourceType, Pods: &autoscalingv2.PodsMetricSource{
		Metric: autoscalingv2.MetricIdentifier{Name: "qps"},
		Target: autoscalingv2.MetricTarget{Type: autoscalingv2.AverageValueMetricType, AverageValue: quantity("10")}}}
	memory := autoscalingv2.MetricSpec{Type: autoscalingv2.ResourceMetricSourceType, Resource: &autoscalingv2.ResourceMetricSource{
		Name: corev1.ResourceMemory, Target: autoscalingv2.MetricTarget{Type: autoscalingv2.AverageValueMetricType, AverageValue: quantity("100Mi")}}}
	external := autoscalingv2.MetricSpec{Type: autoscalingv2.ExternalMetricSourceType, External: &autoscalingv2.ExternalMetricSource{
		Metric: autoscalingv2.MetricIdentifier{Name: "queue"},
		Target: autoscalingv2.MetricTarget{Type: autoscalingv2.ValueMetricType, Value: quantity("30")}}}
	object := autoscalingv2.MetricSpec{Type: autoscalingv2.ObjectMetricSourceType, Object: &autoscalingv2.ObjectMetricSource{
		DescribedObject: autoscalingv2.CrossVersionObjectReference{Kind: "Service", Name: "web", APIVersion: "v1"},
		Metric:          autoscalingv2.MetricIdentifier{Name: "rps"},
		Target:          autoscalingv2.MetricTarget{Type: autoscalingv2.ValueMetricType, Value: quantity("5")}}}
	cpuStatus := autoscalingv2.MetricStatus{Type: autoscalingv2.ResourceMetricSourceType, Resource: &autoscalingv2.ResourceMetricStatus{
		Name: corev1.ResourceCPU, Current: autoscalingv2.MetricValueStatus{AverageUtilization: ptr.To[int32](42), AverageValue: quantity("21m")}}}
	tests := []struct {
		name       string
		metrics    []autoscalingv2.MetricSpec
		status     autoscalingv2.HorizontalPodAutoscalerStatus
		behavior   *autoscalingv2.HorizontalPodAutoscalerBehavior
		wantCPU    *int32
		wantAnnots []string
	}{
		{name: "cpu only", metrics: []autoscalingv2.MetricSpec{cpuTarget(70)}, wantCPU: ptr.To[int32](70)},
		{name: "others first, then cpu", metrics: []autoscalingv2.MetricSpec{pods, memory, external, object, cpuTarget(50)},
			wantCPU: ptr.To[int32](50), wantAnnots: []string{metricsAnnotation}},
		{name: "no cpu", metrics: []autoscalingv2.MetricSpec{memory}, wantAnnots: []string{metricsAnnotation}},
		{name: "status and behavior", metrics: []autoscalingv2.MetricSpec{cpuTarget(80)},
			status: autoscalingv2.HorizontalPodAutoscalerStatus{CurrentReplicas: 3, DesiredReplicas: 4, CurrentMetrics: []autoscalingv2.MetricStatus{cpuStatus},
				Conditions: []autoscalingv2.HorizontalPodAutoscalerCondition{{Type: autoscalingv2.AbleToScale, Status: corev1.ConditionTrue, Reason: "ReadyForNewScale"}}},
			behavior: &autoscalingv2.HorizontalPodAutoscalerBehavior{ScaleDown: &autoscalingv2.HPAScalingRules{StabilizationWindowSeconds: ptr.To[int32](60)}},
			wantCPU:  ptr.To[int32](80), wantAnnots: []string{currentMetricsAnnotation, conditionsAnnotation, behaviorAnnotation}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := validHPA()
			in.Annotations = map[string]string{"keep": "me"}
			in.Spec.Metrics, in.Spec.Behavior, in.Status = tt.metrics, tt.behavior, tt.status
			hpaStrategy{}.Default(in)
			obj, err := hpaFromStored(in.DeepCopy())
			if err != nil {
				t.Fatal(err)
			}
			v1 := obj.(*autoscalingv1.HorizontalPodAutoscaler)
			if !equality.Semantic.DeepEqual(v1.Spec.TargetCPUUtilizationPercentage, tt.wantCPU) {
				t.Errorf("targetCPUUtilizationPercentage = %v, want %v", ptr.Deref(v1.Spec.TargetCPUUtilizationPercentage, -1), ptr.Deref(tt.wantCPU, -1))
			}
			if len(v1.Annotations) != 1+len(tt.wantAnnots) || v1.Annotations["keep"] != "me" {
				t.Errorf("annotations = %v, want keep and %v", v1.Annotations, tt.wantAnnots)
			}
			back, err := hpaToStored(v1)
			if err != nil {
				t.Fatal(err)
			}
			if !equality.Semantic.DeepEqual(back, in) {
				t.Errorf("round trip changed the object:\n got %+v\nwant %+v", back, in)
			}
		})
	}
}

func TestV1Create(t *testing.T) {
	tests := []struct {
		name    string
		spec    autoscalingv1.HorizontalPodAutoscalerSpec
		annots  map[string]string
		wantErr string // a fragment of the first validation error
		targets string // TARGETS cell
	}{
		{name: "kubectl autoscale", spec: autoscalingv1.HorizontalPodAutoscalerSpec{MaxReplicas: 5, TargetCPUUtilizationPercentage: ptr.To[int32](70)},
			targets: "cpu: <unknown>/70%"},
		{name: "no target gets the default", spec: autoscalingv1.HorizontalPodAutoscalerSpec{MaxReplicas: 5}, targets: "cpu: <unknown>/80%"},
		{name: "max below min", spec: autoscalingv1.HorizontalPodAutoscalerSpec{MaxReplicas: 1, MinReplicas: ptr.To[int32](3)},
			wantErr: "spec.maxReplicas"},
		{name: "bad annotation", spec: autoscalingv1.HorizontalPodAutoscalerSpec{MaxReplicas: 5},
			annots: map[string]string{metricsAnnotation: "{"}, wantErr: "metadata.annotations"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			hpa := &autoscalingv1.HorizontalPodAutoscaler{ObjectMeta: metav1.ObjectMeta{Name: "web", Namespace: "default", Annotations: tt.annots}, Spec: tt.spec}
			hpa.Spec.ScaleTargetRef = autoscalingv1.CrossVersionObjectReference{APIVersion: "apps/v1", Kind: "Deployment", Name: "web"}
			s := hpaV1Strategy{}
			s.Default(hpa)
			s.PrepareForCreate(hpa)
			errs := s.Validate(hpa)
			if tt.wantErr != "" {
				if len(errs) == 0 || !strings.Contains(errs[0].Error(), tt.wantErr) {
					t.Fatalf("errors = %v, want one about %s", errs, tt.wantErr)
				}
				return
			}
			if len(errs) > 0 {
				t.Fatalf("unexpected errors: %v", errs)
			}
			if got := s.Cells(hpa)[1]; got != tt.targets {
				t.Errorf("TARGETS = %v, want %s", got, tt.targets)
			}
		})
	}
}
