package bench

import (
	"fmt"
	"io"
	"text/tabwriter"
	"time"
)

// Result is one phase's figures.
type Result struct {
	Phase string `json:"phase"`
	// Ops counts successful operations (for the watch phase: events
	// received by all watchers).
	Ops    int `json:"ops"`
	Errors int `json:"errors"`
	// Seconds is the phase's wall time.
	Seconds   float64 `json:"seconds"`
	OpsPerSec float64 `json:"opsPerSecond"`
	// Latency summarises successful operations (for the watch phase: from
	// a write's acknowledgement to its event's arrival).
	Latency    Summary `json:"latency"`
	Note       string  `json:"note,omitempty"`
	FirstError string  `json:"firstError,omitempty"`
}

func newResult(phase string, samples []time.Duration, errs int, first error, elapsed time.Duration) Result {
	r := Result{
		Phase: phase, Ops: len(samples), Errors: errs,
		Seconds: elapsed.Seconds(), OpsPerSec: rate(len(samples), elapsed),
		Latency: Summarize(samples),
	}
	if first != nil {
		r.FirstError = first.Error()
	}
	return r
}

// Report is a whole run: what was measured against what, and the figures.
type Report struct {
	Server        string    `json:"server"`
	ServerVersion string    `json:"serverVersion"`
	Start         time.Time `json:"start"`
	Kind          string    `json:"kind"`
	Objects       int       `json:"objects"`
	Concurrency   int       `json:"concurrency"`
	Watchers      int       `json:"watchers"`
	Results       []Result  `json:"results"`
}

// WriteTable prints the report for people.
func (r Report) WriteTable(w io.Writer) error {
	fmt.Fprintf(w, "server %s (%s), %s\n%d %ss, concurrency %d, %d watcher(s)\n\n",
		r.Server, r.ServerVersion, r.Start.Format(time.RFC3339), r.Objects, r.Kind, r.Concurrency, r.Watchers)
	return r.writeResults(w)
}

// writeResults prints the results table and each phase's first error.
func (r Report) writeResults(w io.Writer) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "PHASE\tOPS\tERRORS\tSECONDS\tOPS/S\tP50\tP90\tP99\tMAX\t  NOTE")
	for _, x := range r.Results {
		l := x.Latency
		fmt.Fprintf(tw, "%s\t%d\t%d\t%.2f\t%.0f\t%s\t%s\t%s\t%s\t  %s\n", x.Phase, x.Ops, x.Errors, x.Seconds, x.OpsPerSec,
			fmtMs(l.P50), fmtMs(l.P90), fmtMs(l.P99), fmtMs(l.Max), x.Note)
	}
	if err := tw.Flush(); err != nil {
		return fmt.Errorf("write table: %w", err)
	}
	for _, x := range r.Results {
		if x.FirstError != "" {
			fmt.Fprintf(w, "%s: first error: %s\n", x.Phase, x.FirstError)
		}
	}
	return nil
}

// fmtMs prints a latency in milliseconds with enough digits to compare.
func fmtMs(d time.Duration) string {
	v := float64(d) / float64(time.Millisecond)
	switch {
	case v < 10:
		return fmt.Sprintf("%.2fms", v)
	case v < 100:
		return fmt.Sprintf("%.1fms", v)
	}
	return fmt.Sprintf("%.0fms", v)
}

// WriteMarkdown prints the results as a markdown table, for documents.
func (r Report) WriteMarkdown(w io.Writer) error {
	fmt.Fprintln(w, "| phase | ops | errors | ops/s | p50 | p90 | p99 | max | note |")
	fmt.Fprintln(w, "|---|---:|---:|---:|---:|---:|---:|---:|---|")
	for _, x := range r.Results {
		l := x.Latency
		_, err := fmt.Fprintf(w, "| %s | %d | %d | %.0f | %s | %s | %s | %s | %s |\n", x.Phase, x.Ops, x.Errors, x.OpsPerSec,
			fmtMs(l.P50), fmtMs(l.P90), fmtMs(l.P99), fmtMs(l.Max), x.Note)
		if err != nil {
			return fmt.Errorf("write markdown: %w", err)
		}
	}
	return nil
}
