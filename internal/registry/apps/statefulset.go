package apps

import (
	"fmt"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/equality"
	apivalidation "k8s.io/apimachinery/pkg/api/validation"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/validation/field"
	"k8s.io/utils/ptr"

	"github.com/skiff/skiff/internal/registry/resource"
)

func statefulSetResource(pods PodTemplateRules) resource.Resource {
	return resource.Resource{
		GVR:        appsv1.SchemeGroupVersion.WithResource("statefulsets"),
		Kind:       "StatefulSet",
		Singular:   "statefulset",
		Namespaced: true,
		ShortNames: []string{"sts"},
		Categories: []string{"all"},
		New:        func() runtime.Object { return &appsv1.StatefulSet{} },
		NewList:    func() runtime.Object { return &appsv1.StatefulSetList{} },
		Strategy:   statefulSetStrategy{pods: pods},
		Status:     true,
		Scale:      &resource.Scale{SpecReplicas: "spec.replicas", StatusReplicas: "status.replicas", Selector: "spec.selector"},
		// Pod names are "<set>-<ordinal>" and become hostnames, so the
		// set's name must be a DNS label, not a subdomain.
		ValidateName: apivalidation.NameIsDNSLabel,
	}
}

type statefulSetStrategy struct {
	resource.Base
	pods PodTemplateRules
}

func (s statefulSetStrategy) Default(obj runtime.Object) {
	set, ok := obj.(*appsv1.StatefulSet)
	if !ok {
		return
	}
	spec := &set.Spec
	if spec.PodManagementPolicy == "" {
		spec.PodManagementPolicy = appsv1.OrderedReadyPodManagement
	}
	defaultStatefulSetUpdateStrategy(&spec.UpdateStrategy)
	if spec.PersistentVolumeClaimRetentionPolicy == nil {
		spec.PersistentVolumeClaimRetentionPolicy = &appsv1.StatefulSetPersistentVolumeClaimRetentionPolicy{}
	}
	policy := spec.PersistentVolumeClaimRetentionPolicy
	if policy.WhenDeleted == "" {
		policy.WhenDeleted = appsv1.RetainPersistentVolumeClaimRetentionPolicyType
	}
	if policy.WhenScaled == "" {
		policy.WhenScaled = appsv1.RetainPersistentVolumeClaimRetentionPolicyType
	}
	if spec.Replicas == nil {
		spec.Replicas = ptr.To[int32](1)
	}
	if spec.RevisionHistoryLimit == nil {
		spec.RevisionHistoryLimit = ptr.To[int32](10)
	}
	for i := range spec.VolumeClaimTemplates {
		defaultClaimTemplate(&spec.VolumeClaimTemplates[i])
	}
	s.pods.DefaultTemplate(&spec.Template)
}

// defaultStatefulSetUpdateStrategy fills in RollingUpdate with partition 0.
// Like Kubernetes, it creates rollingUpdate only when it also chose the
// type; an explicit RollingUpdate without it stays without it.
func defaultStatefulSetUpdateStrategy(st *appsv1.StatefulSetUpdateStrategy) {
	if st.Type == "" {
		st.Type = appsv1.RollingUpdateStatefulSetStrategyType
		if st.RollingUpdate == nil {
			st.RollingUpdate = &appsv1.RollingUpdateStatefulSetStrategy{}
		}
	}
	if st.Type == appsv1.RollingUpdateStatefulSetStrategyType && st.RollingUpdate != nil && st.RollingUpdate.Partition == nil {
		st.RollingUpdate.Partition = ptr.To[int32](0)
	}
}

// defaultClaimTemplate applies the claim defaults Kubernetes applies to
// every PersistentVolumeClaim, templates included.
func defaultClaimTemplate(pvc *corev1.PersistentVolumeClaim) {
	if pvc.Spec.VolumeMode == nil {
		pvc.Spec.VolumeMode = ptr.To(corev1.PersistentVolumeFilesystem)
	}
	if pvc.Status.Phase == "" {
		pvc.Status.Phase = corev1.ClaimPending
	}
}

