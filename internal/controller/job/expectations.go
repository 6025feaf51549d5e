package job

import (
	"sync"
	"time"

	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/util/sets"
)

// expectTimeout bounds how long a job waits for the cache to show pods it
// created; after that the cache is trusted again (a lost event must not
// stall the job forever).
const expectTimeout = 2 * time.Minute

// expectations remember pod creations and deletions the informer has not
// shown yet, so a sync on a stale cache neither creates pods twice nor
// deletes one pod too many.
type expectations struct {
	mu   sync.Mutex
	jobs map[string]*expectation
}

type expectation struct {
	creates  int
	deleting sets.Set[types.UID]
	at       time.Time
}

func newExpectations() *expectations {
	return &expectations{jobs: map[string]*expectation{}}
}

// satisfied reports whether every creation for key has been seen.
func (e *expectations) satisfied(key string, now time.Time) bool {
	e.mu.Lock()
	defer e.mu.Unlock()
	x, ok := e.jobs[key]
	return !ok || x.creates <= 0 || now.Sub(x.at) > expectTimeout
}

func (e *expectations) expectCreates(key string, n int, now time.Time) {
	e.mu.Lock()
	defer e.mu.Unlock()
	x := e.get(key)
	x.creates, x.at = n, now
}

func (e *expectations) created(key string) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if x, ok := e.jobs[key]; ok && x.creates > 0 {
		x.creates--
	}
}

// creationFailed lowers the count for a pod that was never made.
func (e *expectations) creationFailed(key string) { e.created(key) }

func (e *expectations) expectDelete(key string, uid types.UID) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.get(key).deleting.Insert(uid)
}

// deleting returns the UIDs whose deletion the cache has not shown yet,
// dropping those it has (isDeleted reports that).
func (e *expectations) deleting(key string, isDeleted func(types.UID) bool) sets.Set[types.UID] {
	e.mu.Lock()
	defer e.mu.Unlock()
	x, ok := e.jobs[key]
	if !ok {
		return sets.New[types.UID]()
	}
	for uid := range x.deleting {
		if isDeleted(uid) {
			x.deleting.Delete(uid)
		}
	}
	return x.deleting.Clone()
}

func (e *expectations) forget(key string) {
	e.mu.Lock()
	defer e.mu.Unlock()
	delete(e.jobs, key)
}

func (e *expectations) get(key string) *expectation {
	x, ok := e.jobs[key]
	if !ok {
		x = &expectation{deleting: sets.New[types.UID]()}
		e.jobs[key] = x
	}
	return x
}
