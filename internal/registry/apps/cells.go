package apps

import (
	"strings"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// Wide-output columns shared by every workload that holds a pod template.
var (
	containersColumn = metav1.TableColumnDefinition{Name: "Containers", Type: "string", Priority: 1, Description: "Names of each container in the template."}
	imagesColumn     = metav1.TableColumnDefinition{Name: "Images", Type: "string", Priority: 1, Description: "Images referenced by each container in the template."}
)

// TemplateColumns are the wide CONTAINERS and IMAGES columns.
func TemplateColumns() []metav1.TableColumnDefinition {
	return []metav1.TableColumnDefinition{containersColumn, imagesColumn}
}

// ContainerCells are the CONTAINERS and IMAGES cells of a pod spec:
// comma-separated names and images, in container order.
func ContainerCells(spec *corev1.PodSpec) (names, images string) {
	n := make([]string, 0, len(spec.Containers))
	i := make([]string, 0, len(spec.Containers))
	for _, c := range spec.Containers {
		n = append(n, c.Name)
		i = append(i, c.Image)
	}
	return strings.Join(n, ","), strings.Join(i, ",")
}

// SelectorCell renders a label selector as kubectl's SELECTOR column does.
func SelectorCell(sel *metav1.LabelSelector) string {
	s, err := metav1.LabelSelectorAsSelector(sel)
	if err != nil {
		return "<invalid>"
	}
	return s.String()
}
