package storage

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	clientv3 "go.etcd.io/etcd/client/v3"
	"go.uber.org/zap"
)

// OpenRemote connects to an external etcd cluster at endpoints (URLs such as
// https://10.0.0.1:2379), with tlsConfig for https endpoints (nil for plain
// http). It checks every endpoint answers and notes whether all run etcd 3.5
// or later, which progress requests need.
func OpenRemote(ctx context.Context, endpoints []string, tlsConfig *tls.Config) (Backend, error) {
	if len(endpoints) == 0 {
		return nil, errors.New("open etcd: no endpoints")
	}
	client, err := clientv3.New(clientv3.Config{
		Endpoints:   endpoints,
		TLS:         tlsConfig,
		DialTimeout: 10 * time.Second,
		Logger:      zap.NewNop(),
		Context:     context.WithoutCancel(ctx),
	})
	if err != nil {
		return nil, fmt.Errorf("open etcd %v: %w", endpoints, err)
	}
	ok, err := progressSupported(ctx, client, endpoints)
	if err != nil {
		client.Close()
		return nil, err
	}
	return &etcdBackend{client: client, progressOK: ok}, nil
}

// progressSupported asks each endpoint its version: progress requests are
// trusted only when every member runs 3.5 or later.
func progressSupported(ctx context.Context, client *clientv3.Client, endpoints []string) (bool, error) {
	all := true
	for _, ep := range endpoints {
		st, err := client.Status(ctx, ep)
		if err != nil {
			return false, fmt.Errorf("etcd status of %s: %w", ep, err)
		}
		if !atLeast35(st.Version) {
			all = false
		}
	}
	return all, nil
}

// atLeast35 reports whether an etcd version string ("3.4.23", "3.5.16")
// is 3.5 or newer; an unreadable version counts as old.
func atLeast35(version string) bool {
	parts := strings.SplitN(version, ".", 3)
	if len(parts) < 2 {
		return false
	}
	major, err1 := strconv.Atoi(parts[0])
	minor, err2 := strconv.Atoi(parts[1])
	if err1 != nil || err2 != nil {
		return false
	}
	return major > 3 || (major == 3 && minor >= 5)
}
