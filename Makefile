# skiff: build, run and test. `make test` is the whole suite; .ci/run calls it.

GO      ?= go
BIN     := bin/skiff
DATA    ?= /var/lib/skiff
PKGS    := ./...
# Packages whose tests exercise concurrency run under the race detector.
RACE    := ./internal/watchcache/... ./internal/registry/store/... ./internal/apiserver/... \
           ./internal/scheduler/... ./internal/controller/... ./internal/sim/... ./test/integration/... \
           ./internal/kubelet/ ./internal/kubelet/node/... ./internal/kubelet/probe/... \
           ./internal/kubelet/server/... ./internal/kubelet/volume/...

.PHONY: setup build run server test unit race e2e vet clean

# Install the system packages skiff and its tests need (idempotent).
setup:
	./hack/setup-debian.sh

build:
	$(GO) build -o $(BIN) ./cmd/skiff

# Start a one-machine cluster (control plane and a node) with its data in
# $(DATA): the server's in $(DATA)/server, the node's in $(DATA)/agent.
run: setup build
	$(BIN) up --data-dir $(DATA)

# Start only the control plane, with its data in $(DATA)/server.
server: setup build
	$(BIN) server --data-dir $(DATA)/server

vet:
	@test -z "$$(gofmt -l $$(git ls-files '*.go'))" || { gofmt -l $$(git ls-files '*.go'); echo "gofmt needed"; exit 1; }
	$(GO) vet $(PKGS)

unit:
	$(GO) test -count=1 $$($(GO) list $(PKGS) | grep -v -e /test/e2e -e /test/integration)

race:
	$(GO) test -race -count=1 $(RACE)

e2e: build
	SKIFF_BIN=$(CURDIR)/$(BIN) $(GO) test -count=1 -timeout 20m ./test/e2e/...

test: setup vet unit race e2e

clean:
	rm -rf bin
