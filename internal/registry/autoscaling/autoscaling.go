// Package autoscaling holds the rules of horizontalpodautoscalers:
// autoscaling/v2, which is stored, and autoscaling/v1, a view of it.
package autoscaling

import (
	autoscalingv2 "k8s.io/api/autoscaling/v2"
	"k8s.io/apimachinery/pkg/runtime"

	"github.com/skiff/skiff/internal/registry/resource"
)

// Resources returns the autoscaling resources, v2 (preferred) first.
func Resources() []resource.Resource {
	return []resource.Resource{{
		GVR:        autoscalingv2.SchemeGroupVersion.WithResource("horizontalpodautoscalers"),
		Kind:       "HorizontalPodAutoscaler",
		Singular:   "horizontalpodautoscaler",
		Namespaced: true,
		ShortNames: []string{"hpa"},
		Categories: []string{"all"},
		New:        func() runtime.Object { return &autoscalingv2.HorizontalPodAutoscaler{} },
		NewList:    func() runtime.Object { return &autoscalingv2.HorizontalPodAutoscalerList{} },
		Strategy:   hpaStrategy{},
		Status:     true,
	}, hpaV1Resource()}
}

type hpaStrategy struct{ resource.Base }

// PrepareForCreate drops any client-sent status: the controller owns it.
func (hpaStrategy) PrepareForCreate(obj runtime.Object) {
	if hpa, ok := obj.(*autoscalingv2.HorizontalPodAutoscaler); ok {
		hpa.Status = autoscalingv2.HorizontalPodAutoscalerStatus{}
	}
}
