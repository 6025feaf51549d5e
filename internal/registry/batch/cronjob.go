package batch

import (
	batchv1 "k8s.io/api/batch/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/utils/ptr"

	"github.com/skiff/skiff/internal/registry/apps"
	"github.com/skiff/skiff/internal/registry/resource"
)

func cronJobResource(pods PodTemplateRules) resource.Resource {
	return resource.Resource{
		GVR:        batchv1.SchemeGroupVersion.WithResource("cronjobs"),
		Kind:       "CronJob",
		Singular:   "cronjob",
		Namespaced: true,
		ShortNames: []string{"cj"},
		Categories: []string{"all"},
		New:        func() runtime.Object { return &batchv1.CronJob{} },
		NewList:    func() runtime.Object { return &batchv1.CronJobList{} },
		Strategy:   cronJobStrategy{pods: pods},
		Status:     true,
	}
}

type cronJobStrategy struct {
	resource.Base
	pods PodTemplateRules
}

// Default fills the cron job's own fields and its pod template. The job
// template's job fields stay unset: each Job gets its defaults when the
// controller creates it, so the template shows what the user wrote.
func (s cronJobStrategy) Default(obj runtime.Object) {
	cj, ok := obj.(*batchv1.CronJob)
	if !ok {
		return
	}
	spec := &cj.Spec
	if spec.ConcurrencyPolicy == "" {
		spec.ConcurrencyPolicy = batchv1.AllowConcurrent
	}
	if spec.Suspend == nil {
		spec.Suspend = ptr.To(false)
	}
	if spec.SuccessfulJobsHistoryLimit == nil {
		spec.SuccessfulJobsHistoryLimit = ptr.To[int32](3)
	}
	if spec.FailedJobsHistoryLimit == nil {
		spec.FailedJobsHistoryLimit = ptr.To[int32](1)
	}
	s.pods.DefaultTemplate(&spec.JobTemplate.Spec.Template)
}

// PrepareForCreate drops any client-sent status: the controller owns it.
func (cronJobStrategy) PrepareForCreate(obj runtime.Object) {
	if cj, ok := obj.(*batchv1.CronJob); ok {
		cj.Status = batchv1.CronJobStatus{}
	}
}

func (cronJobStrategy) Columns() []metav1.TableColumnDefinition {
	spec := batchv1.CronJobSpec{}.SwaggerDoc()
	status := batchv1.CronJobStatus{}.SwaggerDoc()
	return append([]metav1.TableColumnDefinition{
		{Name: "Schedule", Type: "string", Description: spec["schedule"]},
		{Name: "Timezone", Type: "string", Description: spec["timeZone"]},
		{Name: "Suspend", Type: "boolean", Description: spec["suspend"]},
		{Name: "Active", Type: "integer", Description: status["active"]},
		{Name: "Last Schedule", Type: "string", Description: status["lastScheduleTime"]},
		resource.AgeColumn,
	}, append(apps.TemplateColumns(),
		metav1.TableColumnDefinition{Name: "Selector", Type: "string", Priority: 1, Description: batchv1.JobSpec{}.SwaggerDoc()["selector"]})...)
}

// Cells follow Kubernetes' printer: SUSPEND is text, "True" or "False"
// (capitalized, unlike a plain boolean cell), or "<unset>".
func (cronJobStrategy) Cells(obj runtime.Object) []interface{} {
	cj, ok := obj.(*batchv1.CronJob)
	if !ok {
		return nil
	}
	suspend := "<unset>"
	if cj.Spec.Suspend != nil {
		suspend = "False"
		if *cj.Spec.Suspend {
			suspend = "True"
		}
	}
	last := "<none>"
	if t := cj.Status.LastScheduleTime; t != nil {
		last = resource.Since(*t)
	}
	job := &cj.Spec.JobTemplate.Spec
	names, images := apps.ContainerCells(&job.Template.Spec)
	return []interface{}{
		cj.Spec.Schedule, ptr.Deref(cj.Spec.TimeZone, "<none>"), suspend, int64(len(cj.Status.Active)), last,
		resource.Age(cj),
		names, images, apps.SelectorCell(job.Selector),
	}
}
