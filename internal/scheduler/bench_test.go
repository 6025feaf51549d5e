package scheduler

import (
	"fmt"
	"testing"

	v1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/types"
)

// BenchmarkSchedule measures the decision loop as the scheduler runs it per
// pod: refresh the snapshot from the cache, schedule, assume. The pod mix
// is what Deployments of a real cluster look like: most pods plain with
// requests, some with a nodeSelector, tolerations, preferred anti-affinity
// or a zone spread. Reported as pods/s.
func BenchmarkSchedule(b *testing.B) {
	for _, nodes := range []int{1000, 5000} {
		b.Run(fmt.Sprintf("nodes=%d", nodes), func(b *testing.B) {
			benchSchedule(b, nodes)
		})
	}
}

func benchNodes(n int) []*v1.Node {
	out := make([]*v1.Node, n)
	for i := range out {
		opts := []nodeOpt{alloc(v1.ResourceCPU, "32"), alloc(v1.ResourceMemory, "256Gi"),
			nodeLabels("topology.kubernetes.io/zone", fmt.Sprintf("zone-%d", i%3))}
		if i%10 == 0 {
			opts = append(opts, nodeLabels("disk", "ssd"))
		}
		if i%50 == 0 {
			opts = append(opts, taint("dedicated", "batch", v1.TaintEffectNoSchedule))
		}
		out[i] = node(fmt.Sprintf("sim-%d", i), opts...)
	}
	return out
}

// benchPod is the i-th pod of the mix; pods of one "deployment" share a
// spec, as ReplicaSet pods do.
func benchPod(i int) *v1.Pod {
	app := fmt.Sprintf("app-%d", i%20)
	opts := []podOpt{req("cpu", "100m", "memory", "128Mi"), podLabels("app", app)}
	switch i % 20 {
	case 0:
		opts = append(opts, nodeSelector("disk", "ssd"))
	case 1:
		opts = append(opts, tolerate("dedicated", v1.TolerationOpEqual, "batch", v1.TaintEffectNoSchedule))
	case 2:
		opts = append(opts, preferredPodAffinity(100, podTerm(v1.LabelHostname, "app", app), true))
	case 3:
		opts = append(opts, spread(1, "topology.kubernetes.io/zone", v1.ScheduleAnyway, "app", app))
	}
	p := pod(fmt.Sprintf("p-%d", i), opts...)
	p.UID = types.UID(fmt.Sprintf("uid-%d", i))
	return p
}

func benchSchedule(b *testing.B, nodes int) {
	ns := benchNodes(nodes)
	// Keep the cluster under about 30 pods per node so that it never fills.
	limit := nodes * 30
	var c *Cache
	var s *Snapshot
	var a *algorithm
	reset := func() {
		c, s, a = NewCache(), &Snapshot{}, newAlgorithm(2, 0, 1)
		for _, n := range ns {
			c.SetNode(n)
		}
		c.UpdateSnapshot(s)
	}
	reset()
	placed := 0
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if placed == limit {
			b.StopTimer()
			reset()
			placed = 0
			b.StartTimer()
		}
		p := benchPod(i)
		c.UpdateSnapshot(s)
		pl, diag := a.schedule(s, p, nil)
		if diag != nil {
			b.Fatalf("pod %d unschedulable: %s", i, diag.Message())
		}
		p.Spec.NodeName = pl.Node
		if err := c.AssumePod(p); err != nil {
			b.Fatal(err)
		}
		placed++
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "pods/s")
}
