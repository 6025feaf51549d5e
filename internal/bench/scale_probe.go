package bench

import (
	"context"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
)

// probe measures what any client sees of the API server while the cluster
// is busy: every interval, a GET of a small object (the run's namespace)
// and a LIST of the run's pods with limit=1, which a server answers from
// storage, not from a cache.
type probe struct {
	client   kubernetes.Interface
	ns       string
	interval time.Duration
}

// probeSamples is one probed request's latencies and errors.
type probeSamples struct {
	lat   []time.Duration
	errs  int
	first error
}

// time runs f and records its latency, or its error unless the probe was
// stopping.
func (s *probeSamples) time(ctx context.Context, f func() error) {
	t := time.Now()
	if err := f(); err != nil {
		if ctx.Err() != nil {
			return
		}
		s.errs++
		s.first = cmpErr(s.first, err)
		return
	}
	s.lat = append(s.lat, time.Since(t))
}

// run probes until ctx ends and returns the GET and LIST results. A tick
// that comes while a probe is still waiting is dropped, so a slow server
// is not sent a backlog.
func (p probe) run(ctx context.Context) (get, list Result) {
	var g, l probeSamples
	start := time.Now()
	tick := time.NewTicker(p.interval)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			elapsed := time.Since(start)
			return newResult("probe get", g.lat, g.errs, g.first, elapsed),
				newResult("probe list limit=1", l.lat, l.errs, l.first, elapsed)
		case <-tick.C:
		}
		g.time(ctx, func() error {
			_, err := p.client.CoreV1().Namespaces().Get(ctx, p.ns, metav1.GetOptions{})
			return err
		})
		l.time(ctx, func() error {
			_, err := p.client.CoreV1().Pods(p.ns).List(ctx, metav1.ListOptions{Limit: 1})
			return err
		})
	}
}