// PrepareForCreate drops any client-sent status: the controller owns it.
func (statefulSetStrategy) PrepareForCreate(obj runtime.Object) {
	if set, ok := obj.(*appsv1.StatefulSet); ok {
		set.Status = appsv1.StatefulSetStatus{}
	}
}

func (s statefulSetStrategy) Validate(obj runtime.Object) field.ErrorList {
	set, ok := obj.(*appsv1.StatefulSet)
	if !ok {
		return typeError(obj)
	}
	return s.validateSpec(&set.Spec, field.NewPath("spec"))
}

// immutableSpecMessage is Kubernetes' wording, which users and tools match.
const immutableSpecMessage = "updates to statefulset spec for fields other than 'replicas', 'ordinals', 'template', 'updateStrategy', 'revisionHistoryLimit', 'persistentVolumeClaimRetentionPolicy' and 'minReadySeconds' are forbidden"

// ValidateUpdate allows changes to the listed fields only: the rest (the
// selector, the service, the claim templates) shape pods and volumes that
// already exist.
func (s statefulSetStrategy) ValidateUpdate(obj, old runtime.Object) field.ErrorList {
	set, ok1 := obj.(*appsv1.StatefulSet)
	o, ok2 := old.(*appsv1.StatefulSet)
	if !ok1 || !ok2 {
		return typeError(obj)
	}
	errs := s.validateSpec(&set.Spec, field.NewPath("spec"))
	rest := set.Spec.DeepCopy()
	rest.Replicas = o.Spec.Replicas
	rest.Ordinals = o.Spec.Ordinals
	rest.Template = o.Spec.Template
	rest.UpdateStrategy = o.Spec.UpdateStrategy
	rest.RevisionHistoryLimit = o.Spec.RevisionHistoryLimit
	rest.PersistentVolumeClaimRetentionPolicy = o.Spec.PersistentVolumeClaimRetentionPolicy
	rest.MinReadySeconds = o.Spec.MinReadySeconds
	if !equality.Semantic.DeepEqual(*rest, o.Spec) {
		errs = append(errs, field.Forbidden(field.NewPath("spec"), immutableSpecMessage))
	}
	return errs
}

func (s statefulSetStrategy) validateSpec(spec *appsv1.StatefulSetSpec, path *field.Path) field.ErrorList {
	var errs field.ErrorList
	switch spec.PodManagementPolicy {
	case "":
		errs = append(errs, field.Required(path.Child("podManagementPolicy"), ""))
	case appsv1.OrderedReadyPodManagement, appsv1.ParallelPodManagement:
	default:
		errs = append(errs, field.Invalid(path.Child("podManagementPolicy"), spec.PodManagementPolicy, "must be 'OrderedReady' or 'Parallel'"))
	}
	errs = append(errs, validateStatefulSetUpdateStrategy(&spec.UpdateStrategy, path.Child("updateStrategy"))...)
	errs = append(errs, validateRetentionPolicy(spec.PersistentVolumeClaimRetentionPolicy, path.Child("persistentVolumeClaimRetentionPolicy"))...)
	errs = append(errs, apivalidation.ValidateNonnegativeField(int64(ptr.Deref(spec.Replicas, 0)), path.Child("replicas"))...)
	errs = append(errs, apivalidation.ValidateNonnegativeField(int64(spec.MinReadySeconds), path.Child("minReadySeconds"))...)
	errs = append(errs, validateOptionalNonnegative(spec.RevisionHistoryLimit, path.Child("revisionHistoryLimit"))...)
	if spec.Ordinals != nil {
		errs = append(errs, apivalidation.ValidateNonnegativeField(int64(spec.Ordinals.Start), path.Child("ordinals", "start"))...)
	}
	errs = append(errs, validateSelector(spec.Selector, "statefulset", path.Child("selector"))...)
	template := templateWithClaims(&spec.Template, spec.VolumeClaimTemplates)
	return append(errs, validateAlwaysRestartingTemplate(s.pods, template, spec.Selector, "StatefulSet", path.Child("template"))...)
}

