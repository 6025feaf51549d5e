package storage

import (
	"context"
	"errors"
	"fmt"
	"sync"

	"go.etcd.io/etcd/api/v3/mvccpb"
	clientv3 "go.etcd.io/etcd/client/v3"
)

// etcdBackend is a Backend over an etcd v3 client. The same code serves the
// embedded server and an external cluster; only how the client was made and
// what Close stops differ.
type etcdBackend struct {
	client *clientv3.Client
	// progressOK is false when some server is older than 3.5, whose watch
	// progress answers cannot be trusted (see RequestProgress).
	progressOK bool
	// stop releases what Open started beside the client (the embedded
	// server); nil for a remote cluster.
	stop      func()
	closeOnce sync.Once
	// newWatcher opens a watch stream of its own for one Watch; nil means
	// a new gRPC stream on client's connection.
	newWatcher func() clientv3.Watcher
}

// kvFrom copies an etcd key-value into this package's type.
func kvFrom(kv *mvccpb.KeyValue) KV {
	return KV{
		Key:            string(kv.Key),
		Value:          kv.Value,
		CreateRevision: kv.CreateRevision,
		ModRevision:    kv.ModRevision,
	}
}

func (b *etcdBackend) Get(ctx context.Context, key string) (KV, error) {
	resp, err := b.client.Get(ctx, key)
	if err != nil {
		return KV{}, fmt.Errorf("get %s: %w", key, mapErr(err))
	}
	if len(resp.Kvs) == 0 {
		return KV{}, fmt.Errorf("get %s: %w", key, ErrNotFound)
	}
	return kvFrom(resp.Kvs[0]), nil
}

func (b *etcdBackend) Create(ctx context.Context, key string, value []byte) (int64, error) {
	resp, err := b.client.Txn(ctx).
		If(clientv3.Compare(clientv3.CreateRevision(key), "=", 0)).
		Then(clientv3.OpPut(key, string(value))).
		Commit()
	if err != nil {
		return 0, fmt.Errorf("create %s: %w", key, mapErr(err))
	}
	if !resp.Succeeded {
		return 0, fmt.Errorf("create %s: %w", key, ErrExists)
	}
	return resp.Header.Revision, nil
}

func (b *etcdBackend) Update(ctx context.Context, key string, value []byte, expectedRevision int64) (int64, KV, error) {
	resp, err := b.client.Txn(ctx).
		If(exists(key), clientv3.Compare(clientv3.ModRevision(key), "=", expectedRevision)).
		Then(clientv3.OpPut(key, string(value))).
		Else(clientv3.OpGet(key)).
		Commit()
	if err != nil {
		return 0, KV{}, fmt.Errorf("update %s: %w", key, mapErr(err))
	}
	if resp.Succeeded {
		return resp.Header.Revision, KV{}, nil
	}
	cur, err := currentOf(resp, key)
	return 0, cur, fmt.Errorf("update %s at revision %d: %w", key, expectedRevision, err)
}

func (b *etcdBackend) Delete(ctx context.Context, key string, expectedRevision int64) (KV, int64, error) {
	conds := []clientv3.Cmp{exists(key)}
	if expectedRevision != 0 {
		conds = append(conds, clientv3.Compare(clientv3.ModRevision(key), "=", expectedRevision))
	}
	resp, err := b.client.Txn(ctx).
		If(conds...).
		Then(clientv3.OpDelete(key, clientv3.WithPrevKV())).
		Else(clientv3.OpGet(key)).
		Commit()
	if err != nil {
		return KV{}, 0, fmt.Errorf("delete %s: %w", key, mapErr(err))
	}
	if !resp.Succeeded {
		cur, err := currentOf(resp, key)
		return cur, 0, fmt.Errorf("delete %s at revision %d: %w", key, expectedRevision, err)
	}
	prev := resp.Responses[0].GetResponseDeleteRange().GetPrevKvs()
	if len(prev) == 0 {
		// The compare said the key existed in the same transaction, so a
		// missing previous value would be an etcd bug; report it as absent.
		return KV{}, 0, fmt.Errorf("delete %s: %w", key, ErrNotFound)
	}
	return kvFrom(prev[0]), resp.Header.Revision, nil
}

// exists compares true when key is present (a created key has a non-zero
// CreateRevision), so a zero expected revision never matches an absent key.
func exists(key string) clientv3.Cmp {
	return clientv3.Compare(clientv3.CreateRevision(key), ">", 0)
}

// currentOf reads the Else branch of a failed conditional write: the key's
// current value and ErrConflict, or ErrNotFound if the key is gone.
func currentOf(resp *clientv3.TxnResponse, key string) (KV, error) {
	if len(resp.Responses) == 0 {
		return KV{}, ErrNotFound
	}
	kvs := resp.Responses[0].GetResponseRange().GetKvs()
	if len(kvs) == 0 {
		return KV{}, ErrNotFound
	}
	return kvFrom(kvs[0]), ErrConflict
}

func (b *etcdBackend) CurrentRevision(ctx context.Context) (int64, error) {
	// A linearizable read of one key (present or not) returns the store's
	// revision in its header; counting keeps the answer small.
	resp, err := b.client.Get(ctx, "/", clientv3.WithCountOnly())
	if err != nil {
		return 0, fmt.Errorf("read current revision: %w", mapErr(err))
	}
	return resp.Header.Revision, nil
}

func (b *etcdBackend) Compact(ctx context.Context, revision int64) error {
	_, err := b.client.Compact(ctx, revision, clientv3.WithCompactPhysical())
	if err != nil {
		return fmt.Errorf("compact to revision %d: %w", revision, mapErr(err))
	}
	return nil
}

func (b *etcdBackend) Close() error {
	var err error
	b.closeOnce.Do(func() {
		err = b.client.Close()
		if errors.Is(err, context.Canceled) {
			err = nil
		}
		if b.stop != nil {
			b.stop()
		}
	})
	return err
}
