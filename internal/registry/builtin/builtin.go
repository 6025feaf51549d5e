// Package builtin lists every built-in resource skiff serves, in discovery
// order, and connects the groups that share rules (workloads default and
// validate their pod templates with the core group's pod rules).
package builtin

import (
	"github.com/skiff/skiff/internal/registry/admissionregistration"
	"github.com/skiff/skiff/internal/registry/apps"
	"github.com/skiff/skiff/internal/registry/autoscaling"
	"github.com/skiff/skiff/internal/registry/batch"
	"github.com/skiff/skiff/internal/registry/certificates"
	"github.com/skiff/skiff/internal/registry/coordination"
	"github.com/skiff/skiff/internal/registry/core"
	"github.com/skiff/skiff/internal/registry/discovery"
	"github.com/skiff/skiff/internal/registry/events"
	"github.com/skiff/skiff/internal/registry/flowcontrol"
	"github.com/skiff/skiff/internal/registry/networking"
	"github.com/skiff/skiff/internal/registry/node"
	"github.com/skiff/skiff/internal/registry/policy"
	"github.com/skiff/skiff/internal/registry/rbac"
	"github.com/skiff/skiff/internal/registry/resource"
	"github.com/skiff/skiff/internal/registry/scheduling"
	"github.com/skiff/skiff/internal/registry/storagev1"
)

// Resources returns every built-in resource, core first.
func Resources() []resource.Resource {
	pods := apps.PodTemplateRules{Default: core.DefaultPodTemplateSpec, Validate: core.ValidatePodTemplateSpec}
	groups := [][]resource.Resource{
		core.Resources(),
		apps.Resources(pods),
		batch.Resources(pods),
		autoscaling.Resources(),
		policy.Resources(),
		networking.Resources(),
		rbac.Resources(),
		storagev1.Resources(),
		certificates.Resources(),
		coordination.Resources(),
		discovery.Resources(),
		scheduling.Resources(),
		node.Resources(),
		events.Resources(),
		admissionregistration.Resources(),
		flowcontrol.Resources(),
	}
	var out []resource.Resource
	for _, g := range groups {
		out = append(out, g...)
	}
	return out
}
