package core

import (
	"strings"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/skiff/skiff/internal/registry/resource"
)

// EventColumns are all of kubectl's event columns, NAME last: the event
// table is the one core table without a leading name column. They are the
// one event printer: events.k8s.io/v1 events print through EventColumns
// and EventCells too, converted to core/v1, as in Kubernetes.
func EventColumns() []metav1.TableColumnDefinition {
	doc := corev1.Event{}.SwaggerDoc()
	name := resource.Column("Name", metav1.ObjectMeta{}.SwaggerDoc()["name"], 1)
	name.Format = "name"
	return []metav1.TableColumnDefinition{
		resource.Column("Last Seen", doc["lastTimestamp"], 0),
		resource.Column("Type", doc["type"], 0),
		resource.Column("Reason", doc["reason"], 0),
		resource.Column("Object", doc["involvedObject"], 0),
		resource.Column("Subobject", corev1.ObjectReference{}.SwaggerDoc()["fieldPath"], 1),
		resource.Column("Source", doc["source"], 1),
		resource.Column("Message", doc["message"], 0),
		resource.Column("First Seen", doc["firstTimestamp"], 1),
		resource.Column("Count", doc["count"], 1),
		name,
	}
}

// EventCells are the cells of e under EventColumns.
func EventCells(e *corev1.Event) []interface{} {
	first := resource.Since(e.FirstTimestamp)
	if e.FirstTimestamp.IsZero() {
		first = sinceMicro(e.EventTime)
	}
	last := resource.Since(e.LastTimestamp)
	if e.LastTimestamp.IsZero() {
		last = first
	}
	count := e.Count
	if e.Series != nil {
		last = sinceMicro(e.Series.LastObservedTime)
		count = e.Series.Count
	} else if count == 0 {
		// New-style singleton events carry no count.
		count = 1
	}
	target := strings.ToLower(e.InvolvedObject.Kind)
	if e.InvolvedObject.Name != "" {
		target += "/" + e.InvolvedObject.Name
	}
	return []interface{}{
		last,
		e.Type,
		e.Reason,
		target,
		e.InvolvedObject.FieldPath,
		eventSource(e),
		strings.TrimSpace(e.Message),
		first,
		int64(count),
		e.Name,
	}
}

// eventColumns and eventCells name the printer for the core strategy.
func eventColumns() []metav1.TableColumnDefinition { return EventColumns() }

func eventCells(e *corev1.Event) []interface{} { return EventCells(e) }

func sinceMicro(t metav1.MicroTime) string {
	return resource.Since(metav1.NewTime(t.Time))
}

// eventSource is "component, host", taken from the old source field or the
// new reporting fields.
func eventSource(e *corev1.Event) string {
	component := firstNonEmpty(e.Source.Component, e.ReportingController)
	host := firstNonEmpty(e.Source.Host, e.ReportingInstance)
	switch {
	case component == "":
		return ""
	case host == "":
		return component
	}
	return component + ", " + host
}

func firstNonEmpty(a, b string) string {
	if a != "" {
		return a
	}
	return b
}
