// Package flowcontrol holds the rules of the flowcontrol.apiserver.k8s.io/v1
// resources: flowschemas and prioritylevelconfigurations, the API
// priority and fairness configuration.
package flowcontrol

import (
	flowcontrolv1 "k8s.io/api/flowcontrol/v1"
	"k8s.io/apimachinery/pkg/api/equality"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"

	"github.com/skiff/skiff/internal/registry/resource"
)

// Resources returns the flowcontrol.apiserver.k8s.io/v1 resources as
// Kubernetes 1.32 serves them.
func Resources() []resource.Resource {
	gv := flowcontrolv1.SchemeGroupVersion
	return []resource.Resource{
		{
			GVR: gv.WithResource("flowschemas"), Kind: "FlowSchema", Singular: "flowschema",
			New:      func() runtime.Object { return &flowcontrolv1.FlowSchema{} },
			NewList:  func() runtime.Object { return &flowcontrolv1.FlowSchemaList{} },
			Strategy: FlowSchemaStrategy{},
			Status:   true,
		},
		{
			GVR: gv.WithResource("prioritylevelconfigurations"), Kind: "PriorityLevelConfiguration",
			Singular: "prioritylevelconfiguration",
			New:      func() runtime.Object { return &flowcontrolv1.PriorityLevelConfiguration{} },
			NewList:  func() runtime.Object { return &flowcontrolv1.PriorityLevelConfigurationList{} },
			Strategy: PriorityLevelStrategy{},
			Status:   true,
		},
	}
}

func bumpGeneration(newMeta *metav1.ObjectMeta, oldMeta metav1.ObjectMeta, newSpec, oldSpec interface{}) {
	newMeta.Generation = oldMeta.Generation
	if !equality.Semantic.DeepEqual(newSpec, oldSpec) {
		newMeta.Generation++
	}
}
