package core

import (
	"strconv"
	"strings"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/fields"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/validation/field"

	"github.com/skiff/skiff/internal/registry/resource"
)

func podResource() resource.Resource {
	r := newResource("pods", "Pod", true,
		func() runtime.Object { return &corev1.Pod{} },
		func() runtime.Object { return &corev1.PodList{} },
		podStrategy{})
	r.ShortNames = []string{"po"}
	r.Categories = []string{"all"}
	r.Status = true
	return r
}

// podStrategy holds the rules of pods.
type podStrategy struct{}

var (
	_ resource.Strategy        = podStrategy{}
	_ resource.StatusValidator = podStrategy{}
)

// Default applies the pod defaults and what a cluster's default admission
// plugins add on create.
func (podStrategy) Default(obj runtime.Object) {
	pod := obj.(*corev1.Pod)
	defaultPod(pod)
	admitPod(pod)
}

// PrepareForCreate resets the status to what a new pod has: Pending, its
// QoS class, and the SchedulingGated condition when gates are present.
func (podStrategy) PrepareForCreate(obj runtime.Object) {
	pod := obj.(*corev1.Pod)
	// QoS needs requests defaulted from limits, whichever runs first.
	defaultRequestsFromLimits(&pod.Spec)
	pod.Status = corev1.PodStatus{Phase: corev1.PodPending, QOSClass: PodQOSClass(pod)}
	if len(pod.Spec.SchedulingGates) > 0 {
		pod.Status.Conditions = []corev1.PodCondition{{
			Type:    corev1.PodScheduled,
			Status:  corev1.ConditionFalse,
			Reason:  corev1.PodReasonSchedulingGated,
			Message: "Scheduling is blocked due to non-empty scheduling gates",
		}}
	}
}

// PrepareForUpdate keeps ephemeral containers, which only their own
// subresource may change.
func (podStrategy) PrepareForUpdate(obj, old runtime.Object) {
	obj.(*corev1.Pod).Spec.EphemeralContainers = old.(*corev1.Pod).Spec.EphemeralContainers
}

func (podStrategy) Validate(obj runtime.Object) field.ErrorList {
	pod := obj.(*corev1.Pod)
	errs := ValidatePodSpec(&pod.Spec, field.NewPath("spec"))
	errs = append(errs, validateContainerImagesWhitespace(&pod.Spec, field.NewPath("spec"))...)
	if len(pod.Spec.EphemeralContainers) > 0 {
		errs = append(errs, field.Forbidden(field.NewPath("spec", "ephemeralContainers"), "cannot be set on create"))
	}
	return errs
}

func (podStrategy) ValidateUpdate(obj, old runtime.Object) field.ErrorList {
	return validatePodUpdate(obj.(*corev1.Pod), old.(*corev1.Pod))
}

func (podStrategy) ValidateStatusUpdate(obj, old runtime.Object) field.ErrorList {
	return validatePodStatusUpdate(obj.(*corev1.Pod), old.(*corev1.Pod))
}

func (podStrategy) Columns() []metav1.TableColumnDefinition { return podColumns() }

func (podStrategy) Cells(obj runtime.Object) []interface{} { return podCells(obj.(*corev1.Pod)) }

// Fields are the pod field selectors Kubernetes supports.
func (podStrategy) Fields(obj runtime.Object) fields.Set {
	pod := obj.(*corev1.Pod)
	podIP := ""
	if len(pod.Status.PodIPs) > 0 {
		podIP = pod.Status.PodIPs[0].IP
	}
	return fields.Set{
		"spec.nodeName":            pod.Spec.NodeName,
		"spec.restartPolicy":       string(pod.Spec.RestartPolicy),
		"spec.schedulerName":       pod.Spec.SchedulerName,
		"spec.serviceAccountName":  pod.Spec.ServiceAccountName,
		"spec.hostNetwork":         strconv.FormatBool(pod.Spec.HostNetwork),
		"status.phase":             string(pod.Status.Phase),
		"status.podIP":             podIP,
		"status.nominatedNodeName": pod.Status.NominatedNodeName,
	}
}

// validateContainerImagesWhitespace: pods, unlike templates, may not have
// images with surrounding blanks.
func validateContainerImagesWhitespace(spec *corev1.PodSpec, fldPath *field.Path) field.ErrorList {
	var errs field.ErrorList
	check := func(cs []corev1.Container, p *field.Path) {
		for i, c := range cs {
			if c.Image != "" && strings.TrimSpace(c.Image) != c.Image {
				errs = append(errs, field.Invalid(p.Index(i).Child("image"), c.Image, "must not have leading or trailing whitespace"))
			}
		}
	}
	check(spec.InitContainers, fldPath.Child("initContainers"))
	check(spec.Containers, fldPath.Child("containers"))
	return errs
}
