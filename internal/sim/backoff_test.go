package sim

import (
	"testing"
	"time"
)

func TestRestartBackoff(t *testing.T) {
	for _, tc := range []struct {
		restarts int32
		want     time.Duration
	}{
		{0, 0}, {1, 0}, // the first restart is immediate
		{2, 10 * time.Second}, {3, 20 * time.Second}, {4, 40 * time.Second},
		{6, 160 * time.Second}, {7, 5 * time.Minute}, {8, 5 * time.Minute}, {1000, 5 * time.Minute},
	} {
		if got := restartBackoff(tc.restarts); got != tc.want {
			t.Errorf("restartBackoff(%d) = %s, want %s", tc.restarts, got, tc.want)
		}
	}
}
