package scheduler

import (
	"context"
	"testing"
	"time"

	v1 "k8s.io/api/core/v1"
	clocktesting "k8s.io/utils/clock/testing"
)

func popName(t *testing.T, q *Queue) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	if a, _, _ := q.Len(); a == 0 {
		t.Fatal("pop from an empty active queue would block")
	}
	qp, err := q.Pop(ctx)
	if err != nil {
		t.Fatal(err)
	}
	return qp.pod.Name
}

func TestQueueOrder(t *testing.T) {
	clk := clocktesting.NewFakeClock(time.Unix(1000, 0))
	q := NewQueue(clk)
	for _, p := range []*v1.Pod{pod("old-low", priority(1)), pod("old-high", priority(10)), pod("new-high", priority(10)), pod("mid", priority(5))} {
		q.Add(p)
		clk.Step(time.Millisecond)
	}
	var got []string
	for range 4 {
		got = append(got, popName(t, q))
	}
	want := []string{"old-high", "new-high", "mid", "old-low"}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("order %v, want %v", got, want)
		}
	}
}

func TestQueueBackoff(t *testing.T) {
	clk := clocktesting.NewFakeClock(time.Unix(1000, 0))
	q := NewQueue(clk)
	q.Add(pod("p"))
	// Each failure followed by a cluster event backs off 1s, 2s, 4s, 8s, 10s, 10s.
	for _, wait := range []time.Duration{1, 2, 4, 8, 10, 10} {
		ctx := context.Background()
		qp, err := q.Pop(ctx)
		if err != nil {
			t.Fatal(err)
		}
		q.MoveAll(nil) // the event arrives while the pod is tried
		q.Unschedulable(qp, map[string]bool{"NodeResourcesFit": true})
		clk.Step(wait*time.Second - time.Millisecond)
		q.Flush()
		if a, b, _ := q.Len(); a != 0 || b != 1 {
			t.Fatalf("after %v-1ms: active=%d backoff=%d, want 0 and 1", wait*time.Second, a, b)
		}
		clk.Step(time.Millisecond)
		q.Flush()
		if a, _, _ := q.Len(); a != 1 {
			t.Fatalf("after %v: not active again", wait*time.Second)
		}
	}
}

func TestQueueRequeueOnEvents(t *testing.T) {
	clk := clocktesting.NewFakeClock(time.Unix(1000, 0))
	q := NewQueue(clk)
	q.Add(pod("cpu"))
	q.Add(pod("affinity"))
	fail := func(plugin string) {
		qp, err := q.Pop(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		q.Unschedulable(qp, map[string]bool{plugin: true})
	}
	fail("NodeResourcesFit")
	fail("InterPodAffinity")
	if _, _, u := q.Len(); u != 2 {
		t.Fatalf("unschedulable = %d, want 2", u)
	}
	clk.Step(20 * time.Second) // back-off long over
	q.MoveAll(wakeOnPodPlaced)
	if a, _, u := q.Len(); a != 1 || u != 1 {
		t.Fatalf("after a pod was placed: active=%d unschedulable=%d, want 1 and 1", a, u)
	}
	if got := popName(t, q); got != "affinity" {
		t.Fatalf("woke %s, want the affinity pod", got)
	}
	q.MoveAll(wakeOnPodGone)
	if got := popName(t, q); got != "cpu" {
		t.Fatalf("woke %s, want the cpu pod", got)
	}
}

func TestQueueUnschedulableLeftover(t *testing.T) {
	clk := clocktesting.NewFakeClock(time.Unix(1000, 0))
	q := NewQueue(clk)
	q.Add(pod("p"))
	qp, _ := q.Pop(context.Background())
	q.Unschedulable(qp, map[string]bool{"NodeAffinity": true})
	clk.Step(unschedulableMaxWaiting - time.Second)
	q.Flush()
	if a, _, _ := q.Len(); a != 0 {
		t.Fatal("retried too early")
	}
	clk.Step(time.Second)
	q.Flush()
	if a, _, _ := q.Len(); a != 1 {
		t.Fatal("not retried after the maximum wait")
	}
}

func TestQueueUpdateAndDelete(t *testing.T) {
	clk := clocktesting.NewFakeClock(time.Unix(1000, 0))
	q := NewQueue(clk)
	p := pod("p")
	q.Add(p)
	qp, _ := q.Pop(context.Background())
	q.Unschedulable(qp, map[string]bool{"NodeAffinity": true})
	clk.Step(time.Minute)
	// A status-only update (our own condition) does not wake it...
	st := p.DeepCopy()
	st.Status.Conditions = []v1.PodCondition{{Type: v1.PodScheduled, Status: v1.ConditionFalse}}
	q.Update(st)
	if a, _, _ := q.Len(); a != 0 {
		t.Fatal("a status update woke the pod")
	}
	// ...a spec change does.
	changed := st.DeepCopy()
	changed.Generation++
	q.Update(changed)
	if a, _, _ := q.Len(); a != 1 {
		t.Fatal("a spec change did not wake the pod")
	}
	q.Delete(changed)
	if a, b, u := q.Len(); a+b+u != 0 {
		t.Fatal("deleted pod still queued")
	}
}

func TestQueuePopUnblocksOnClose(t *testing.T) {
	q := NewQueue(clocktesting.NewFakeClock(time.Unix(0, 0)))
	done := make(chan error)
	go func() {
		_, err := q.Pop(context.Background())
		done <- err
	}()
	q.Close()
	select {
	case err := <-done:
		if err != errQueueClosed {
			t.Fatalf("err = %v", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("Pop did not return after Close")
	}
}
