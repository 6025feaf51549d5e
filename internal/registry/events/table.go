package events

import (
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"

	"github.com/skiff/skiff/internal/registry/core"
	"github.com/skiff/skiff/internal/registry/resource"
)

var _ resource.OwnTableNames = EventStrategy{}

// Columns are core/v1 events' columns: Kubernetes prints both event APIs
// with one printer, LAST SEEN first and the name last (wide only).
func (EventStrategy) Columns() []metav1.TableColumnDefinition { return core.EventColumns() }

// Cells are core/v1 events' cells of the event converted to core/v1; an
// object that is not an events.k8s.io event has none.
func (EventStrategy) Cells(obj runtime.Object) []interface{} {
	c, err := toCore(obj)
	if err != nil {
		return nil
	}
	return core.EventCells(c.(*corev1.Event))
}

// OwnsNameColumn: the name is among the core event columns, not first.
func (EventStrategy) OwnsNameColumn() bool { return true }
