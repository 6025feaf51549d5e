package workloop

import (
	"context"
	"errors"
	"testing"
	"time"

	testclock "k8s.io/utils/clock/testing"
)

// TestProcessOneRequeues checks what one sync result does to its key: an
// error comes back after the back-off, a requested delay after that delay,
// and success with no delay not at all.
func TestProcessOneRequeues(t *testing.T) {
	const backoff = 100 * time.Millisecond
	tests := []struct {
		name  string
		after time.Duration
		err   error
		back  time.Duration // when the key is queued again; 0: never
	}{
		{"converged", 0, nil, 0},
		{"failed", time.Hour, errors.New("boom"), backoff},
		{"requeue after", 3 * time.Second, nil, 3 * time.Second},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			clk := testclock.NewFakeClock(time.Unix(1000, 0))
			calls := 0
			l := NewAfter("test", func(context.Context, string) (time.Duration, error) {
				calls++
				return tt.after, tt.err
			}, nil, WithClock(clk), WithBackoff(backoff, time.Second))
			defer l.queue.ShutDown()
			l.Add("ns/a")
			if !l.ProcessOne(context.Background()) || calls != 1 {
				t.Fatalf("processed %d syncs, want 1", calls)
			}
			if l.Len() != 0 {
				t.Fatalf("key queued again at once")
			}
			if tt.back == 0 {
				clk.Step(time.Hour)
				if queuedWithin(l, 50*time.Millisecond) {
					t.Fatal("converged key queued again")
				}
				return
			}
			clk.Step(tt.back - time.Millisecond)
			if queuedWithin(l, 50*time.Millisecond) {
				t.Fatalf("key back before %v", tt.back)
			}
			clk.Step(time.Millisecond)
			if !queuedWithin(l, 5*time.Second) {
				t.Fatalf("key not back after %v", tt.back)
			}
		})
	}
}

// TestNewIgnoresNoDelay checks that a plain SyncFunc never asks for a
// delayed requeue.
func TestNewIgnoresNoDelay(t *testing.T) {
	clk := testclock.NewFakeClock(time.Unix(1000, 0))
	l := New("test", func(context.Context, string) error { return nil }, nil, WithClock(clk))
	defer l.queue.ShutDown()
	l.Add("k")
	l.ProcessOne(context.Background())
	clk.Step(time.Hour)
	if queuedWithin(l, 50*time.Millisecond) {
		t.Fatal("a converged key came back")
	}
}

// queuedWithin polls until a key is queued or d passes; the delaying
// queue moves due keys in from its own goroutine.
func queuedWithin(l *Loop, d time.Duration) bool {
	tick := time.NewTicker(2 * time.Millisecond)
	defer tick.Stop()
	deadline := time.After(d)
	for l.Len() == 0 {
		select {
		case <-deadline:
			return false
		case <-tick.C:
		}
	}
	return true
}

// TestMinIntervalCoalesces checks that with WithMinInterval a key added
// again right after a sync waits out the interval, and that the adds made
// meanwhile become a single sync.
func TestMinIntervalCoalesces(t *testing.T) {
	const interval = 100 * time.Millisecond
	clk := testclock.NewFakeClock(time.Unix(1000, 0))
	calls := 0
	l := New("test", func(context.Context, string) error { calls++; return nil }, nil,
		WithClock(clk), WithMinInterval(interval))
	defer l.queue.ShutDown()
	ctx := context.Background()
	l.Add("ns/a")
	l.ProcessOne(ctx)
	if calls != 1 {
		t.Fatalf("first add: %d syncs, want 1", calls)
	}
	clk.Step(30 * time.Millisecond)
	for range 3 {
		l.Add("ns/a")
		l.ProcessOne(ctx)
	}
	if calls != 1 {
		t.Fatalf("adds within the interval synced at once (%d syncs)", calls)
	}
	clk.Step(interval - 30*time.Millisecond - time.Millisecond)
	if queuedWithin(l, 50*time.Millisecond) {
		t.Fatal("key back before the interval ended")
	}
	clk.Step(time.Millisecond)
	if !queuedWithin(l, 5*time.Second) {
		t.Fatal("key not back when the interval ended")
	}
	l.ProcessOne(ctx)
	if calls != 2 {
		t.Fatalf("after the interval: %d syncs, want 2", calls)
	}
	if l.Len() != 0 {
		t.Fatal("the coalesced adds left a key queued")
	}
	// Another key is not held back by the first one's interval.
	l.Add("ns/b")
	l.ProcessOne(ctx)
	if calls != 3 {
		t.Fatalf("other key: %d syncs, want 3", calls)
	}
}
