#!/usr/bin/env bash
# Scale benchmark for docs/performance.md.
#
# PROFILE=FILE [PROFILE_SECONDS=30] also saves a CPU profile of the server;
# SIM_PROFILE=FILE and BENCH_PROFILE=FILE profile the sim and the benchmark
# client for their whole run.
# Starts `skiff server` on a temporary data dir and a free port, then one
# `skiff sim` process with NODES nodes, waits until they are Ready, and runs
# `skiff bench scale` (Deployments totalling DEPLOYMENTS×REPLICAS pods). It
# samples the server's and the sim's memory every second, reads the CPU time
# each process used during the benchmark, and stops everything.
#
#   bench/scale.sh [OUT.md]    print a summary; with OUT.md also write it as markdown
#
# Environment: NODES (1000), DEPLOYMENTS (100), REPLICAS (300), TIMEOUT
# (10m), SIM_ARGS (extra flags for skiff sim), BENCH_ARGS (extra flags for
# skiff bench scale), SKIFF (binary, default bin/skiff), NODE_WAIT (300:
# seconds to wait for the nodes).
set -euo pipefail

cd "$(dirname "$0")/.."
out=${1:-}
SKIFF=${SKIFF:-bin/skiff}
NODES=${NODES:-1000}
DEPLOYMENTS=${DEPLOYMENTS:-100}
REPLICAS=${REPLICAS:-300}
TIMEOUT=${TIMEOUT:-10m}
NODE_WAIT=${NODE_WAIT:-300}

if [[ ! -x $SKIFF ]]; then
	echo "building $SKIFF" >&2
	go build -o "$SKIFF" ./cmd/skiff
fi

dir=$(mktemp -d /tmp/skiff-scale.XXXXXX)
server_pid="" sim_pid="" sampler_pid=""

# stop ends one process we started: SIGTERM, then SIGKILL after a deadline.
stop() {
	local pid=$1 deadline=$((SECONDS + ${2:-30}))
	[[ -n $pid ]] && kill -0 "$pid" 2>/dev/null || return 0
	kill -TERM "$pid" 2>/dev/null || true
	while kill -0 "$pid" 2>/dev/null && ((SECONDS < deadline)); do
		sleep 0.2
	done
	if kill -0 "$pid" 2>/dev/null; then
		echo "pid $pid still running after SIGTERM; sending SIGKILL" >&2
		kill -KILL "$pid" 2>/dev/null || true
	fi
	wait "$pid" 2>/dev/null || true
}
cleanup() {
	stop "$sampler_pid" 5
	stop "$sim_pid"
	stop "$server_pid"
	rm -rf "$dir"
}
trap cleanup EXIT

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

# status_mib PID FIELD prints a /proc/PID/status memory field in MiB.
status_mib() { awk -v k="$2:" '$1 == k {printf "%.0f", $2/1024}' "/proc/$1/status" 2>/dev/null || echo 0; }
# cpu_ticks PID prints the user+system CPU ticks PID has used.
cpu_ticks() { awk '{sub(/^.*\) /, ""); print $12 + $13}' "/proc/$1/stat" 2>/dev/null || echo 0; }
# child_ticks prints the CPU ticks of this shell's finished children.
child_ticks() { awk '{sub(/^.*\) /, ""); print $14 + $15}' "/proc/$$/stat"; }
# cores CPU_SECONDS WALL_SECONDS prints the average number of cores used.
cores() { awk -v c="$1" -v w="$2" 'BEGIN {printf "%.2f", w ? c / w : 0}'; }
ticks_to_s() { awk -v t="$1" -v hz="$(getconf CLK_TCK)" 'BEGIN {printf "%.1f", t/hz}'; }
loadavg() { cut -d' ' -f1-3 /proc/loadavg; }
# cpu_idle_total prints the machine's idle and total CPU ticks so far.
cpu_idle_total() { awk '$1 == "cpu" {print $5 + $6, $2 + $3 + $4 + $5 + $6 + $7 + $8 + $9}' /proc/stat; }

alive() {
	if ! kill -0 "$1" 2>/dev/null; then
		echo "$2 exited; its log:" >&2
		tail -50 "$dir/$2.log" >&2
		exit 1
	fi
}

port=$(free_port)
"$SKIFF" server --data-dir "$dir/data" --https-port "$port" --cluster-cidr 10.32.0.0/11 >"$dir/server.log" 2>&1 &
server_pid=$!
kubeconfig=$dir/data/kubeconfig.yaml
deadline=$((SECONDS + 120))
until curl -ksf "https://127.0.0.1:$port/readyz" >/dev/null 2>&1; do
	alive "$server_pid" server
	((SECONDS < deadline)) || { echo "skiff server not ready after 120s" >&2; exit 1; }
	sleep 0.2
done
echo "server ready on port $port (pid $server_pid)" >&2

SKIFF_CPUPROFILE=${SIM_PROFILE:-} "$SKIFF" sim --kubeconfig "$kubeconfig" --nodes "$NODES" ${SIM_ARGS:-} >"$dir/sim.log" 2>&1 &
sim_pid=$!
# Sample both processes' memory and CPU ticks every second, from now to
# the end: "epoch serverRSS simRSS serverTicks simTicks".
(
	while kill -0 "$server_pid" 2>/dev/null; do
		echo "$EPOCHREALTIME $(status_mib "$server_pid" VmRSS) $(status_mib "$sim_pid" VmRSS) $(cpu_ticks "$server_pid") $(cpu_ticks "$sim_pid")"
		sleep 1
	done
) >"$dir/samples" &
sampler_pid=$!

