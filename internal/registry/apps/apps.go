// Package apps holds the rules of the apps/v1 resources: deployments,
// replicasets, statefulsets, daemonsets and controllerrevisions. It also
// exports the workload helpers (pod template rules, selector and
// int-or-percent checks, container cells) that the batch and policy groups
// share, as Kubernetes' own validation does.
package apps

import (
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/util/validation/field"

	"github.com/skiff/skiff/internal/registry/resource"
)

// PodTemplateRules are the pod rules a workload applies to its template.
// The core group owns them; they are handed in so that this package does
// not depend on it. A nil func is skipped.
type PodTemplateRules struct {
	// Default sets the pod defaults (restartPolicy Always, dnsPolicy,
	// container pull policies, ...) on a template.
	Default func(*corev1.PodTemplateSpec)
	// Validate checks a template's metadata and pod spec; path is the
	// template's own path ("spec.template").
	Validate func(*corev1.PodTemplateSpec, *field.Path) field.ErrorList
}

// DefaultTemplate applies Default if it is set.
func (r PodTemplateRules) DefaultTemplate(t *corev1.PodTemplateSpec) {
	if r.Default != nil {
		r.Default(t)
	}
}

// ValidateTemplate applies Validate if it is set.
func (r PodTemplateRules) ValidateTemplate(t *corev1.PodTemplateSpec, path *field.Path) field.ErrorList {
	if r.Validate == nil {
		return nil
	}
	return r.Validate(t, path)
}

// Resources returns the apps/v1 resources.
func Resources(pods PodTemplateRules) []resource.Resource {
	return []resource.Resource{
		deploymentResource(pods),
		replicaSetResource(pods),
		statefulSetResource(pods),
		daemonSetResource(pods),
		controllerRevisionResource(),
	}
}
