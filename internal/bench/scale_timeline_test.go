package bench

import (
	"reflect"
	"testing"
	"time"
)

func secList(v ...float64) []time.Duration {
	out := make([]time.Duration, len(v))
	for i, x := range v {
		out[i] = time.Duration(x * float64(time.Second))
	}
	return out
}

func TestNewStage(t *testing.T) {
	tests := []struct {
		name   string
		at     []time.Duration
		target int
		want   Stage
	}{
		{"nothing reached", nil, 4, Stage{Name: "s", First: notReached, P50: notReached, P90: notReached, All: notReached}},
		{"all four, unsorted", secList(3, 1, 4, 2), 4, Stage{Name: "s", Count: 4, First: time.Second, P50: 2 * time.Second,
			P90: 4 * time.Second, All: 4 * time.Second, AvgPerSec: 1, PeakPerSec: 1}},
		{"half of ten: 90% and 100% not reached", secList(0, 0.5, 1, 1.5, 2), 10, Stage{Name: "s", Count: 5, First: 0,
			P50: 2 * time.Second, P90: notReached, All: notReached, AvgPerSec: 2, PeakPerSec: 2}},
		{"a burst then a trickle", secList(0, 0.1, 0.2, 0.3, 5, 10), 6, Stage{Name: "s", Count: 6, First: 0,
			P50: 200 * time.Millisecond, P90: 10 * time.Second, All: 10 * time.Second, AvgPerSec: 0.5, PeakPerSec: 4}},
		{"one pod", secList(7), 1, Stage{Name: "s", Count: 1, First: 7 * time.Second, P50: 7 * time.Second,
			P90: 7 * time.Second, All: 7 * time.Second, PeakPerSec: 1}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := newStage("s", tt.at, tt.target); got != tt.want {
				t.Errorf("newStage = %+v\nwant        %+v", got, tt.want)
			}
		})
	}
}

func TestPeakInWindow(t *testing.T) {
	tests := []struct {
		name string
		at   []time.Duration
		want int
	}{
		{"empty", nil, 0},
		{"window is half-open: 1s apart are two windows", secList(0, 1), 1},
		{"just inside one second", secList(0, 0.999), 2},
		{"densest second is in the middle, not on a boundary", secList(0, 1.5, 1.6, 1.7, 2.4, 3), 4},
		{"same moment many times", secList(2, 2, 2), 3},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := peakInWindow(tt.at, time.Second); got != tt.want {
				t.Errorf("peakInWindow = %d, want %d", got, tt.want)
			}
		})
	}
}

func TestNewTimeline(t *testing.T) {
	created := secList(0.1, 0.2, 0.3, 1.1)
	running := secList(1.5, 2.5)
	got := newTimeline([][]time.Duration{created, running}, time.Second, 2500*time.Millisecond)
	want := []TimelineRow{
		{time.Second, []int{3, 0}},
		{2 * time.Second, []int{4, 1}},
		{2500 * time.Millisecond, []int{4, 2}},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("newTimeline = %v, want %v", got, want)
	}
	if got := newTimeline([][]time.Duration{created}, 0, time.Second); got != nil {
		t.Errorf("zero step: %v, want nil", got)
	}
}

func TestTimelineStep(t *testing.T) {
	tests := []struct {
		end  time.Duration
		want time.Duration
	}{
		{10 * time.Second, time.Second},
		{20 * time.Second, time.Second},
		{21 * time.Second, 2 * time.Second},
		{90 * time.Second, 5 * time.Second},
		{10 * time.Minute, 30 * time.Second},
		{10 * time.Hour, 5 * time.Minute},
	}
	for _, tt := range tests {
		if got := timelineStep(tt.end); got != tt.want {
			t.Errorf("timelineStep(%v) = %v, want %v", tt.end, got, tt.want)
		}
	}
}