started=$SECONDS
deadline=$((SECONDS + NODE_WAIT))
while :; do
	alive "$sim_pid" sim
	ready=$(KUBECONFIG=$kubeconfig kubectl get nodes --no-headers 2>/dev/null | awk '$2 == "Ready"' | wc -l)
	((ready >= NODES)) && break
	((SECONDS < deadline)) || { echo "only $ready of $NODES nodes Ready after ${NODE_WAIT}s" >&2; exit 1; }
	sleep 2
done
nodes_s=$((SECONDS - started))
echo "$NODES nodes Ready after ${nodes_s}s" >&2

before_rss=$(status_mib "$server_pid" VmRSS)
server0=$(cpu_ticks "$server_pid") sim0=$(cpu_ticks "$sim_pid") bench0=$(child_ticks)
load_before=$(loadavg)
read -r idle0 total0 < <(cpu_idle_total)
cmd=("$SKIFF" bench scale --kubeconfig "$kubeconfig" --deployments "$DEPLOYMENTS" --replicas "$REPLICAS" --timeout "$TIMEOUT" ${BENCH_ARGS:-})
echo "running: ${cmd[*]}" >&2
bench_start=$SECONDS
if [ -n "${PROFILE:-}" ]; then
	# A CPU profile of the server over the first PROFILE_SECONDS of the run
	# (the server serves /debug/pprof to its admin, as kube-apiserver does).
	KUBECONFIG=$kubeconfig kubectl get --raw "/debug/pprof/profile?seconds=${PROFILE_SECONDS:-30}" >"$PROFILE" &
fi
status=0
SKIFF_CPUPROFILE=${BENCH_PROFILE:-} "${cmd[@]}" --markdown >"$dir/scale.md" 2> >(tee "$dir/bench.log" >&2) || status=$?
wait "$!" 2>/dev/null || true # tee, so bench.log is complete
bench_s=$((SECONDS - bench_start))
load_after=$(loadavg)
read -r idle1 total1 < <(cpu_idle_total)
idle_pct=$(awk -v i=$((idle1 - idle0)) -v t=$((total1 - total0)) 'BEGIN {printf "%.0f", t ? 100 * i / t : 0}')
server_cpu=$(ticks_to_s $(($(cpu_ticks "$server_pid") - server0)))
sim_cpu=$(ticks_to_s $(($(cpu_ticks "$sim_pid") - sim0)))
bench_cpu=$(ticks_to_s $(($(child_ticks) - bench0)))
server_hwm=$(status_mib "$server_pid" VmHWM) sim_hwm=$(status_mib "$sim_pid" VmHWM)
stop "$sampler_pid" 5
read -r server_peak sim_peak < <(awk '$2 > s {s = $2} $3 > m {m = $3} END {print s+0, m+0}' "$dir/samples")
# Split the server's and sim's CPU time at the clean-up's start (the
# bench logs it), from the last sample before it.
up_server="" up_sim=""
if del=$(grep -m1 'deleting deployments' "$dir/bench.log" | sed 's/^time=\([^ ]*\) .*/\1/') && [[ -n $del ]]; then
	del=$(date -d "$del" +%s.%N)
	read -r s_ticks m_ticks < <(awk -v t="$del" '$1 <= t {s = $4; m = $5} END {print s+0, m+0}' "$dir/samples")
	up_server=$(ticks_to_s $((s_ticks - server0))) up_sim=$(ticks_to_s $((m_ticks - sim0)))
fi
stop "$sim_pid"
stop "$server_pid"

shown="${cmd[*]}"
summary=$(
	cat <<MD
Run $(date -u +%Y-%m-%dT%H:%MZ) on $(nproc) cores ($(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')), $(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo) RAM, $($SKIFF version).
Load average before the benchmark: $load_before; after: $load_after; the machine's CPUs were ${idle_pct}% idle during it. $NODES sim nodes were Ready ${nodes_s}s after the sim started.

Command (\$KUBECONFIG is the server's admin kubeconfig): \`${shown//"$kubeconfig"/\$KUBECONFIG}\`$( ((status == 0)) || echo " (exit status $status)")

$(cat "$dir/scale.md")

| process | peak VmRSS (sampled 1/s) | VmHWM | CPU time during the benchmark (${bench_s}s wall) |
|---|---:|---:|---:|
| skiff server (API server, etcd, scheduler, controllers) | ${server_peak} MiB (${before_rss} MiB before) | ${server_hwm} MiB | ${server_cpu}s ($(cores "$server_cpu" "$bench_s") cores) |
| skiff sim ($NODES nodes) | ${sim_peak} MiB | ${sim_hwm} MiB | ${sim_cpu}s ($(cores "$sim_cpu" "$bench_s") cores) |
| skiff bench scale | | | ${bench_cpu}s ($(cores "$bench_cpu" "$bench_s") cores) |
$([[ -z $up_server ]] || echo "
Of that CPU time, until the clean-up started: server ${up_server}s, sim ${up_sim}s.")
MD
)
echo "$summary"
if [[ -n $out ]]; then
	echo "$summary" >"$out"
	echo "wrote $out" >&2
fi
exit "$status"
