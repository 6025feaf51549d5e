package resource

import (
	"time"

	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/duration"
)

// AgeColumn is the AGE column every kubectl user knows.
var AgeColumn = metav1.TableColumnDefinition{
	Name:        "Age",
	Type:        "string",
	Description: "CreationTimestamp is a timestamp representing the server time when this object was created.",
}

// Column is a shorthand for a string column; wide columns pass priority 1.
func Column(name, description string, priority int32) metav1.TableColumnDefinition {
	return metav1.TableColumnDefinition{Name: name, Type: "string", Description: description, Priority: priority}
}

// Age renders an object's age as kubectl shows it ("5m", "3d4h").
func Age(obj runtime.Object) string {
	m, err := meta.Accessor(obj)
	if err != nil {
		return "<unknown>"
	}
	return Since(m.GetCreationTimestamp())
}

// Since renders the time since t in kubectl's short form; "<unknown>" for
// a zero time.
func Since(t metav1.Time) string {
	if t.IsZero() {
		return "<unknown>"
	}
	return duration.HumanDuration(time.Since(t.Time))
}

// NoneIfEmpty returns "<none>" for an empty string, as kubectl prints.
func NoneIfEmpty(s string) string {
	if s == "" {
		return "<none>"
	}
	return s
}
