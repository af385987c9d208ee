#!/usr/bin/env bash
# scripts/install-deps.sh - install the Debian packages otelc needs.
#
#   scripts/install-deps.sh build   what `make demo` and the library need
#   scripts/install-deps.sh test    plus the tests' real peers and tools
#   scripts/install-deps.sh bench   plus valgrind (callgrind)
#
# Only missing packages are installed.  Needs root (or passwordless sudo)
# when something is missing; otherwise it says exactly what to install.
set -euo pipefail

profile=${1:-build}

build_pkgs=(
  gcc make cmake pkg-config
  libprotobuf-c-dev protobuf-c-compiler protobuf-compiler libcriterion-dev
  libgrpc-dev nanopb libnanopb-dev python3-protobuf
  libcurl4-openssl-dev libmicrohttpd-dev zlib1g-dev
)
test_pkgs=(

  prometheus python3-prometheus-client
  python3-thrift thrift-compiler
  rsyslog python3-aiosmtpd
  openssl gzip clang-format
  clang libclang-rt-14-dev
  locales
)
bench_pkgs=(valgrind)

pkgs=("${build_pkgs[@]}")
case "$profile" in
  build) ;;
  test) pkgs+=("${test_pkgs[@]}") ;;
  bench) pkgs+=("${bench_pkgs[@]}") ;;
  all) pkgs+=("${test_pkgs[@]}" "${bench_pkgs[@]}") ;;
  *) echo "usage: $0 build|test|bench|all" >&2; exit 2 ;;
esac

# The propagation interop test runs OpenTelemetry JS's propagators: it needs
# Node.js and npm, from Debian unless the machine already has them.
if [[ $profile == test || $profile == all ]]; then
  command -v node >/dev/null 2>&1 || pkgs+=(nodejs)
  command -v npm >/dev/null 2>&1 || pkgs+=(npm)
fi

missing=()
for p in "${pkgs[@]}"; do
  status=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)
  [[ "$status" == *"install ok installed"* ]] || missing+=("$p")
done
[[ ${#missing[@]} -eq 0 ]] && exit 0

echo "otelc: installing missing Debian packages: ${missing[*]}" >&2
if [[ $(id -u) -eq 0 ]]; then
  sudo_cmd=()
elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
  sudo_cmd=(sudo -n)
else
  echo "otelc: these packages are missing and this user cannot install them:" >&2
  echo "  sudo apt-get install -y ${missing[*]}" >&2
  echo "otelc: run that as root, then run make again." >&2
  exit 1
fi
export DEBIAN_FRONTEND=noninteractive
# Services pulled in as dependencies (rsyslog, prometheus) must not be
# started by the package scripts: the tests start their own instances.
policy=/usr/sbin/policy-rc.d
created_policy=0
if [[ ! -e $policy ]]; then
  printf '#!/bin/sh\nexit 101\n' | "${sudo_cmd[@]}" tee $policy >/dev/null
  "${sudo_cmd[@]}" chmod +x $policy
  created_policy=1
fi
cleanup() { [[ $created_policy -eq 1 ]] && "${sudo_cmd[@]}" rm -f $policy; }
trap cleanup EXIT
"${sudo_cmd[@]}" apt-get update -qq
"${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
echo "otelc: packages installed." >&2
