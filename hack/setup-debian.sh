#!/usr/bin/env bash
# Installs the system packages skiff and its tests use (Debian 12, as root).
# Safe to run again: it installs only what is missing.
set -euo pipefail
pkgs=(etcd-server git make busybox-static containerd runc containernetworking-plugins iptables nftables conntrack)
missing=()
for p in "${pkgs[@]}"; do
  dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p")
done
if [ "${#missing[@]}" -gt 0 ]; then
  apt-get update -q
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${missing[@]}"
fi
# The embedded and Debian etcd servers are started by the tests themselves;
# make sure the packaged one is not left running as a service.
if command -v systemctl >/dev/null 2>&1; then systemctl disable --now etcd >/dev/null 2>&1 || true; fi
command -v go >/dev/null || { echo "Go is required (https://go.dev/dl)"; exit 1; }
command -v kubectl >/dev/null || echo "note: kubectl is not on the PATH; the e2e tests need it"
