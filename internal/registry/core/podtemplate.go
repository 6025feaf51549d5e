package core

import (
	"strings"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/validation/field"

	"github.com/skiff/skiff/internal/registry/resource"
)

func podTemplateResource() resource.Resource {
	return newResource("podtemplates", "PodTemplate", true,
		func() runtime.Object { return &corev1.PodTemplate{} },
		func() runtime.Object { return &corev1.PodTemplateList{} },
		podTemplateStrategy{})
}

// podTemplateStrategy holds the rules of pod templates.
type podTemplateStrategy struct{ resource.Base }

var _ resource.Strategy = podTemplateStrategy{}

func (podTemplateStrategy) Default(obj runtime.Object) {
	DefaultPodTemplateSpec(&obj.(*corev1.PodTemplate).Template)
}

func (podTemplateStrategy) Validate(obj runtime.Object) field.ErrorList {
	return ValidatePodTemplateSpec(&obj.(*corev1.PodTemplate).Template, field.NewPath("template"))
}

func (s podTemplateStrategy) ValidateUpdate(obj, _ runtime.Object) field.ErrorList {
	return s.Validate(obj)
}

// Columns: pod templates are the one core table without AGE.
func (podTemplateStrategy) Columns() []metav1.TableColumnDefinition {
	return []metav1.TableColumnDefinition{
		resource.Column("Containers", "Names of each container in the template.", 0),
		resource.Column("Images", "Images referenced by each container in the template.", 0),
		resource.Column("Pod Labels", "The labels for the pod template.", 0),
	}
}

func (podTemplateStrategy) Cells(obj runtime.Object) []interface{} {
	t := &obj.(*corev1.PodTemplate).Template
	names, images := containerCells(t.Spec.Containers)
	return []interface{}{names, images, labels.FormatLabels(t.Labels)}
}

// containerCells joins the names and images of containers, as the
// CONTAINERS and IMAGES columns of workloads show them.
func containerCells(cs []corev1.Container) (string, string) {
	names := make([]string, len(cs))
	images := make([]string, len(cs))
	for i, c := range cs {
		names[i], images[i] = c.Name, c.Image
	}
	return strings.Join(names, ","), strings.Join(images, ",")
}
