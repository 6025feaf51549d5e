// Package autoscaling holds the rules of autoscaling/v2
// horizontalpodautoscalers.
package autoscaling

import (
	autoscalingv2 "k8s.io/api/autoscaling/v2"
	"k8s.io/apimachinery/pkg/runtime"

	"github.com/skiff/skiff/internal/registry/resource"
)

// Resources returns the autoscaling/v2 resources.
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
	}}
}

type hpaStrategy struct{ resource.Base }

// PrepareForCreate drops any client-sent status: the controller owns it.
func (hpaStrategy) PrepareForCreate(obj runtime.Object) {
	if hpa, ok := obj.(*autoscalingv2.HorizontalPodAutoscaler); ok {
		hpa.Status = autoscalingv2.HorizontalPodAutoscalerStatus{}
	}
}
