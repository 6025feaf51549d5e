// Package bench is a load generator for any Kubernetes API server. It
// drives the server only through client-go, as any client would, so the
// same run can be pointed at skiff or at another Kubernetes API server and
// the figures compared. A run creates objects in its own namespace, reads,
// lists, watches, updates and deletes them, and reports each phase's
// throughput and latency percentiles.
package bench

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"time"
)

// run holds one benchmark's state: the objects it created by index.
type run struct {
	cfg   Config
	objs  objects
	runID string
	names []string
	// latest is each object as the server last returned it; a phase's
	// worker owns an index while it works on it, so no lock is needed.
	latest []object
}

// phase is one step of the run.
type phase struct {
	name string
	run  func(ctx context.Context) Result
}

// Run performs the benchmark and returns its report. Unless cfg.Keep is
// set it deletes what it created, also when a phase fails.
func Run(ctx context.Context, cfg Config) (Report, error) {
	cfg, err := cfg.withDefaults()
	if err != nil {
		return Report{}, err
	}
	r := &run{cfg: cfg, runID: newRunID(), names: make([]string, cfg.Objects), latest: make([]object, cfg.Objects)}
	if r.objs, err = newObjects(cfg.Client, cfg.Kind, cfg.Namespace, r.runID); err != nil {
		return Report{}, err
	}
	for i := range r.names {
		r.names[i] = fmt.Sprintf("bench-%s-%05d", r.runID, i)
	}
	rep := Report{Start: time.Now().UTC(), Kind: cfg.Kind, Objects: cfg.Objects, Concurrency: cfg.Concurrency, Watchers: cfg.Watchers}
	if v, err := cfg.Client.Discovery().ServerVersion(); err == nil {
		rep.ServerVersion = v.GitVersion
	}
	if err := ensureNamespace(ctx, cfg.Client, cfg.Namespace); err != nil {
		return rep, err
	}
	if !cfg.Keep {
		defer r.cleanup(ctx)
	}
	for _, p := range r.phases() {
		cfg.Logger.Info("bench phase", "phase", p.name)
		res := p.run(ctx)
		rep.Results = append(rep.Results, res)
		cfg.Logger.Info("bench phase done", "phase", p.name, "ops", res.Ops, "errors", res.Errors, "opsPerSecond", int(res.OpsPerSec))
		if res.Ops == 0 && res.Errors > 0 {
			return rep, fmt.Errorf("phase %s: every operation failed: %s", p.name, res.FirstError)
		}
		if err := ctx.Err(); err != nil {
			return rep, fmt.Errorf("phase %s: %w", p.name, err)
		}
	}
	return rep, nil
}

// phases lists the run's steps in order: the later ones need the objects
// the create phase made.
func (r *run) phases() []phase {
	ps := []phase{
		{"create", r.create},
		{"get", r.get},
		{"list", r.listFull},
		{"list-paged", r.listPaged},
		{"list-rv0", r.listRV0},
		{"watch", r.watch},
		{"update", r.update},
	}
	if !r.cfg.Keep {
		ps = append(ps, phase{"delete", r.delete})
	}
	return ps
}

// newRunID names one run's objects so kept objects of earlier runs in the
// same namespace never collide with this one's.
func newRunID() string {
	b := make([]byte, 3)
	_, _ = rand.Read(b) // crypto/rand.Read never fails (Go 1.24+)
	return hex.EncodeToString(b)
}
