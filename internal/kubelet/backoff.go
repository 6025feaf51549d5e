package kubelet

import (
	"time"
)

// Back-off of container restarts and image pulls, as the kubelet's: 10s
// doubling to 5 minutes, forgotten once nothing went wrong for twice the
// maximum (a container that ran 10 minutes starts over at 10s).
const (
	backoffInitial = 10 * time.Second
	backoffMax     = 5 * time.Minute
)

// backoff holds one delay per key. It is owned by one pod worker and not
// safe for concurrent use.
type backoff struct {
	initial, max time.Duration
	entries      map[string]*backoffEntry
}

type backoffEntry struct {
	delay      time.Duration
	lastUpdate time.Time
}

func newBackoff() *backoff {
	return &backoff{initial: backoffInitial, max: backoffMax, entries: map[string]*backoffEntry{}}
}

// wait says how much longer key must wait, counting from since (when the
// container finished or the pull failed); zero means go ahead. A key never
// seen goes ahead at once, and so does one whose last attempt is long
// before since (the container ran long enough).
func (b *backoff) wait(key string, since, now time.Time) time.Duration {
	e := b.entries[key]
	if e == nil || b.expired(e, since) {
		return 0
	}
	return max(0, since.Add(e.delay).Sub(now))
}

// next records an attempt made at now after a failure at since: the
// following wait doubles, up to the maximum, or starts over when the
// last attempt was long before since.
func (b *backoff) next(key string, since, now time.Time) {
	e := b.entries[key]
	switch {
	case e == nil:
		e = &backoffEntry{delay: b.initial}
		b.entries[key] = e
	case b.expired(e, since):
		e.delay = b.initial
	default:
		e.delay = min(2*e.delay, b.max)
	}
	e.lastUpdate = now
}

// delay is the current delay of key (for messages), or the initial one.
func (b *backoff) delay(key string) time.Duration {
	if e := b.entries[key]; e != nil {
		return e.delay
	}
	return b.initial
}

func (b *backoff) forget(key string) { delete(b.entries, key) }

func (b *backoff) expired(e *backoffEntry, since time.Time) bool {
	return since.Sub(e.lastUpdate) > 2*b.max
}
