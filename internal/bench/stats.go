package bench

import (
	"encoding/json"
	"math"
	"slices"
	"time"
)

// Summary describes a set of latencies. Percentiles use the nearest-rank
// method: P99 of 100 samples is the 99th smallest, so every figure is a
// latency that was actually observed.
type Summary struct {
	Count int
	Mean  time.Duration
	P50   time.Duration
	P90   time.Duration
	P99   time.Duration
	Max   time.Duration
}

// Summarize computes a Summary. It sorts samples in place.
func Summarize(samples []time.Duration) Summary {
	if len(samples) == 0 {
		return Summary{}
	}
	slices.Sort(samples)
	var total time.Duration
	for _, d := range samples {
		total += d
	}
	return Summary{
		Count: len(samples),
		Mean:  total / time.Duration(len(samples)),
		P50:   Percentile(samples, 50),
		P90:   Percentile(samples, 90),
		P99:   Percentile(samples, 99),
		Max:   samples[len(samples)-1],
	}
}

// Percentile returns the nearest-rank p-th percentile (0 < p <= 100) of
// sorted samples, or 0 for no samples.
func Percentile(sorted []time.Duration, p float64) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	rank := int(math.Ceil(p / 100 * float64(len(sorted))))
	rank = max(1, min(rank, len(sorted)))
	return sorted[rank-1]
}

// MarshalJSON writes latencies as milliseconds, the unit people compare.
func (s Summary) MarshalJSON() ([]byte, error) {
	return json.Marshal(struct {
		Count int     `json:"count"`
		Mean  float64 `json:"meanMs"`
		P50   float64 `json:"p50Ms"`
		P90   float64 `json:"p90Ms"`
		P99   float64 `json:"p99Ms"`
		Max   float64 `json:"maxMs"`
	}{s.Count, ms(s.Mean), ms(s.P50), ms(s.P90), ms(s.P99), ms(s.Max)})
}

func ms(d time.Duration) float64 { return math.Round(float64(d)/1e3) / 1e3 }

// rate is n per second over elapsed, 0 when nothing elapsed.
func rate(n int, elapsed time.Duration) float64 {
	if elapsed <= 0 {
		return 0
	}
	return float64(n) / elapsed.Seconds()
}
