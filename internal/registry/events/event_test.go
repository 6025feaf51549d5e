package events

import (
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	eventsv1 "k8s.io/api/events/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

func validEvent() *eventsv1.Event {
	return &eventsv1.Event{
		ObjectMeta:          metav1.ObjectMeta{Name: "e", Namespace: "ns"},
		EventTime:           metav1.NewMicroTime(time.Now().Add(-2 * time.Minute)),
		ReportingController: "skiff.io/scheduler", ReportingInstance: "node-1",
		Action: "Binding", Reason: "Scheduled", Type: "Normal", Note: " assigned ",
		Regarding: corev1.ObjectReference{Kind: "Pod", Namespace: "ns", Name: "web"},
	}
}

func TestEventValidate(t *testing.T) {
	cases := []struct {
		name   string
		mutate func(*eventsv1.Event)
		want   []string
	}{
		{"valid", func(*eventsv1.Event) {}, nil},
		{"no reporting", func(e *eventsv1.Event) { e.ReportingController, e.ReportingInstance = "", "" },
			[]string{"FieldValueRequired reportingController", "FieldValueInvalid reportingController", "FieldValueInvalid reportingController", "FieldValueRequired reportingInstance"}},
		{"no eventTime", func(e *eventsv1.Event) { e.EventTime = metav1.MicroTime{} }, []string{"FieldValueRequired eventTime"}},
		{"bad type", func(e *eventsv1.Event) { e.Type = "Info" }, []string{"FieldValueInvalid type"}},
		{"deprecated count", func(e *eventsv1.Event) { e.DeprecatedCount = 3 }, []string{"FieldValueInvalid deprecatedCount"}},
		{"short series", func(e *eventsv1.Event) { e.Series = &eventsv1.EventSeries{Count: 1, LastObservedTime: e.EventTime} },
			[]string{"FieldValueInvalid series.count"}},
		{"cluster object in other namespace", func(e *eventsv1.Event) { e.Regarding.Namespace = "" },
			[]string{"FieldValueInvalid involvedObject.namespace"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			ev := validEvent()
			c.mutate(ev)
			errs := EventStrategy{}.Validate(ev)
			if len(errs) != len(c.want) {
				t.Fatalf("errors = %v, want %v", errs, c.want)
			}
			for i, e := range errs {
				if got := string(e.Type) + " " + e.Field; got != c.want[i] {
					t.Fatalf("error %d = %s, want %s", i, got, c.want[i])
				}
			}
		})
	}
	old := validEvent()
	neu := old.DeepCopy()
	neu.Note = "other"
	if errs := (EventStrategy{}).ValidateUpdate(neu, old); len(errs) != 1 || errs[0].Field != "message" {
		t.Fatalf("update errors = %v", errs)
	}
}

func TestEventCellsAndFields(t *testing.T) {
	ev := validEvent()
	cells := EventStrategy{}.Cells(ev)
	want := []interface{}{"2m", "Normal", "Scheduled", "pod/web", "", "skiff.io/scheduler, node-1", "assigned", "2m", int64(1), "e"}
	if len(cells) != len(want) || len(cells) != len(EventStrategy{}.Columns()) {
		t.Fatalf("%d cells, %d columns", len(cells), len(EventStrategy{}.Columns()))
	}
	if !(EventStrategy{}).OwnsNameColumn() {
		t.Error("the name is the last event column, not a leading one")
	}
	for i := range want {
		if cells[i] != want[i] {
			t.Fatalf("cells = %#v, want %#v", cells, want)
		}
	}
	ev.Series = &eventsv1.EventSeries{Count: 5, LastObservedTime: metav1.NewMicroTime(time.Now().Add(-time.Minute))}
	if c := (EventStrategy{}).Cells(ev); c[0] != "60s" || c[8] != int64(5) {
		t.Fatalf("series cells = %#v", c)
	}
	f := EventStrategy{}.Fields(&eventsv1.Event{})
	for _, k := range []string{"regarding.name", "regarding.kind", "reason", "type", "reportingController"} {
		if _, ok := f[k]; !ok {
			t.Errorf("missing field %s", k)
		}
	}
	if (EventStrategy{}).Fields(ev)["regarding.name"] != "web" {
		t.Error("regarding.name not set")
	}
}
