package podcontrol

import (
	"context"
	"errors"
	"sync"
	"testing"
)

func TestSlowStart(t *testing.T) {
	tests := []struct {
		name                 string
		count, failAt        int // failAt < 0: never
		succeeded, attempted int
	}{
		{"all succeed", 10, -1, 10, 10},
		{"first call fails: stop after one", 10, 0, 0, 1},
		{"fail in third batch (calls 3..6)", 20, 4, 6, 7},
		{"zero", 0, -1, 0, 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var mu sync.Mutex
			calls := 0
			s, a, err := SlowStart(context.Background(), tc.count, func(_ context.Context, i int) error {
				mu.Lock()
				calls++
				mu.Unlock()
				if i == tc.failAt {
					return errors.New("boom")
				}
				return nil
			})
			if s != tc.succeeded || a != tc.attempted || calls != tc.attempted {
				t.Fatalf("succeeded %d attempted %d calls %d, want %d %d", s, a, calls, tc.succeeded, tc.attempted)
			}
			if (err != nil) != (tc.failAt >= 0) {
				t.Fatalf("err = %v", err)
			}
		})
	}
}
