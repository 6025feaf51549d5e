package autoscaling

import (
	"fmt"

	autoscalingv1 "k8s.io/api/autoscaling/v1"
	autoscalingv2 "k8s.io/api/autoscaling/v2"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/validation/field"
	"k8s.io/utils/ptr"

	"github.com/skiff/skiff/internal/registry/resource"
)

// hpaV1Resource serves autoscaling/v1 horizontalpodautoscalers, which
// `kubectl autoscale` creates, as a view of the v2 objects: one stored
// object, two versions, as in Kubernetes.
func hpaV1Resource() resource.Resource {
	return resource.Resource{
		GVR:        autoscalingv1.SchemeGroupVersion.WithResource("horizontalpodautoscalers"),
		Kind:       "HorizontalPodAutoscaler",
		Singular:   "horizontalpodautoscaler",
		Namespaced: true,
		ShortNames: []string{"hpa"},
		Categories: []string{"all"},
		New:        func() runtime.Object { return &autoscalingv1.HorizontalPodAutoscaler{} },
		NewList:    func() runtime.Object { return &autoscalingv1.HorizontalPodAutoscalerList{} },
		Strategy:   hpaV1Strategy{},
		Status:     true,
		View: &resource.StorageView{
			Of:         autoscalingv2.SchemeGroupVersion.WithResource("horizontalpodautoscalers"),
			NewStored:  func() runtime.Object { return &autoscalingv2.HorizontalPodAutoscaler{} },
			ToStored:   hpaToStored,
			FromStored: hpaFromStored,
		},
	}
}

// hpaV1Strategy applies v1's own defaults, then judges and prints the
// object in its v2 form, as Kubernetes validates the internal (v2-shaped)
// object whatever version the request used.
type hpaV1Strategy struct{ resource.Base }

func (hpaV1Strategy) Default(obj runtime.Object) {
	if hpa, ok := obj.(*autoscalingv1.HorizontalPodAutoscaler); ok && hpa.Spec.MinReplicas == nil {
		hpa.Spec.MinReplicas = ptr.To[int32](1)
	}
}

// PrepareForCreate drops any client-sent status: the controller owns it.
func (hpaV1Strategy) PrepareForCreate(obj runtime.Object) {
	if hpa, ok := obj.(*autoscalingv1.HorizontalPodAutoscaler); ok {
		hpa.Status = autoscalingv1.HorizontalPodAutoscalerStatus{}
		delete(hpa.Annotations, currentMetricsAnnotation)
		delete(hpa.Annotations, conditionsAnnotation)
	}
}

func (hpaV1Strategy) Validate(obj runtime.Object) field.ErrorList {
	hpa, ok := obj.(*autoscalingv1.HorizontalPodAutoscaler)
	if !ok {
		return field.ErrorList{field.InternalError(nil, fmt.Errorf("unexpected object type %T", obj))}
	}
	v2, err := hpaTo2(hpa.DeepCopy())
	if err != nil {
		return field.ErrorList{field.Invalid(field.NewPath("metadata", "annotations"), "", err.Error())}
	}
	return hpaStrategy{}.Validate(v2)
}

func (s hpaV1Strategy) ValidateUpdate(obj, _ runtime.Object) field.ErrorList {
	return s.Validate(obj)
}

func (hpaV1Strategy) Columns() []metav1.TableColumnDefinition { return hpaStrategy{}.Columns() }

func (hpaV1Strategy) Cells(obj runtime.Object) []interface{} {
	v2, err := hpaToStored(obj)
	if err != nil {
		return nil
	}
	return hpaStrategy{}.Cells(v2)
}
