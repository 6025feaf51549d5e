package bench

import (
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"time"
)

// PodStartReport is a whole pod start-up run: what was started where, and
// how long the pods took from create to Running.
type PodStartReport struct {
	Server        string    `json:"server"`
	ServerVersion string    `json:"serverVersion"`
	Start         time.Time `json:"start"`
	Namespace     string    `json:"namespace"`
	Image         string    `json:"image"`
	Command       []string  `json:"command"`
	// Node is the node the pods were pinned to; empty: the scheduler's choice.
	Node   string          `json:"node,omitempty"`
	Phases []PodStartPhase `json:"phases"`
}

// PodStartPhase is one phase of the run: serial or parallel.
type PodStartPhase struct {
	Name string `json:"name"`
	// Pods is how many were asked for, Running how many got there.
	Pods    int `json:"pods"`
	Running int `json:"running"`
	// Latency is from each create request's sending to the watch event
	// that showed the pod Running with all its containers running.
	Latency Summary `json:"latency"`
	// AllRunning is, for the parallel phase, from the first create sent
	// to the last pod Running; -1 if not all got there or for serial.
	AllRunning time.Duration `json:"allRunningNs"`
	// Create and Delete are the API requests.
	Create Result `json:"create"`
	Delete Result `json:"delete"`
	// Gone is from the first delete to every pod gone, or -1.
	Gone  time.Duration `json:"goneNs"`
	Error string        `json:"error,omitempty"`
}

// WriteTable prints the report for people.
func (r PodStartReport) WriteTable(w io.Writer) error {
	fmt.Fprintf(w, "server %s (%s), %s\n%s\n\n", r.Server, r.ServerVersion, r.Start.Format(time.RFC3339), r.setup())
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "PHASE\tPODS\tRUNNING\tP50\tP90\tP99\tMAX\tALL RUNNING\tGONE\t")
	for _, p := range r.Phases {
		l := p.Latency
		fmt.Fprintf(tw, "%s\t%d\t%d\t%s\t%s\t%s\t%s\t%s\t%s\t\n", p.Name, p.Pods, p.Running,
			fmtMs(l.P50), fmtMs(l.P90), fmtMs(l.P99), fmtMs(l.Max), fmtDur(p.AllRunning), fmtDur(p.Gone))
	}
	if err := tw.Flush(); err != nil {
		return fmt.Errorf("write table: %w", err)
	}
	for _, p := range r.Phases {
		if p.Error != "" {
			fmt.Fprintf(w, "%s: %s\n", p.Name, p.Error)
		}
	}
	fmt.Fprintln(w)
	return Report{Results: r.requests()}.writeResults(w)
}

// WriteMarkdown prints the phases and requests as markdown tables.
func (r PodStartReport) WriteMarkdown(w io.Writer) error {
	fmt.Fprintf(w, "%s.\n\n", r.setup())
	fmt.Fprintln(w, "| phase | pods | running | p50 | p90 | p99 | max | all Running | gone |")
	fmt.Fprintln(w, "|---|---:|---:|---:|---:|---:|---:|---:|---:|")
	for _, p := range r.Phases {
		l := p.Latency
		_, err := fmt.Fprintf(w, "| %s | %d | %d | %s | %s | %s | %s | %s | %s |\n", p.Name, p.Pods, p.Running,
			fmtMs(l.P50), fmtMs(l.P90), fmtMs(l.P99), fmtMs(l.Max), fmtDur(p.AllRunning), fmtDur(p.Gone))
		if err != nil {
			return fmt.Errorf("write markdown: %w", err)
		}
	}
	fmt.Fprintln(w)
	return Report{Results: r.requests()}.WriteMarkdown(w)
}

// setup says what the run started where, in one line.
func (r PodStartReport) setup() string {
	node := "nodes chosen by the scheduler"
	if r.Node != "" {
		node = "node " + r.Node
	}
	return fmt.Sprintf("pods of %s running %q in namespace %s on %s; latency from create sent to Running seen",
		r.Image, strings.Join(r.Command, " "), r.Namespace, node)
}

// requests are the run's API calls as result rows.
func (r PodStartReport) requests() []Result {
	var rs []Result
	for _, p := range r.Phases {
		d := p.Delete
		d.Phase = "delete (" + p.Name + ")"
		rs = append(rs, p.Create, d)
	}
	return rs
}

// fmtDur prints a wall time in seconds with milliseconds, or "-" if the
// moment was never reached.
func fmtDur(d time.Duration) string {
	if d < 0 {
		return "-"
	}
	return fmt.Sprintf("%.3fs", d.Seconds())
}
