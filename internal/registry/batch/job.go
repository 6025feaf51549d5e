package batch

import (
	"fmt"
	"math"
	"strconv"
	"time"

	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/fields"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/duration"
	"k8s.io/utils/ptr"

	"github.com/skiff/skiff/internal/registry/apps"
	"github.com/skiff/skiff/internal/registry/resource"
)

func jobResource(pods PodTemplateRules) resource.Resource {
	return resource.Resource{
		GVR:        batchv1.SchemeGroupVersion.WithResource("jobs"),
		Kind:       "Job",
		Singular:   "job",
		Namespaced: true,
		Categories: []string{"all"},
		New:        func() runtime.Object { return &batchv1.Job{} },
		NewList:    func() runtime.Object { return &batchv1.JobList{} },
		Strategy:   jobStrategy{pods: pods},
		Status:     true,
	}
}

type jobStrategy struct {
	resource.Base
	pods PodTemplateRules
}

func (s jobStrategy) Default(obj runtime.Object) {
	job, ok := obj.(*batchv1.Job)
	if !ok {
		return
	}
	spec := &job.Spec
	if spec.Completions == nil && spec.Parallelism == nil {
		spec.Completions = ptr.To[int32](1)
	}
	if spec.Parallelism == nil {
		spec.Parallelism = ptr.To[int32](1)
	}
	if spec.BackoffLimit == nil {
		// With a per-index limit the global one must not cut in first.
		limit := int32(6)
		if spec.BackoffLimitPerIndex != nil {
			limit = math.MaxInt32
		}
		spec.BackoffLimit = &limit
	}
	if len(job.Labels) == 0 && len(spec.Template.Labels) > 0 {
		job.Labels = copyLabels(spec.Template.Labels)
	}
	if spec.CompletionMode == nil {
		spec.CompletionMode = ptr.To(batchv1.NonIndexedCompletion)
	}
	if spec.Suspend == nil {
		spec.Suspend = ptr.To(false)
	}
	defaultPodFailurePolicy(spec.PodFailurePolicy)
	if spec.PodReplacementPolicy == nil {
		// A pod failure policy must see pods fully terminated.
		policy := batchv1.TerminatingOrFailed
		if spec.PodFailurePolicy != nil {
			policy = batchv1.Failed
		}
		spec.PodReplacementPolicy = &policy
	}
	if spec.ManualSelector == nil {
		spec.ManualSelector = ptr.To(false)
	}
	s.pods.DefaultTemplate(&spec.Template)
}

// defaultPodFailurePolicy makes condition patterns match True conditions
// unless they say otherwise.
func defaultPodFailurePolicy(p *batchv1.PodFailurePolicy) {
	if p == nil {
		return
	}
	for i := range p.Rules {
		for j := range p.Rules[i].OnPodConditions {
			if p.Rules[i].OnPodConditions[j].Status == "" {
				p.Rules[i].OnPodConditions[j].Status = corev1.ConditionTrue
			}
		}
	}
}

// PrepareForCreate clears the status and, unless the user chose the
// selector, ties the job to its own pods through its UID.
func (jobStrategy) PrepareForCreate(obj runtime.Object) {
	job, ok := obj.(*batchv1.Job)
	if !ok {
		return
	}
	job.Status = batchv1.JobStatus{}
	if !ptr.Deref(job.Spec.ManualSelector, false) {
		generateSelector(job)
	}
}

// Labels Kubernetes puts on a job's pods; the legacy unprefixed ones are
// still written because existing tools select on them.
const (
	controllerUIDLabel       = "batch.kubernetes.io/controller-uid"
	legacyControllerUIDLabel = "controller-uid"
	jobNameLabel             = "batch.kubernetes.io/job-name"
	legacyJobNameLabel       = "job-name"
)

