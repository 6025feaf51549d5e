#!/usr/bin/env bash
# API benchmark and memory figures for docs/performance.md.
#
# Starts `skiff server` on a temporary data dir and a free port, records its
# memory at idle, runs `skiff bench api` (10,000 pods, kept), records its
# memory holding them, and stops the server.
#
#   bench/api.sh [OUT.md]    print a summary; with OUT.md also write it as markdown
#
# Environment: OBJECTS (10000), KIND (pod), CONCURRENCY (16), BENCH_ARGS
# (extra flags for skiff bench api), SKIFF (binary, default bin/skiff),
# IDLE_SECONDS (5: settle time before the idle reading).
set -euo pipefail

cd "$(dirname "$0")/.."
out=${1:-}
SKIFF=${SKIFF:-bin/skiff}
OBJECTS=${OBJECTS:-10000}
KIND=${KIND:-pod}
CONCURRENCY=${CONCURRENCY:-16}
IDLE_SECONDS=${IDLE_SECONDS:-5}

if [[ ! -x $SKIFF ]]; then
	echo "building $SKIFF" >&2
	go build -o "$SKIFF" ./cmd/skiff
fi

dir=$(mktemp -d /tmp/skiff-bench.XXXXXX)
pid=""
stop_server() {
	if [[ -n $pid ]] && kill -0 "$pid" 2>/dev/null; then
		kill "$pid"
		wait "$pid" 2>/dev/null || true
	fi
	pid=""
}
trap 'stop_server; rm -rf "$dir"' EXIT

# free_port picks a random high port nothing listens on.
free_port() {
	local p
	for _ in $(seq 50); do
		p=$((20000 + RANDOM % 20000))
		if ! (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then
			echo "$p"
			return
		fi
	done
	echo "no free port found" >&2
	return 1
}

# rss prints VmRSS and VmHWM of the server in MiB.
rss() {
	awk '/^VmRSS|^VmHWM/ {printf "%s %.0f MiB  ", $1, $2/1024} END {print ""}' "/proc/$pid/status"
}
rss_mib() { awk -v k="$1:" '$1 == k {printf "%.0f", $2/1024}' "/proc/$pid/status"; }

port=$(free_port)
"$SKIFF" server --data-dir "$dir/data" --https-port "$port" >"$dir/server.log" 2>&1 &
pid=$!

deadline=$((SECONDS + 120))
until curl -ksf "https://127.0.0.1:$port/readyz" >/dev/null 2>&1; do
	if ! kill -0 "$pid" 2>/dev/null; then
		echo "skiff server exited; its log:" >&2
		cat "$dir/server.log" >&2
		exit 1
	fi
	if ((SECONDS > deadline)); then
		echo "skiff server not ready after 120s" >&2
		exit 1
	fi
	sleep 0.2
done

# Let start-up work (bootstrap objects, first compaction timers) finish
# before the idle reading.
sleep "$IDLE_SECONDS"
idle_rss=$(rss_mib VmRSS) idle_hwm=$(rss_mib VmHWM)
echo "idle:    $(rss)" >&2

cmd=("$SKIFF" bench api --kubeconfig "$dir/data/kubeconfig.yaml" --objects "$OBJECTS" --kind "$KIND" --concurrency "$CONCURRENCY" --keep ${BENCH_ARGS:-})
echo "running: ${cmd[*]}" >&2
"${cmd[@]}" --markdown >"$dir/bench.md"
held_rss=$(rss_mib VmRSS) held_hwm=$(rss_mib VmHWM)
echo "holding: $(rss)" >&2
stop_server

table=$(cat "$dir/bench.md")
shown="${cmd[*]}"

summary=$(
	cat <<MD
Run $(date -u +%Y-%m-%dT%H:%MZ) on $(nproc) cores ($(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')), $(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo) RAM, $($SKIFF version).

Command (\$DATA is the server's data dir): \`${shown//"$dir/data"/\$DATA}\`

$table

| server memory | VmRSS | VmHWM (peak) |
|---|---:|---:|
| idle, after ${IDLE_SECONDS}s | ${idle_rss} MiB | ${idle_hwm} MiB |
| holding ${OBJECTS} ${KIND}s | ${held_rss} MiB | ${held_hwm} MiB |
MD
)
echo "$summary"
if [[ -n $out ]]; then
	echo "$summary" >"$out"
	echo "wrote $out" >&2
fi
