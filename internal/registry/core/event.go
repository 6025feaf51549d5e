package core

import (
	"fmt"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/fields"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/validation"
	"k8s.io/apimachinery/pkg/util/validation/field"

	"github.com/skiff/skiff/internal/registry/resource"
)

// Length limits of the fields of new-style events (those with eventTime).
const (
	eventReportingInstanceLimit = 128
	eventActionLimit            = 128
	eventReasonLimit            = 128
	eventNoteLimit              = 1024
)

func eventResource() resource.Resource {
	r := newResource("events", "Event", true,
		func() runtime.Object { return &corev1.Event{} },
		func() runtime.Object { return &corev1.EventList{} },
		eventStrategy{})
	r.ShortNames = []string{"ev"}
	return r
}

// eventStrategy holds the rules of core/v1 events.
type eventStrategy struct{ resource.Base }

var (
	_ resource.Strategy      = eventStrategy{}
	_ resource.OwnTableNames = eventStrategy{}
)

func (eventStrategy) Validate(obj runtime.Object) field.ErrorList {
	return validateEvent(obj.(*corev1.Event))
}

func (eventStrategy) ValidateUpdate(obj, _ runtime.Object) field.ErrorList {
	return validateEvent(obj.(*corev1.Event))
}

// OwnsNameColumn tells the table printer that events, alone among core
// resources, have no leading NAME column: kubectl shows LAST SEEN first,
// and the name comes last among the wide columns.
func (eventStrategy) OwnsNameColumn() bool { return true }

// validateEvent applies the v1 rules: old-style events (no eventTime) must
// live in their object's namespace; new-style ones must say who reported
// them and what happened.
func validateEvent(e *corev1.Event) field.ErrorList {
	var errs field.ErrorList
	nsPath := field.NewPath("involvedObject", "namespace")
	mismatch := field.Invalid(nsPath, e.InvolvedObject.Namespace, "does not match event.namespace")
	if e.EventTime.IsZero() {
		if e.InvolvedObject.Namespace == "" {
			if e.Namespace != metav1.NamespaceNone && e.Namespace != metav1.NamespaceDefault {
				errs = append(errs, mismatch)
			}
		} else if e.Namespace != e.InvolvedObject.Namespace {
			errs = append(errs, mismatch)
		}
	} else {
		if e.InvolvedObject.Namespace == "" && e.Namespace != metav1.NamespaceDefault && e.Namespace != metav1.NamespaceSystem {
			errs = append(errs, mismatch)
		}
		errs = append(errs, validateNewEventFields(e)...)
	}
	errs = append(errs, invalidEach(field.NewPath("namespace"), e.Namespace, validation.IsDNS1123Subdomain(e.Namespace))...)
	return errs
}

func validateNewEventFields(e *corev1.Event) field.ErrorList {
	var errs field.ErrorList
	rc := field.NewPath("reportingComponent")
	if e.ReportingController == "" {
		errs = append(errs, field.Required(rc, ""))
	}
	errs = append(errs, validateQualifiedName(e.ReportingController, rc)...)
	errs = append(errs, requiredWithin(e.ReportingInstance, eventReportingInstanceLimit, field.NewPath("reportingInstance"))...)
	errs = append(errs, requiredWithin(e.Action, eventActionLimit, field.NewPath("action"))...)
	errs = append(errs, requiredWithin(e.Reason, eventReasonLimit, field.NewPath("reason"))...)
	if len(e.Message) > eventNoteLimit {
		errs = append(errs, field.Invalid(field.NewPath("message"), "", fmt.Sprintf("can have at most %v characters", eventNoteLimit)))
	}
	return errs
}

func requiredWithin(v string, limit int, p *field.Path) field.ErrorList {
	if v == "" {
		return field.ErrorList{field.Required(p, "")}
	}
	if len(v) > limit {
		return field.ErrorList{field.Invalid(p, "", fmt.Sprintf("can have at most %v characters", limit))}
	}
	return nil
}

func (eventStrategy) Columns() []metav1.TableColumnDefinition { return eventColumns() }

func (eventStrategy) Cells(obj runtime.Object) []interface{} { return eventCells(obj.(*corev1.Event)) }

// Fields are the event field selectors; source falls back to the
// reporting controller for new-style events.
func (eventStrategy) Fields(obj runtime.Object) fields.Set {
	e := obj.(*corev1.Event)
	source := e.Source.Component
	if source == "" {
		source = e.ReportingController
	}
	o := e.InvolvedObject
	return fields.Set{
		"involvedObject.kind":            o.Kind,
		"involvedObject.namespace":       o.Namespace,
		"involvedObject.name":            o.Name,
		"involvedObject.uid":             string(o.UID),
		"involvedObject.apiVersion":      o.APIVersion,
		"involvedObject.resourceVersion": o.ResourceVersion,
		"involvedObject.fieldPath":       o.FieldPath,
		"reason":                         e.Reason,
		"reportingComponent":             e.ReportingController,
		"source":                         source,
		"type":                           e.Type,
	}
}
