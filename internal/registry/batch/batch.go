// Package batch holds the rules of the batch/v1 resources: jobs and
// cronjobs.
package batch

import (
	"fmt"

	"k8s.io/apimachinery/pkg/util/validation/field"

	"github.com/skiff/skiff/internal/registry/apps"
	"github.com/skiff/skiff/internal/registry/resource"
)

// PodTemplateRules are the core group's pod rules, handed in by the code
// that wires the registry together. It is the apps group's type, so one
// value serves both groups.
type PodTemplateRules = apps.PodTemplateRules

// Resources returns the batch/v1 resources.
func Resources(pods PodTemplateRules) []resource.Resource {
	return []resource.Resource{jobResource(pods), cronJobResource(pods)}
}

// typeError is what a strategy returns when handed another resource's
// object: a wiring bug, reported rather than panicking.
func typeError(obj interface{}) field.ErrorList {
	return field.ErrorList{field.InternalError(nil, fmt.Errorf("unexpected object type %T", obj))}
}
