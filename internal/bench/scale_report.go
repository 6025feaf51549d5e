package bench

import (
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"time"
)

// ScaleReport is a whole scale run: what was asked of which cluster, how
// the pods progressed, and API latency meanwhile.
type ScaleReport struct {
	Server        string    `json:"server"`
	ServerVersion string    `json:"serverVersion"`
	Start         time.Time `json:"start"`
	Namespace     string    `json:"namespace"`
	Nodes         int       `json:"nodes"`
	ReadyNodes    int       `json:"readyNodes"`
	Deployments   int       `json:"deployments"`
	Replicas      int       `json:"replicas"`
	Pods          int       `json:"pods"`
	// Create is the Deployment creates; their latencies are the API's.
	Create Result `json:"create"`
	// Stages are the pods' created, scheduled and running moments.
	Stages []Stage `json:"stages"`
	// Probes are the GET and LIST latencies under load.
	Probes   []Result      `json:"probes"`
	Timeline []TimelineRow `json:"timeline"`
	// Delete, PodsGone and PodsLeft describe the clean-up when Cleaned.
	Cleaned  bool          `json:"cleaned"`
	Delete   Result        `json:"delete"`
	PodsGone time.Duration `json:"podsGoneNs"`
	PodsLeft int           `json:"podsLeft"`
}

// summarise turns the tracker's moments into stages and a timeline.
func (r *ScaleReport) summarise(at [numStages][]time.Duration, elapsed time.Duration) {
	r.Stages = r.Stages[:0]
	for s, moments := range at {
		r.Stages = append(r.Stages, newStage(stageNames[s], moments, r.Pods))
	}
	r.Timeline = newTimeline(at[:], timelineStep(elapsed), elapsed)
}

// Running is when every pod was Running, or -1.
func (r ScaleReport) Running() time.Duration {
	for _, s := range r.Stages {
		if s.Name == stageNames[stageRunning] {
			return s.All
		}
	}
	return notReached
}

// WriteTable prints the report for people.
func (r ScaleReport) WriteTable(w io.Writer) error {
	fmt.Fprintf(w, "server %s (%s), %s\n%d deployments × %d replicas = %d pods on %d nodes (%d Ready)\n\n",
		r.Server, r.ServerVersion, r.Start.Format(time.RFC3339), r.Deployments, r.Replicas, r.Pods, r.Nodes, r.ReadyNodes)
	fmt.Fprintf(w, "all pods Running: %s after the first create\n\n", fmtSecs(r.Running()))
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "STAGE\tPODS\tFIRST\t50%\t90%\t100%\tAVG/S\tPEAK 1S\t")
	for _, s := range r.Stages {
		fmt.Fprintf(tw, "%s\t%d\t%s\t%s\t%s\t%s\t%.0f\t%.0f\t\n", s.Name, s.Count,
			fmtSecs(s.First), fmtSecs(s.P50), fmtSecs(s.P90), fmtSecs(s.All), s.AvgPerSec, s.PeakPerSec)
	}
	if err := tw.Flush(); err != nil {
		return fmt.Errorf("write table: %w", err)
	}
	if err := r.writeTimeline(w); err != nil {
		return err
	}
	fmt.Fprintln(w)
	return Report{Results: r.requests()}.writeResults(w)
}

// writeTimeline prints how many pods had reached each stage over time.
func (r ScaleReport) writeTimeline(w io.Writer) error {
	fmt.Fprintln(w)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "AT\t"+strings.ToUpper(strings.Join(stageNames[:], "\t"))+"\t")
	for _, row := range r.Timeline {
		fmt.Fprintf(tw, "%s\t%s\t\n", fmtSecs(row.At), joinInts(row.Counts, "\t"))
	}
	if err := tw.Flush(); err != nil {
		return fmt.Errorf("write timeline: %w", err)
	}
	return nil
}

// requests are the run's API calls as result rows.
func (r ScaleReport) requests() []Result {
	rs := append([]Result{r.Create}, r.Probes...)
	if r.Cleaned {
		d := r.Delete
		d.Note = fmt.Sprintf("all pods gone %s after the first delete", fmtSecs(r.PodsGone))
		if r.PodsLeft > 0 {
			d.Note = fmt.Sprintf("%d pods left after %s", r.PodsLeft, fmtSecs(r.PodsGone))
		}
		rs = append(rs, d)
	}
	return rs
}

// WriteMarkdown prints the stages and requests as markdown tables.
func (r ScaleReport) WriteMarkdown(w io.Writer) error {
	fmt.Fprintf(w, "%d deployments × %d replicas = %d pods on %d nodes (%d Ready). All pods Running after **%s**.\n\n",
		r.Deployments, r.Replicas, r.Pods, r.Nodes, r.ReadyNodes, fmtSecs(r.Running()))
	fmt.Fprintln(w, "| stage | pods | first | 50% | 90% | 100% | avg/s | peak 1 s |")
	fmt.Fprintln(w, "|---|---:|---:|---:|---:|---:|---:|---:|")
	for _, s := range r.Stages {
		fmt.Fprintf(w, "| %s | %d | %s | %s | %s | %s | %.0f | %.0f |\n", s.Name, s.Count,
			fmtSecs(s.First), fmtSecs(s.P50), fmtSecs(s.P90), fmtSecs(s.All), s.AvgPerSec, s.PeakPerSec)
	}
	fmt.Fprintln(w, "\n| at | "+strings.Join(stageNames[:], " | ")+" |")
	fmt.Fprintln(w, "|---:"+strings.Repeat("|---:", numStages)+"|")
	for _, row := range r.Timeline {
		fmt.Fprintf(w, "| %s | %s |\n", fmtSecs(row.At), joinInts(row.Counts, " | "))
	}
	fmt.Fprintln(w)
	return Report{Results: r.requests()}.WriteMarkdown(w)
}

// fmtSecs prints a moment of the run in seconds, or "-" if never reached.
func fmtSecs(d time.Duration) string {
	if d < 0 {
		return "-"
	}
	return fmt.Sprintf("%.1fs", d.Seconds())
}

func joinInts(v []int, sep string) string {
	s := make([]string, len(v))
	for i, x := range v {
		s[i] = fmt.Sprint(x)
	}
	return strings.Join(s, sep)
}