// templateWithClaims returns a copy of the pod template that also lists
// each claim template as a volume, so that containers may mount claims by
// name: the controller adds those volumes to every pod it creates. The
// placeholder source is never stored.
func templateWithClaims(t *corev1.PodTemplateSpec, claims []corev1.PersistentVolumeClaim) *corev1.PodTemplateSpec {
	if len(claims) == 0 {
		return t
	}
	out := t.DeepCopy()
	have := map[string]bool{}
	for _, v := range out.Spec.Volumes {
		have[v.Name] = true
	}
	for _, c := range claims {
		if have[c.Name] {
			continue // the pod's own volume wins, as in the controller
		}
		out.Spec.Volumes = append(out.Spec.Volumes, corev1.Volume{
			Name:         c.Name,
			VolumeSource: corev1.VolumeSource{PersistentVolumeClaim: &corev1.PersistentVolumeClaimVolumeSource{ClaimName: c.Name}},
		})
	}
	return out
}

func validateStatefulSetUpdateStrategy(st *appsv1.StatefulSetUpdateStrategy, path *field.Path) field.ErrorList {
	switch st.Type {
	case "":
		return field.ErrorList{field.Required(path, "")}
	case appsv1.OnDeleteStatefulSetStrategyType:
		if st.RollingUpdate != nil {
			return field.ErrorList{field.Invalid(path.Child("rollingUpdate"), st.RollingUpdate, "only allowed for updateStrategy 'RollingUpdate'")}
		}
		return nil
	case appsv1.RollingUpdateStatefulSetStrategyType:
		if st.RollingUpdate == nil {
			return nil
		}
		return validateStatefulSetRollingUpdate(st.RollingUpdate, path.Child("rollingUpdate"))
	}
	return field.ErrorList{field.Invalid(path, *st, "must be 'RollingUpdate' or 'OnDelete'")}
}

func validateStatefulSetRollingUpdate(ru *appsv1.RollingUpdateStatefulSetStrategy, path *field.Path) field.ErrorList {
	errs := apivalidation.ValidateNonnegativeField(int64(ptr.Deref(ru.Partition, 0)), path.Child("partition"))
	if ru.MaxUnavailable != nil {
		p := path.Child("maxUnavailable")
		errs = append(errs, ValidateIntOrPercent(*ru.MaxUnavailable, p)...)
		if intOrPercentValue(ru.MaxUnavailable) == 0 {
			errs = append(errs, field.Invalid(p, *ru.MaxUnavailable, "cannot be 0"))
		}
		errs = append(errs, ValidateAtMost100Percent(*ru.MaxUnavailable, p)...)
	}
	return errs
}

func validateRetentionPolicy(p *appsv1.StatefulSetPersistentVolumeClaimRetentionPolicy, path *field.Path) field.ErrorList {
	if p == nil {
		return nil
	}
	allowed := []appsv1.PersistentVolumeClaimRetentionPolicyType{
		appsv1.RetainPersistentVolumeClaimRetentionPolicyType,
		appsv1.DeletePersistentVolumeClaimRetentionPolicyType,
	}
	var errs field.ErrorList
	if v := p.WhenDeleted; v != allowed[0] && v != allowed[1] {
		errs = append(errs, field.NotSupported(path.Child("whenDeleted"), v, allowed))
	}
	if v := p.WhenScaled; v != allowed[0] && v != allowed[1] {
		errs = append(errs, field.NotSupported(path.Child("whenScaled"), v, allowed))
	}
	return errs
}

func (statefulSetStrategy) Columns() []metav1.TableColumnDefinition {
	return append([]metav1.TableColumnDefinition{
		{Name: "Ready", Type: "string", Description: "Number of the pod with ready state"},
		resource.AgeColumn,
	}, TemplateColumns()...)
}

func (statefulSetStrategy) Cells(obj runtime.Object) []interface{} {
	set, ok := obj.(*appsv1.StatefulSet)
	if !ok {
		return nil
	}
	names, images := ContainerCells(&set.Spec.Template.Spec)
	return []interface{}{
		fmt.Sprintf("%d/%d", set.Status.ReadyReplicas, ptr.Deref(set.Spec.Replicas, 0)),
		resource.Age(set),
		names, images,
	}
}
