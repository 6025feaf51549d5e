package bench

import (
	"encoding/json"
	"testing"
	"time"
)

func msList(v ...int) []time.Duration {
	out := make([]time.Duration, len(v))
	for i, x := range v {
		out[i] = time.Duration(x) * time.Millisecond
	}
	return out
}

func TestPercentile(t *testing.T) {
	hundred := make([]time.Duration, 100)
	for i := range hundred {
		hundred[i] = time.Duration(i+1) * time.Millisecond
	}
	tests := []struct {
		name   string
		sorted []time.Duration
		p      float64
		want   time.Duration
	}{
		{"empty", nil, 50, 0},
		{"one sample", msList(7), 99, 7 * time.Millisecond},
		{"median of four is the second", msList(1, 2, 3, 4), 50, 2 * time.Millisecond},
		{"p99 of 100 is the 99th", hundred, 99, 99 * time.Millisecond},
		{"p90 of 100 is the 90th", hundred, 90, 90 * time.Millisecond},
		{"p100 is the max", hundred, 100, 100 * time.Millisecond},
		{"tiny p is the min", hundred, 0.001, 1 * time.Millisecond},
		{"p99 of ten is the max", msList(1, 2, 3, 4, 5, 6, 7, 8, 9, 10), 99, 10 * time.Millisecond},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Percentile(tt.sorted, tt.p); got != tt.want {
				t.Errorf("Percentile(p=%v) = %v, want %v", tt.p, got, tt.want)
			}
		})
	}
}

func TestSummarize(t *testing.T) {
	tests := []struct {
		name    string
		samples []time.Duration
		want    Summary
	}{
		{"empty", nil, Summary{}},
		{"unsorted input", msList(5, 1, 3), Summary{Count: 3, Mean: 3 * time.Millisecond,
			P50: 3 * time.Millisecond, P90: 5 * time.Millisecond, P99: 5 * time.Millisecond, Max: 5 * time.Millisecond}},
		{"outlier moves max and p99 only", msList(1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1000),
			Summary{Count: 20, Mean: 50950 * time.Microsecond, P50: time.Millisecond, P90: time.Millisecond,
				P99: 1000 * time.Millisecond, Max: 1000 * time.Millisecond}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Summarize(tt.samples); got != tt.want {
				t.Errorf("Summarize = %+v, want %+v", got, tt.want)
			}
		})
	}
}

func TestSummaryJSONInMilliseconds(t *testing.T) {
	b, err := json.Marshal(Summarize([]time.Duration{1500 * time.Microsecond}))
	if err != nil {
		t.Fatal(err)
	}
	want := `{"count":1,"meanMs":1.5,"p50Ms":1.5,"p90Ms":1.5,"p99Ms":1.5,"maxMs":1.5}`
	if string(b) != want {
		t.Errorf("got %s, want %s", b, want)
	}
}

func TestRate(t *testing.T) {
	tests := []struct {
		n       int
		elapsed time.Duration
		want    float64
	}{
		{100, 2 * time.Second, 50},
		{100, 0, 0},
		{0, time.Second, 0},
	}
	for _, tt := range tests {
		if got := rate(tt.n, tt.elapsed); got != tt.want {
			t.Errorf("rate(%d, %v) = %v, want %v", tt.n, tt.elapsed, got, tt.want)
		}
	}
}
