package events

import (
	"fmt"

	corev1 "k8s.io/api/core/v1"
	eventsv1 "k8s.io/api/events/v1"
	"k8s.io/apimachinery/pkg/runtime"

	"github.com/skiff/skiff/internal/registry/resource"
)

// view stores events.k8s.io/v1 events as core/v1 events, so that both APIs
// show the same objects, as in Kubernetes.
var view = &resource.StorageView{
	Of:         corev1.SchemeGroupVersion.WithResource("events"),
	NewStored:  func() runtime.Object { return &corev1.Event{} },
	ToStored:   toCore,
	FromStored: fromCore,
}

func toCore(obj runtime.Object) (runtime.Object, error) {
	e, ok := obj.(*eventsv1.Event)
	if !ok {
		return nil, fmt.Errorf("events: want *v1.Event of events.k8s.io, got %T", obj)
	}
	c := &corev1.Event{
		ObjectMeta:          *e.ObjectMeta.DeepCopy(),
		InvolvedObject:      e.Regarding,
		Related:             e.Related.DeepCopy(),
		Reason:              e.Reason,
		Message:             e.Note,
		Type:                e.Type,
		Action:              e.Action,
		EventTime:           e.EventTime,
		ReportingController: e.ReportingController,
		ReportingInstance:   e.ReportingInstance,
		Source:              e.DeprecatedSource,
		FirstTimestamp:      e.DeprecatedFirstTimestamp,
		LastTimestamp:       e.DeprecatedLastTimestamp,
		Count:               e.DeprecatedCount,
	}
	if e.Series != nil {
		c.Series = &corev1.EventSeries{Count: e.Series.Count, LastObservedTime: e.Series.LastObservedTime}
	}
	return c, nil
}

func fromCore(obj runtime.Object) (runtime.Object, error) {
	c, ok := obj.(*corev1.Event)
	if !ok {
		return nil, fmt.Errorf("events: want core *v1.Event, got %T", obj)
	}
	e := &eventsv1.Event{
		ObjectMeta:               *c.ObjectMeta.DeepCopy(),
		Regarding:                c.InvolvedObject,
		Related:                  c.Related.DeepCopy(),
		Reason:                   c.Reason,
		Note:                     c.Message,
		Type:                     c.Type,
		Action:                   c.Action,
		EventTime:                c.EventTime,
		ReportingController:      c.ReportingController,
		ReportingInstance:        c.ReportingInstance,
		DeprecatedSource:         c.Source,
		DeprecatedFirstTimestamp: c.FirstTimestamp,
		DeprecatedLastTimestamp:  c.LastTimestamp,
		DeprecatedCount:          c.Count,
	}
	if c.Series != nil {
		e.Series = &eventsv1.EventSeries{Count: c.Series.Count, LastObservedTime: c.Series.LastObservedTime}
	}
	return e, nil
}
