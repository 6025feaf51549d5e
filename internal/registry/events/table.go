package events

import (
	"strings"

	eventsv1 "k8s.io/api/events/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"

	"github.com/skiff/skiff/internal/registry/resource"
)

// Columns are core/v1 events' columns. Kubernetes prints the event's name
// last (wide only) rather than first; the store's leading NAME column is
// the one difference.
func (EventStrategy) Columns() []metav1.TableColumnDefinition {
	return []metav1.TableColumnDefinition{
		resource.Column("Last Seen", "The time at which the most recent occurrence of this event was recorded.", 0),
		resource.Column("Type", "Type of this event (Normal, Warning), new types could be added in the future", 0),
		resource.Column("Reason", "This should be a short, machine understandable string that gives the reason for the transition into the object's current status.", 0),
		resource.Column("Object", "The object that this event is about.", 0),
		resource.Column("Subobject", "If referring to a piece of an object instead of an entire object, this string should contain a valid JSON/Go field access statement, such as desiredState.manifest.containers[2]. For example, if the object reference is to a container within a pod, this would take on a value like: \"spec.containers{name}\" (where \"name\" refers to the name of the container that triggered the event) or if no container name is specified \"spec.containers[2]\" (container with index 2 in this pod). This syntax is chosen only to have some well-defined way of referencing a part of an object.", 1),
		resource.Column("Source", "The component reporting this event. Should be a short machine understandable string.", 1),
		resource.Column("Message", "A human-readable description of the status of this operation.", 0),
		resource.Column("First Seen", "The time at which the event was first recorded. (Time of server receipt is in TypeMeta.)", 1),
		resource.Column("Count", "The number of times this event has occurred.", 1),
	}
}

// Cells follow core events: times fall back to eventTime, a series gives
// the last time and count, and a singleton counts as 1.
func (EventStrategy) Cells(obj runtime.Object) []interface{} {
	ev := obj.(*eventsv1.Event)
	first := resource.Since(ev.DeprecatedFirstTimestamp)
	if ev.DeprecatedFirstTimestamp.IsZero() {
		first = microSince(ev.EventTime)
	}
	last := resource.Since(ev.DeprecatedLastTimestamp)
	if ev.DeprecatedLastTimestamp.IsZero() {
		last = first
	}
	count := ev.DeprecatedCount
	if ev.Series != nil {
		last = microSince(ev.Series.LastObservedTime)
		count = ev.Series.Count
	} else if count == 0 {
		count = 1
	}
	target := strings.ToLower(ev.Regarding.Kind)
	if ev.Regarding.Name != "" {
		target += "/" + ev.Regarding.Name
	}
	return []interface{}{last, ev.Type, ev.Reason, target, ev.Regarding.FieldPath,
		eventSource(ev), strings.TrimSpace(ev.Note), first, int64(count)}
}

func microSince(t metav1.MicroTime) string {
	return resource.Since(metav1.Time{Time: t.Time})
}

// eventSource prints "component, host", preferring the deprecated source
// and falling back to the reporting controller and instance.
func eventSource(ev *eventsv1.Event) string {
	component := ev.DeprecatedSource.Component
	if component == "" {
		component = ev.ReportingController
	}
	host := ev.DeprecatedSource.Host
	if host == "" {
		host = ev.ReportingInstance
	}
	if host == "" {
		return component
	}
	return component + ", " + host
}