// generateSelector selects the job's pods by its UID, which no other
// job's pods carry, and labels the template to match. Labels the user set
// are kept; validation rejects them if they contradict the UID.
func generateSelector(job *batchv1.Job) {
	tmpl := &job.Spec.Template
	before := copyLabels(tmpl.Labels)
	if tmpl.Labels == nil {
		tmpl.Labels = map[string]string{}
	}
	setIfAbsent(tmpl.Labels, legacyJobNameLabel, job.Name)
	setIfAbsent(tmpl.Labels, jobNameLabel, job.Name)
	setIfAbsent(tmpl.Labels, legacyControllerUIDLabel, string(job.UID))
	setIfAbsent(tmpl.Labels, controllerUIDLabel, string(job.UID))
	if job.Spec.Selector == nil {
		job.Spec.Selector = &metav1.LabelSelector{}
	}
	if job.Spec.Selector.MatchLabels == nil {
		job.Spec.Selector.MatchLabels = map[string]string{}
	}
	setIfAbsent(job.Spec.Selector.MatchLabels, controllerUIDLabel, string(job.UID))
	// A job's own labels default to its template's; keep them in step
	// with the generated ones, as Kubernetes shows them.
	if len(job.Labels) == 0 || equalLabels(job.Labels, before) {
		job.Labels = copyLabels(tmpl.Labels)
	}
}

func setIfAbsent(m map[string]string, key, value string) {
	if _, ok := m[key]; !ok {
		m[key] = value
	}
}

func copyLabels(m map[string]string) map[string]string {
	if m == nil {
		return nil
	}
	out := make(map[string]string, len(m))
	for k, v := range m {
		out[k] = v
	}
	return out
}

func equalLabels(a, b map[string]string) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if bv, ok := b[k]; !ok || bv != v {
			return false
		}
	}
	return true
}

func (jobStrategy) Columns() []metav1.TableColumnDefinition {
	return append([]metav1.TableColumnDefinition{
		{Name: "Status", Type: "string", Description: "Status of the job."},
		{Name: "Completions", Type: "string", Description: batchv1.JobStatus{}.SwaggerDoc()["succeeded"]},
		{Name: "Duration", Type: "string", Description: "Time required to complete the job."},
		resource.AgeColumn,
	}, append(apps.TemplateColumns(),
		metav1.TableColumnDefinition{Name: "Selector", Type: "string", Priority: 1, Description: batchv1.JobSpec{}.SwaggerDoc()["selector"]})...)
}

func (jobStrategy) Cells(obj runtime.Object) []interface{} {
	job, ok := obj.(*batchv1.Job)
	if !ok {
		return nil
	}
	names, images := apps.ContainerCells(&job.Spec.Template.Spec)
	return []interface{}{
		jobStatusCell(job), completionsCell(job), durationCell(job.Status), resource.Age(job),
		names, images, apps.SelectorCell(job.Spec.Selector),
	}
}

// jobStatusCell is the STATUS column: the first of these that holds.
func jobStatusCell(job *batchv1.Job) string {
	conds := job.Status.Conditions
	switch {
	case hasCondition(conds, batchv1.JobComplete):
		return "Complete"
	case hasCondition(conds, batchv1.JobFailed):
		return "Failed"
	case job.DeletionTimestamp != nil:
		return "Terminating"
	case hasCondition(conds, batchv1.JobSuspended):
		return "Suspended"
	case hasCondition(conds, batchv1.JobFailureTarget):
		return "FailureTarget"
	case hasCondition(conds, batchv1.JobSuccessCriteriaMet):
		return "SuccessCriteriaMet"
	}
	return "Running"
}

func hasCondition(conds []batchv1.JobCondition, t batchv1.JobConditionType) bool {
	for _, c := range conds {
		if c.Type == t && c.Status == corev1.ConditionTrue {
			return true
		}
	}
	return false
}

// completionsCell is "succeeded/completions"; a work-queue job (no
// completions) shows "n/1", with its parallelism when above one.
func completionsCell(job *batchv1.Job) string {
	if job.Spec.Completions != nil {
		return fmt.Sprintf("%d/%d", job.Status.Succeeded, *job.Spec.Completions)
	}
	if p := ptr.Deref(job.Spec.Parallelism, 0); p > 1 {
		return fmt.Sprintf("%d/1 of %d", job.Status.Succeeded, p)
	}
	return fmt.Sprintf("%d/1", job.Status.Succeeded)
}

func durationCell(st batchv1.JobStatus) string {
	switch {
	case st.StartTime == nil:
		return ""
	case st.CompletionTime == nil:
		return duration.HumanDuration(time.Since(st.StartTime.Time))
	}
	return duration.HumanDuration(st.CompletionTime.Sub(st.StartTime.Time))
}

// Fields lets clients select jobs by status.successful, as Kubernetes
// allows.
func (jobStrategy) Fields(obj runtime.Object) fields.Set {
	var n int32
	if job, ok := obj.(*batchv1.Job); ok {
		n = job.Status.Succeeded
	}
	return fields.Set{"status.successful": strconv.Itoa(int(n))}
}
