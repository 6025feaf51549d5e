package podcontrol

import (
	"sync"
	"time"

	"k8s.io/utils/clock"
)

// ExpectationsTTL is how long unmet expectations block a controller before
// it trusts its cache again: a lost watch event must not stall it forever.
const ExpectationsTTL = 5 * time.Minute

// Expectations remember, per controller key, the creations and deletions a
// controller has asked for and its informer has not yet shown. While any
// are outstanding the controller must not compute a new diff, or it would
// create or delete the same replicas twice. They live only in memory: after
// a restart the informer's full list is the truth, so nothing is lost.
type Expectations struct {
	clock clock.PassiveClock
	mu    sync.Mutex
	items map[string]*expectation
}

type expectation struct {
	adds    int
	deletes map[string]struct{} // keys of objects we asked to delete
	set     time.Time
}

// NewExpectations returns empty expectations timed by clk.
func NewExpectations(clk clock.PassiveClock) *Expectations {
	if clk == nil {
		clk = clock.RealClock{}
	}
	return &Expectations{clock: clk, items: map[string]*expectation{}}
}

// Satisfied reports whether key may act: nothing outstanding, or the
// expectations are older than ExpectationsTTL.
func (e *Expectations) Satisfied(key string) bool {
	e.mu.Lock()
	defer e.mu.Unlock()
	x, ok := e.items[key]
	if !ok {
		return true
	}
	if x.adds <= 0 && len(x.deletes) == 0 {
		return true
	}
	return e.clock.Since(x.set) > ExpectationsTTL
}

// ExpectCreations records that n creations were requested for key,
// replacing anything outstanding (the caller acted because it was satisfied).
func (e *Expectations) ExpectCreations(key string, n int) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.items[key] = &expectation{adds: n, deletes: map[string]struct{}{}, set: e.clock.Now()}
}

// ExpectDeletions records that the objects named by objKeys are being
// deleted for key.
func (e *Expectations) ExpectDeletions(key string, objKeys []string) {
	e.mu.Lock()
	defer e.mu.Unlock()
	x := &expectation{deletes: make(map[string]struct{}, len(objKeys)), set: e.clock.Now()}
	for _, k := range objKeys {
		x.deletes[k] = struct{}{}
	}
	e.items[key] = x
}

// CreationObserved counts one creation seen by the informer (or one that
// failed and will never be seen).
func (e *Expectations) CreationObserved(key string) {
	e.LowerCreations(key, 1)
}

// LowerCreations forgets n expected creations.
func (e *Expectations) LowerCreations(key string, n int) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if x, ok := e.items[key]; ok {
		x.adds -= n
	}
}

// DeletionObserved counts the deletion of objKey, seen or failed. Only
// objects we asked to delete count, and each only once.
func (e *Expectations) DeletionObserved(key, objKey string) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if x, ok := e.items[key]; ok {
		delete(x.deletes, objKey)
	}
}

// Delete forgets key (its owner is gone).
func (e *Expectations) Delete(key string) {
	e.mu.Lock()
	defer e.mu.Unlock()
	delete(e.items, key)
}
