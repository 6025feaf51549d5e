package watchcache

import "sort"

// ring holds the latest events in revision order, overwriting the oldest.
type ring struct {
	buf  []*Event
	head int // where the next event goes
	n    int
	// from: every event with a revision above it is in the ring.
	from int64
}

func newRing(size int) ring { return ring{buf: make([]*Event, size)} }

// reset empties the ring; history starts after rev.
func (r *ring) reset(rev int64) {
	clear(r.buf)
	r.head, r.n, r.from = 0, 0, rev
}

func (r *ring) add(ev *Event) {
	if r.n == len(r.buf) {
		// The slot being overwritten holds the oldest event: history now
		// starts after it.
		r.from = r.buf[r.head].Revision
	} else {
		r.n++
	}
	r.buf[r.head] = ev
	r.head = (r.head + 1) % len(r.buf)
}

// at returns the i-th oldest event.
func (r *ring) at(i int) *Event {
	return r.buf[(r.head-r.n+i+len(r.buf))%len(r.buf)]
}

// after returns the events with revision above rev whose keys pass keep.
func (r *ring) after(rev int64, keep func(*Event) bool) []*Event {
	first := sort.Search(r.n, func(i int) bool { return r.at(i).Revision > rev })
	var out []*Event
	for i := first; i < r.n; i++ {
		if ev := r.at(i); keep(ev) {
			out = append(out, ev)
		}
	}
	return out
}
