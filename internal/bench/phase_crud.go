package bench

import (
	"context"
	"fmt"
	"math/rand/v2"
	"strconv"
)

// create makes every object, remembering each as the server returned it.
func (r *run) create(ctx context.Context) Result {
	return runOps(ctx, "create", r.cfg.Objects, r.cfg.Concurrency, func(ctx context.Context, i int) error {
		o, err := r.objs.create(ctx, r.names[i])
		if err == nil {
			r.latest[i] = o
		}
		return err
	})
}

// get reads every object once in random order, so no server-side locality
// from the create order flatters the figures.
func (r *run) get(ctx context.Context) Result {
	order := rand.Perm(r.cfg.Objects)
	return runOps(ctx, "get", r.cfg.Objects, r.cfg.Concurrency, func(ctx context.Context, i int) error {
		_, err := r.objs.get(ctx, r.names[order[i]])
		return err
	})
}

// update replaces every object with a changed annotation, sending the
// resourceVersion it last saw (optimistic concurrency, as controllers do).
func (r *run) update(ctx context.Context) Result {
	return runOps(ctx, "update", r.cfg.Objects, r.cfg.Concurrency, func(ctx context.Context, i int) error {
		return r.write(ctx, i, "update-"+strconv.Itoa(i))
	})
}

// write sets the annotationSeq of object i to seq and updates it. The
// object must be the newest version; on failure it is read again so the
// next write does not fail on a stale resourceVersion.
func (r *run) write(ctx context.Context, i int, seq string) error {
	o := r.latest[i]
	if o == nil {
		return fmt.Errorf("%s was not created", r.names[i])
	}
	ann := o.GetAnnotations()
	if ann == nil {
		ann = map[string]string{}
	}
	ann[annotationSeq] = seq
	o.SetAnnotations(ann)
	updated, err := r.objs.update(ctx, o)
	if err != nil {
		if fresh, gerr := r.objs.get(ctx, r.names[i]); gerr == nil {
			r.latest[i] = fresh
		}
		return err
	}
	r.latest[i] = updated
	return nil
}

// delete removes every object one by one.
func (r *run) delete(ctx context.Context) Result {
	return runOps(ctx, "delete", r.cfg.Objects, r.cfg.Concurrency, func(ctx context.Context, i int) error {
		return r.objs.delete(ctx, r.names[i])
	})
}
