package sim

import "time"

// Restart back-off as the kubelet applies it: the first restart of a
// crashed container is immediate, then the wait doubles from 10s up to 5m
// (CrashLoopBackOff).
const (
	backoffInitial = 10 * time.Second
	backoffMax     = 5 * time.Minute
)

// restartBackoff is how long a container that has now crashed `restarts`
// times (counting this crash) waits before it starts again.
func restartBackoff(restarts int32) time.Duration {
	if restarts <= 1 {
		return 0
	}
	d := backoffInitial
	for i := int32(2); i < restarts; i++ {
		d *= 2
		if d >= backoffMax {
			return backoffMax
		}
	}
	return d
}
