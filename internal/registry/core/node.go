package core

import (
	"net"
	"strconv"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	metav1validation "k8s.io/apimachinery/pkg/apis/meta/v1/validation"
	"k8s.io/apimachinery/pkg/fields"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/validation"
	"k8s.io/apimachinery/pkg/util/validation/field"

	"github.com/skiff/skiff/internal/registry/resource"
)

func nodeResource() resource.Resource {
	r := newResource("nodes", "Node", false,
		func() runtime.Object { return &corev1.Node{} },
		func() runtime.Object { return &corev1.NodeList{} },
		nodeStrategy{})
	r.ShortNames = []string{"no"}
	r.Status = true
	return r
}

// nodeStrategy holds the rules of nodes. Kubelets create their node with
// its status, so create keeps the status.
type nodeStrategy struct{}

var (
	_ resource.Strategy        = nodeStrategy{}
	_ resource.StatusValidator = nodeStrategy{}
)

// Default fills allocatable from capacity and keeps podCIDR and podCIDRs
// in step, the first of the list winning.
func (nodeStrategy) Default(obj runtime.Object) {
	n := obj.(*corev1.Node)
	if n.Status.Allocatable == nil && n.Status.Capacity != nil {
		n.Status.Allocatable = n.Status.Capacity.DeepCopy()
	}
	if len(n.Spec.PodCIDRs) == 0 && n.Spec.PodCIDR != "" {
		n.Spec.PodCIDRs = []string{n.Spec.PodCIDR}
	}
	if len(n.Spec.PodCIDRs) > 0 {
		n.Spec.PodCIDR = n.Spec.PodCIDRs[0]
	}
}

// PrepareForCreate drops the dynamic kubelet config, which 1.32 no longer
// supports.
func (nodeStrategy) PrepareForCreate(obj runtime.Object) {
	n := obj.(*corev1.Node)
	n.Spec.ConfigSource = nil
	n.Status.Config = nil
}

func (nodeStrategy) PrepareForUpdate(obj, _ runtime.Object) {
	obj.(*corev1.Node).Spec.ConfigSource = nil
}

func (nodeStrategy) Validate(obj runtime.Object) field.ErrorList {
	return validateNode(obj.(*corev1.Node))
}

func (nodeStrategy) ValidateUpdate(obj, old runtime.Object) field.ErrorList {
	n, prev := obj.(*corev1.Node), old.(*corev1.Node)
	errs := validateNode(n)
	return append(errs, validateNodeUpdate(n, prev)...)
}

func (s nodeStrategy) ValidateStatusUpdate(obj, old runtime.Object) field.ErrorList {
	return s.ValidateUpdate(obj, old)
}

func validateNode(n *corev1.Node) field.ErrorList {
	specPath := field.NewPath("spec")
	errs := validateTaints(n.Spec.Taints, specPath.Child("taints"))
	cidrs := specPath.Child("podCIDRs")
	for i, c := range n.Spec.PodCIDRs {
		errs = append(errs, validation.IsValidCIDR(cidrs.Index(i), c)...)
	}
	if len(n.Spec.PodCIDRs) > 1 && (len(n.Spec.PodCIDRs) > 2 || sameFamily(n.Spec.PodCIDRs[0], n.Spec.PodCIDRs[1])) {
		errs = append(errs, field.Invalid(cidrs, n.Spec.PodCIDRs, "may specify no more than one CIDR for each IP family"))
	}
	statusPath := field.NewPath("status")
	errs = append(errs, validateResourceList(n.Status.Capacity, statusPath.Child("capacity"))...)
	errs = append(errs, validateResourceList(n.Status.Allocatable, statusPath.Child("allocatable"))...)
	return errs
}

func sameFamily(a, b string) bool {
	ipa, _, errA := net.ParseCIDR(a)
	ipb, _, errB := net.ParseCIDR(b)
	if errA != nil || errB != nil {
		return false
	}
	return (ipa.To4() == nil) == (ipb.To4() == nil)
}

func validateResourceList(l corev1.ResourceList, fldPath *field.Path) field.ErrorList {
	var errs field.ErrorList
	for name, q := range l {
		p := fldPath.Key(string(name))
		errs = append(errs, validateResourceName(name, p)...)
		errs = append(errs, validateResourceQuantity(name, q, p)...)
	}
	return errs
}

// validateTaints: valid key, value and effect, unique by key and effect.
func validateTaints(taints []corev1.Taint, fldPath *field.Path) field.ErrorList {
	var errs field.ErrorList
	seen := map[string]bool{}
	for i, t := range taints {
		idx := fldPath.Index(i)
		errs = append(errs, metav1validation.ValidateLabelName(t.Key, idx.Child("key"))...)
		errs = append(errs, invalidEach(idx.Child("value"), t.Value, validation.IsValidLabelValue(t.Value))...)
		errs = append(errs, validateTaintEffect(t.Effect, idx.Child("effect"))...)
		key := string(t.Effect) + "/" + t.Key
		if seen[key] {
			dup := field.Duplicate(idx, t)
			dup.Detail = "taints must be unique by key and effect pair"
			errs = append(errs, dup)
		}
		seen[key] = true
	}
	return errs
}

// validateNodeUpdate: podCIDRs and providerID may be set once, never
// changed.
func validateNodeUpdate(n, old *corev1.Node) field.ErrorList {
	var errs field.ErrorList
	if len(old.Spec.PodCIDRs) > 0 && !equalStrings(old.Spec.PodCIDRs, n.Spec.PodCIDRs) {
		errs = append(errs, field.Forbidden(field.NewPath("spec", "podCIDRs"), "node updates may not change podCIDR except from \"\" to valid"))
	}
	if old.Spec.ProviderID != "" && old.Spec.ProviderID != n.Spec.ProviderID {
		errs = append(errs, field.Forbidden(field.NewPath("spec", "providerID"), "node updates may not change providerID except from \"\" to valid"))
	}
	return errs
}

func equalStrings(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func (nodeStrategy) Columns() []metav1.TableColumnDefinition { return nodeColumns() }

func (nodeStrategy) Cells(obj runtime.Object) []interface{} { return nodeCells(obj.(*corev1.Node)) }

func (nodeStrategy) Fields(obj runtime.Object) fields.Set {
	return fields.Set{"spec.unschedulable": strconv.FormatBool(obj.(*corev1.Node).Spec.Unschedulable)}
}
