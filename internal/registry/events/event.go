// Package events holds the rules of events.k8s.io/v1 events. Kubernetes
// serves them from the same storage as core/v1 events; how skiff shares
// that storage is the apiserver's choice, this package only states the
// rules seen through events.k8s.io.
package events

import (
	"fmt"

	eventsv1 "k8s.io/api/events/v1"
	"k8s.io/apimachinery/pkg/fields"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/validation"
	"k8s.io/apimachinery/pkg/util/validation/field"

	"github.com/skiff/skiff/internal/registry/resource"
)

// Length limits Kubernetes puts on event fields.
const (
	maxReportingInstance = 128
	maxAction            = 128
	maxReason            = 128
	maxNote              = 1024
)

// Resources returns events.k8s.io/v1 events as Kubernetes 1.32 serves them.
func Resources() []resource.Resource {
	return []resource.Resource{{
		GVR:        eventsv1.SchemeGroupVersion.WithResource("events"),
		Kind:       "Event",
		Singular:   "event",
		Namespaced: true,
		ShortNames: []string{"ev"},
		New:        func() runtime.Object { return &eventsv1.Event{} },
		NewList:    func() runtime.Object { return &eventsv1.EventList{} },
		Strategy:   EventStrategy{},
		View:       view,
	}}
}

// EventStrategy holds the rules of events.k8s.io/v1 events. Error paths
// use the core/v1 field names, as Kubernetes reports them.
type EventStrategy struct{ resource.Base }

// Validate applies the strict rules of events created through
// events.k8s.io/v1: eventTime, reportingController, reportingInstance,
// action and reason are required, the deprecated fields must be unset.
func (EventStrategy) Validate(obj runtime.Object) field.ErrorList {
	ev := obj.(*eventsv1.Event)
	errs := validateReporting(ev)
	if ev.Regarding.Namespace == "" && ev.Namespace != "default" && ev.Namespace != "kube-system" {
		errs = append(errs, field.Invalid(field.NewPath("involvedObject", "namespace"), ev.Regarding.Namespace, "does not match event.namespace"))
	}
	errs = append(errs, validateSeries(ev)...)
	if ev.EventTime.IsZero() {
		errs = append(errs, field.Required(field.NewPath("eventTime"), ""))
	}
	if ev.Type != "Normal" && ev.Type != "Warning" {
		errs = append(errs, field.Invalid(field.NewPath("type"), "", fmt.Sprintf("has invalid value: %v", ev.Type)))
	}
	return append(errs, validateDeprecatedUnset(ev)...)
}

func validateReporting(ev *eventsv1.Event) field.ErrorList {
	var errs field.ErrorList
	rc := field.NewPath("reportingController")
	if ev.ReportingController == "" {
		errs = append(errs, field.Required(rc, ""))
	}
	for _, msg := range validation.IsQualifiedName(ev.ReportingController) {
		errs = append(errs, field.Invalid(rc, ev.ReportingController, msg))
	}
	errs = append(errs, requiredUpTo(ev.ReportingInstance, maxReportingInstance, field.NewPath("reportingInstance"))...)
	errs = append(errs, requiredUpTo(ev.Action, maxAction, field.NewPath("action"))...)
	errs = append(errs, requiredUpTo(ev.Reason, maxReason, field.NewPath("reason"))...)
	if len(ev.Note) > maxNote {
		errs = append(errs, field.Invalid(field.NewPath("message"), "", fmt.Sprintf("can have at most %v characters", maxNote)))
	}
	return errs
}

func requiredUpTo(v string, max int, fld *field.Path) field.ErrorList {
	if v == "" {
		return field.ErrorList{field.Required(fld, "")}
	}
	if len(v) > max {
		return field.ErrorList{field.Invalid(fld, "", fmt.Sprintf("can have at most %v characters", max))}
	}
	return nil
}

func validateSeries(ev *eventsv1.Event) field.ErrorList {
	if ev.Series == nil {
		return nil
	}
	var errs field.ErrorList
	if ev.Series.Count < 2 {
		errs = append(errs, field.Invalid(field.NewPath("series.count"), "", "should be at least 2"))
	}
	if ev.Series.LastObservedTime.IsZero() {
		errs = append(errs, field.Required(field.NewPath("series.lastObservedTime"), ""))
	}
	return errs
}

func validateDeprecatedUnset(ev *eventsv1.Event) field.ErrorList {
	var errs field.ErrorList
	unset := func(set bool, name string) {
		if set {
			errs = append(errs, field.Invalid(field.NewPath(name), "", "needs to be unset"))
		}
	}
	unset(!ev.DeprecatedFirstTimestamp.IsZero(), "deprecatedFirstTimestamp")
	unset(!ev.DeprecatedLastTimestamp.IsZero(), "deprecatedLastTimestamp")
	unset(ev.DeprecatedCount != 0, "deprecatedCount")
	unset(ev.DeprecatedSource.Component != "" || ev.DeprecatedSource.Host != "", "deprecatedSource")
	return errs
}

// ValidateUpdate: an event may only gain a series (repeats); what it
// reports stays.
func (EventStrategy) ValidateUpdate(obj, old runtime.Object) field.ErrorList {
	ev, prev := obj.(*eventsv1.Event), old.(*eventsv1.Event)
	errs := validateSeries(ev)
	immutable := []struct {
		name    string
		changed bool
	}{
		{"involvedObject", ev.Regarding != prev.Regarding},
		{"reason", ev.Reason != prev.Reason},
		{"message", ev.Note != prev.Note},
		{"type", ev.Type != prev.Type},
		{"action", ev.Action != prev.Action},
		{"reportingController", ev.ReportingController != prev.ReportingController},
		{"reportingInstance", ev.ReportingInstance != prev.ReportingInstance},
	}
	for _, f := range immutable {
		if f.changed {
			errs = append(errs, field.Invalid(field.NewPath(f.name), "", "field is immutable"))
		}
	}
	return errs
}

// Fields are the selectable fields of events.k8s.io/v1 events: the
// regarding object, reason, reportingController and type.
func (EventStrategy) Fields(obj runtime.Object) fields.Set {
	ev := obj.(*eventsv1.Event)
	r := ev.Regarding
	return fields.Set{
		"regarding.kind":            r.Kind,
		"regarding.namespace":       r.Namespace,
		"regarding.name":            r.Name,
		"regarding.uid":             string(r.UID),
		"regarding.apiVersion":      r.APIVersion,
		"regarding.resourceVersion": r.ResourceVersion,
		"regarding.fieldPath":       r.FieldPath,
		"reason":                    ev.Reason,
		"reportingController":       ev.ReportingController,
		"type":                      ev.Type,
	}
}
