package bench

import (
	"context"
	"fmt"
	"sync/atomic"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// The list phases list the whole namespace ListRepeats times, one list at
// a time: each is a large response, and the figure of interest is how long
// one takes.

// listFull is a consistent list (no resourceVersion): the server must
// return data at least as new as the latest write.
func (r *run) listFull(ctx context.Context) Result {
	return r.listPhase(ctx, "list", metav1.ListOptions{}, "consistent, no limit")
}

// listRV0 is a list at resourceVersion "0", which lets the server answer
// from its cache; informers start this way.
func (r *run) listRV0(ctx context.Context) Result {
	return r.listPhase(ctx, "list-rv0", metav1.ListOptions{ResourceVersion: "0"}, "resourceVersion=0")
}

// listPaged walks the namespace in pages of PageSize with continue
// tokens; one operation is the whole walk.
func (r *run) listPaged(ctx context.Context) Result {
	return r.listPhase(ctx, "list-paged", metav1.ListOptions{Limit: r.cfg.PageSize}, fmt.Sprintf("limit=%d", r.cfg.PageSize))
}

func (r *run) listPhase(ctx context.Context, name string, opts metav1.ListOptions, what string) Result {
	var items, pages atomic.Int64
	res := runOps(ctx, name, r.cfg.ListRepeats, 1, func(ctx context.Context, _ int) error {
		n, p, err := listAll(ctx, r.objs, opts)
		items.Store(int64(n))
		pages.Store(int64(p))
		return err
	})
	res.Note = fmt.Sprintf("%s: %d items in %d page(s)", what, items.Load(), pages.Load())
	return res
}

// listAll follows continue tokens to the end and counts items and pages.
func listAll(ctx context.Context, objs objects, opts metav1.ListOptions) (items, pages int, err error) {
	for {
		p, err := objs.list(ctx, opts)
		if err != nil {
			return items, pages, fmt.Errorf("list page %d: %w", pages+1, err)
		}
		items, pages = items+p.items, pages+1
		if p.continueToken == "" || opts.Limit == 0 {
			return items, pages, nil
		}
		opts.Continue = p.continueToken
	}
}
