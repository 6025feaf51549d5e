// Package allocator hands out unique values from a numbered range (cluster
// IPs of the service CIDR, node ports) and persists each allocation as one
// storage key, so that two API servers never give the same value twice and
// a restart forgets nothing.
//
// A reservation is created before the object that uses it and removed after
// that object is deleted; Repair gives back reservations whose owner never
// got written (a crash between the two writes).
package allocator

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"strings"

	"github.com/skiff/skiff/internal/storage"
)

// ErrFull: every value of the range is taken.
var ErrFull = errors.New("range is full")

// ErrAllocated: the value asked for is taken.
var ErrAllocated = errors.New("provided value is already allocated")

// ErrOutOfRange: the value asked for is not in the range.
var ErrOutOfRange = errors.New("provided value is not in the valid range")

// Range maps the offsets 0..Size-1 of a range to the values it hands out.
type Range interface {
	Size() int
	// Value renders offset i ("10.43.0.7", "30080").
	Value(i int) string
	// Offset parses a value; false when it is not in the range.
	Offset(v string) (int, bool)
}

// Allocator allocates values of one range under one key prefix.
type Allocator struct {
	backend storage.Backend
	prefix  string
	r       Range
}

// New returns an allocator keeping its reservations under prefix.
func New(b storage.Backend, prefix string, r Range) *Allocator {
	return &Allocator{backend: b, prefix: strings.TrimSuffix(prefix, "/") + "/", r: r}
}

// Allocate reserves any free value for owner (e.g. "default/web").
func (a *Allocator) Allocate(ctx context.Context, owner string) (string, error) {
	n := a.r.Size()
	if n == 0 {
		return "", ErrFull
	}
	start := rand.IntN(n)
	for i := 0; i < n; i++ {
		v := a.r.Value((start + i) % n)
		_, err := a.backend.Create(ctx, a.prefix+v, []byte(owner))
		if errors.Is(err, storage.ErrExists) {
			continue
		}
		if err != nil {
			return "", fmt.Errorf("allocate from %s: %w", a.prefix, err)
		}
		return v, nil
	}
	return "", ErrFull
}

// Reserve reserves a given value for owner. Reserving a value the same
// owner already holds succeeds.
func (a *Allocator) Reserve(ctx context.Context, v, owner string) error {
	if _, ok := a.r.Offset(v); !ok {
		return ErrOutOfRange
	}
	_, err := a.backend.Create(ctx, a.prefix+v, []byte(owner))
	if errors.Is(err, storage.ErrExists) {
		kv, gerr := a.backend.Get(ctx, a.prefix+v)
		if gerr == nil && string(kv.Value) == owner {
			return nil
		}
		return ErrAllocated
	}
	if err != nil {
		return fmt.Errorf("reserve %s: %w", v, err)
	}
	return nil
}

// Release gives a value back. Releasing a free value is not an error.
func (a *Allocator) Release(ctx context.Context, v string) error {
	_, _, err := a.backend.Delete(ctx, a.prefix+v, 0)
	if err != nil && !errors.Is(err, storage.ErrNotFound) {
		return fmt.Errorf("release %s: %w", v, err)
	}
	return nil
}

// Repair releases every reservation whose value is not in inUse, and
// reserves the values in inUse that lack one. It must run before the
// allocator serves requests.
func (a *Allocator) Repair(ctx context.Context, inUse map[string]string) error {
	res, err := a.backend.List(ctx, a.prefix, "", 0, 0)
	if err != nil {
		return fmt.Errorf("repair %s: %w", a.prefix, err)
	}
	held := map[string]bool{}
	for _, kv := range res.KVs {
		v := strings.TrimPrefix(kv.Key, a.prefix)
		if _, ok := inUse[v]; ok {
			held[v] = true
			continue
		}
		if err := a.Release(ctx, v); err != nil {
			return err
		}
	}
	for v, owner := range inUse {
		if held[v] {
			continue
		}
		if err := a.Reserve(ctx, v, owner); err != nil && !errors.Is(err, ErrOutOfRange) {
			return fmt.Errorf("repair %s: %w", v, err)
		}
	}
	return nil
}
