package bench

import (
	"strings"
	"testing"
	"time"
)

func TestScaleReportMarkdown(t *testing.T) {
	at := [numStages][]time.Duration{secList(0.5, 1, 1.5, 2), secList(1, 2, 3), secList(2.5)}
	rep := ScaleReport{Deployments: 2, Replicas: 2, Pods: 4, Nodes: 3, ReadyNodes: 2,
		Create: newResult("create deployments", msList(5, 7), 0, nil, time.Second)}
	rep.summarise(at, 4*time.Second)
	var b strings.Builder
	if err := rep.WriteMarkdown(&b); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		"2 deployments × 2 replicas = 4 pods on 3 nodes (2 Ready). All pods Running after **-**.",
		"| created | 4 | 0.5s | 1.0s | 2.0s | 2.0s | 2 | 2 |",
		"| scheduled | 3 | 1.0s | 2.0s | - | - | 1 | 1 |",
		"| running | 1 | 2.5s | - | - | - | 0 | 1 |",
		"| 2.0s | 4 | 2 | 0 |",
		"| 4.0s | 4 | 3 | 1 |",
		"| create deployments | 2 | 0 |",
	} {
		if !strings.Contains(b.String(), want) {
			t.Errorf("markdown lacks %q:\n%s", want, b.String())
		}
	}
	if strings.Contains(b.String(), "delete deployments") {
		t.Errorf("markdown shows a clean-up that did not run:\n%s", b.String())
	}
	if rep.Running() != notReached {
		t.Errorf("Running() = %v, want not reached", rep.Running())
	}
}
