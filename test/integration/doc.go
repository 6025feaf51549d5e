// Package integration holds in-process integration tests of skiff's API
// server: each test starts the real server (storage, PKI, apiserver) on a
// free loopback port, on embedded etcd or on an external etcd 3.5 or 3.4,
// and drives it with client-go as a Kubernetes client would.
//
// The tests live in _test.go files only, so nothing here is linked into a
// binary. Run them with
//
//	go test -race ./test/integration/
//
// and the fuzz test for longer with
//
//	go test -run '^$' -fuzz FuzzCreateBody -fuzztime 60s ./test/integration/
package integration
