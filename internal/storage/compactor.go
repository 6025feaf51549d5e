package storage

import (
	"context"
	"errors"
	"log/slog"
	"time"
)

// RunCompactor compacts b every interval to its current revision less keep,
// keeping that many revisions of history for watches that fall behind. It
// returns when ctx ends. Failures are logged (to slog.Default, the signature
// having no logger) and retried at the next tick: a missed compaction only
// costs disk until then.
func RunCompactor(ctx context.Context, b Backend, interval time.Duration, keep int64) {
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			if _, err := compactOnce(ctx, b, keep); err != nil && ctx.Err() == nil {
				slog.Default().WarnContext(ctx, "etcd compaction failed", "err", err)
			}
		}
	}
}

// compactOnce compacts to current-keep when that is positive. It returns
// the revision compacted to (0 if none) and the failure, if any.
func compactOnce(ctx context.Context, b Backend, keep int64) (int64, error) {
	cur, err := b.CurrentRevision(ctx)
	if err != nil {
		return 0, err
	}
	target := cur - keep
	if target <= 0 {
		return 0, nil
	}
	err = b.Compact(ctx, target)
	if errors.Is(err, ErrCompacted) {
		// Someone compacted there or further already: nothing to do.
		return 0, nil
	}
	if err != nil {
		return 0, err
	}
	return target, nil
}
