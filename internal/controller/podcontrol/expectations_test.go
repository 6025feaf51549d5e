package podcontrol

import (
	"testing"
	"time"

	clocktesting "k8s.io/utils/clock/testing"
)

func TestExpectations(t *testing.T) {
	type step struct {
		op   string // create, delete, seeAdd, seeDel, wait
		n    int
		keys []string
		want bool
	}
	tests := []struct {
		name  string
		steps []step
	}{
		{"empty is satisfied", []step{{op: "check", want: true}}},
		{"creations block until all seen", []step{
			{op: "create", n: 2}, {op: "check", want: false},
			{op: "seeAdd"}, {op: "check", want: false},
			{op: "seeAdd"}, {op: "check", want: true},
		}},
		{"deletions count each object once", []step{
			{op: "delete", keys: []string{"ns/a", "ns/b"}}, {op: "check", want: false},
			{op: "seeDel", keys: []string{"ns/a"}}, {op: "seeDel", keys: []string{"ns/a"}},
			{op: "check", want: false},
			{op: "seeDel", keys: []string{"ns/other"}}, {op: "check", want: false},
			{op: "seeDel", keys: []string{"ns/b"}}, {op: "check", want: true},
		}},
		{"expire after ttl", []step{
			{op: "create", n: 1}, {op: "wait"}, {op: "check", want: true},
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			clk := clocktesting.NewFakeClock(time.Unix(1000, 0))
			e := NewExpectations(clk)
			for i, s := range tc.steps {
				switch s.op {
				case "create":
					e.ExpectCreations("k", s.n)
				case "delete":
					e.ExpectDeletions("k", s.keys)
				case "seeAdd":
					e.CreationObserved("k")
				case "seeDel":
					e.DeletionObserved("k", s.keys[0])
				case "wait":
					clk.Step(ExpectationsTTL + time.Second)
				case "check":
					if got := e.Satisfied("k"); got != s.want {
						t.Fatalf("step %d: Satisfied = %v, want %v", i, got, s.want)
					}
				}
			}
		})
	}
}
