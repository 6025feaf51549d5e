package storage

import (
	"context"
	"errors"
	"fmt"
	"sync"

	clientv3 "go.etcd.io/etcd/client/v3"
	"google.golang.org/grpc/metadata"
)

// etcdWatch adapts one etcd watch to Watch. Each has its own
// clientv3.Watcher, hence its own gRPC stream, so a progress request reaches
// exactly this watch and no other.
type etcdWatch struct {
	watcher    clientv3.Watcher
	progressOK bool
	// md is the outgoing metadata of the watch's context: clientv3 picks the
	// stream for a progress request by it, and would open a stray stream
	// bound to the request's context if it did not match.
	md     metadata.MD
	events chan Event

	mu  sync.Mutex
	err error
}

func (b *etcdBackend) Watch(ctx context.Context, prefix string, afterRevision int64) (Watch, error) {
	if err := b.checkWatchable(ctx, prefix, afterRevision); err != nil {
		return nil, err
	}
	// Require a leader so a member cut off from its cluster ends the watch
	// instead of silently serving nothing.
	ctx = clientv3.WithRequireLeader(ctx)
	md, _ := metadata.FromOutgoingContext(ctx)
	newWatcher := b.newWatcher
	if newWatcher == nil {
		newWatcher = func() clientv3.Watcher { return clientv3.NewWatcher(b.client) }
	}
	w := &etcdWatch{
		watcher:    newWatcher(),
		progressOK: b.progressOK,
		md:         md,
		events:     make(chan Event, 64),
	}
	opts := []clientv3.OpOption{clientv3.WithPrefix()}
	if afterRevision > 0 {
		opts = append(opts, clientv3.WithRev(afterRevision+1))
	}
	go w.run(ctx, w.watcher.Watch(ctx, prefix, opts...))
	return w, nil
}

// checkWatchable fails early with ErrCompacted when afterRevision's history
// is gone: a read at the first wanted revision fails exactly when a watch
// from it would. A compaction racing with the watch's start is still
// reported, later, by Err.
func (b *etcdBackend) checkWatchable(ctx context.Context, prefix string, afterRevision int64) error {
	if afterRevision <= 0 {
		return nil
	}
	_, err := b.client.Get(ctx, prefix, clientv3.WithPrefix(), clientv3.WithCountOnly(), clientv3.WithRev(afterRevision+1))
	err = mapErr(err)
	if err == nil || errors.Is(err, ErrFutureRevision) {
		return nil
	}
	return fmt.Errorf("watch %s after revision %d: %w", prefix, afterRevision, err)
}

func (w *etcdWatch) Events() <-chan Event { return w.events }

func (w *etcdWatch) Err() error {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.err
}

// RequestProgress asks etcd for a progress notification on this watch's
// stream. Servers before 3.5 are refused: Kubernetes found that their answers
// could claim a revision before events still in flight were delivered.
func (w *etcdWatch) RequestProgress(ctx context.Context) error {
	if !w.progressOK {
		return ErrProgressUnsupported
	}
	if w.md != nil {
		ctx = metadata.NewOutgoingContext(ctx, w.md)
	}
	if err := w.watcher.RequestProgress(ctx); err != nil {
		return fmt.Errorf("request watch progress: %w", err)
	}
	return nil
}

// run converts etcd's responses until the watch ends, then records why and
// closes the channel.
func (w *etcdWatch) run(ctx context.Context, in clientv3.WatchChan) {
	err := w.pump(ctx, in)
	w.mu.Lock()
	w.err = err
	w.mu.Unlock()
	close(w.events)
	w.watcher.Close()
}

func (w *etcdWatch) pump(ctx context.Context, in clientv3.WatchChan) error {
	for {
		var resp clientv3.WatchResponse
		var ok bool
		select {
		case <-ctx.Done():
			return nil
		case resp, ok = <-in:
		}
		if !ok {
			if ctx.Err() != nil {
				return nil
			}
			return errors.New("etcd watch closed")
		}
		if err := resp.Err(); err != nil {
			if resp.CompactRevision != 0 {
				return fmt.Errorf("watch: history compacted at revision %d: %w", resp.CompactRevision, ErrCompacted)
			}
			return fmt.Errorf("watch: %w", mapErr(err))
		}
		for _, ev := range convert(resp) {
			select {
			case w.events <- ev:
			case <-ctx.Done():
				return nil
			}
		}
	}
}

// convert maps one etcd response to events; an empty progress response
// becomes one EventProgress.
func convert(resp clientv3.WatchResponse) []Event {
	if resp.IsProgressNotify() {
		return []Event{{Type: EventProgress, Revision: resp.Header.Revision}}
	}
	out := make([]Event, 0, len(resp.Events))
	for _, ev := range resp.Events {
		e := Event{Type: EventPut, KV: kvFrom(ev.Kv), Revision: ev.Kv.ModRevision}
		if ev.Type == clientv3.EventTypeDelete {
			e.Type = EventDelete
			e.KV = KV{Key: string(ev.Kv.Key), ModRevision: ev.Kv.ModRevision}
		}
		out = append(out, e)
	}
	return out
}
