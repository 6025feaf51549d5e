package storage

import (
	"context"
	"fmt"

	clientv3 "go.etcd.io/etcd/client/v3"
)

func (b *etcdBackend) List(ctx context.Context, prefix, startKey string, limit, revision int64) (ListResult, error) {
	end := clientv3.GetPrefixRangeEnd(prefix)
	start := prefix
	if startKey > prefix {
		start = startKey
	}
	opts := []clientv3.OpOption{clientv3.WithRange(end), clientv3.WithLimit(limit)}
	if revision > 0 {
		opts = append(opts, clientv3.WithRev(revision))
	}
	resp, err := b.client.Get(ctx, start, opts...)
	if err != nil {
		return ListResult{}, fmt.Errorf("list %s from %q at revision %d: %w", prefix, startKey, revision, mapErr(err))
	}
	res := ListResult{
		KVs:   make([]KV, len(resp.Kvs)),
		More:  resp.More,
		Count: resp.Count,
		// The header carries the store's latest revision, not the one a
		// past read was served at.
		Revision: resp.Header.Revision,
	}
	if revision > 0 {
		res.Revision = revision
	}
	for i, kv := range resp.Kvs {
		res.KVs[i] = kvFrom(kv)
	}
	return res, nil
}
