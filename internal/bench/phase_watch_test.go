package bench

import "testing"

func TestNextOwnedStaysInTheWritersShare(t *testing.T) {
	tests := []struct{ writers, n int }{{4, 10}, {16, 10000}, {3, 3}, {1, 5}, {7, 20}}
	for _, tt := range tests {
		owner := map[int]int{}
		for w := range tt.writers {
			i := w
			for range 3 * tt.n {
				if o, ok := owner[i]; ok && o != w {
					t.Fatalf("writers=%d n=%d: object %d written by %d and %d", tt.writers, tt.n, i, o, w)
				}
				owner[i] = w
				i = nextOwned(i, w, tt.writers, tt.n)
				if i < 0 || i >= tt.n {
					t.Fatalf("writers=%d n=%d: index %d out of range", tt.writers, tt.n, i)
				}
			}
		}
		if len(owner) != tt.n {
			t.Errorf("writers=%d n=%d: %d objects written, want all", tt.writers, tt.n, len(owner))
		}
	}
}
