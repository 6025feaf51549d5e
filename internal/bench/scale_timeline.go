package bench

import (
	"encoding/json"
	"math"
	"slices"
	"sort"
	"time"
)

// Stage is how the pods of a scale run passed one point of their life
// (created, scheduled, running, ...). Times run from the run's first
// Deployment create; a percentage not reached is -1.
type Stage struct {
	Name  string
	Count int
	// First is when the first pod reached the stage; P50, P90 and All when
	// 50%, 90% and 100% of the pods asked for had.
	First, P50, P90, All time.Duration
	// AvgPerSec is Count over the span from the first pod to the last;
	// PeakPerSec the most pods in any one-second window.
	AvgPerSec, PeakPerSec float64
}

// notReached marks a percentage of pods that never reached a stage.
const notReached = time.Duration(-1)

// newStage summarises the moments at which pods reached a stage, out of
// target pods asked for. It sorts at in place.
func newStage(name string, at []time.Duration, target int) Stage {
	slices.Sort(at)
	s := Stage{Name: name, Count: len(at), First: notReached,
		P50: reachedAt(at, target, 50), P90: reachedAt(at, target, 90), All: reachedAt(at, target, 100)}
	if len(at) == 0 {
		return s
	}
	s.First = at[0]
	if len(at) > 1 {
		s.AvgPerSec = rate(len(at)-1, at[len(at)-1]-at[0])
	}
	s.PeakPerSec = float64(peakInWindow(at, time.Second))
	return s
}

// reachedAt is when pct percent of target pods had reached a stage: the
// moment of the ceil(pct%·target)-th pod, or notReached.
func reachedAt(sorted []time.Duration, target int, pct float64) time.Duration {
	k := max(1, int(math.Ceil(pct/100*float64(target))))
	if target <= 0 || k > len(sorted) {
		return notReached
	}
	return sorted[k-1]
}

// peakInWindow is the most moments of sorted that fall in any half-open
// window [t, t+w).
func peakInWindow(sorted []time.Duration, w time.Duration) int {
	best, lo := 0, 0
	for hi, t := range sorted {
		for t-sorted[lo] >= w {
			lo++
		}
		best = max(best, hi-lo+1)
	}
	return best
}

// TimelineRow is how many pods had reached each stage by At, in the order
// of the run's stages.
type TimelineRow struct {
	At     time.Duration `json:"atNs"`
	Counts []int         `json:"counts"`
}

// newTimeline samples sorted stage moments every step up to end, and once
// more at end, so a reader sees which stage falls behind.
func newTimeline(stages [][]time.Duration, step, end time.Duration) []TimelineRow {
	if step <= 0 || end < 0 {
		return nil
	}
	var rows []TimelineRow
	for t := step; ; t += step {
		t = min(t, end)
		row := TimelineRow{At: t, Counts: make([]int, len(stages))}
		for i, at := range stages {
			row.Counts[i] = sort.Search(len(at), func(j int) bool { return at[j] > t })
		}
		rows = append(rows, row)
		if t == end {
			return rows
		}
	}
}

// timelineStep picks a step of whole seconds that gives at most about
// twenty rows for a run of length end.
func timelineStep(end time.Duration) time.Duration {
	step := time.Second
	for _, s := range []time.Duration{2, 5, 10, 15, 30, 60, 120, 300} {
		if end/step <= 20 {
			break
		}
		step = s * time.Second
	}
	return step
}

// MarshalJSON writes a stage's times as seconds (-1 when not reached).
func (s Stage) MarshalJSON() ([]byte, error) {
	return json.Marshal(struct {
		Name       string  `json:"name"`
		Count      int     `json:"count"`
		First      float64 `json:"firstSeconds"`
		P50        float64 `json:"p50Seconds"`
		P90        float64 `json:"p90Seconds"`
		All        float64 `json:"allSeconds"`
		AvgPerSec  float64 `json:"avgPerSecond"`
		PeakPerSec float64 `json:"peakPerSecond"`
	}{s.Name, s.Count, secs(s.First), secs(s.P50), secs(s.P90), secs(s.All), s.AvgPerSec, s.PeakPerSec})
}

// secs is d in seconds to the millisecond, or -1 for notReached.
func secs(d time.Duration) float64 {
	if d < 0 {
		return -1
	}
	return math.Round(d.Seconds()*1e3) / 1e3
}
