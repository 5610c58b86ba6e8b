#!/usr/bin/env bash
# Regenerate the captures the benchmarks (tests/benchmarks/) scale up: a real
# map-operation loop (corpus/src/bench/maploop.c) under strace -f -tt -T.
#
#   sudo bash corpus/generate-bench.sh
#
# Needs root (bpf(2)), a C compiler and strace. The 5,000-instruction program the
# xlated benchmarks repeat is corpus/xlated/big_unroll.* (made by generate.sh).
set -Eeuo pipefail
if [[ ${EUID} -ne 0 ]]; then
	echo "generate-bench.sh: must run as root (bpf)" >&2
	exit 1
fi
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
BUILD=$(mktemp -d /tmp/bpflogs-bench.XXXXXX)
trap 'rm -rf "$BUILD"' EXIT
export LC_ALL=C
command -v strace >/dev/null || { apt-get update -qq && apt-get install -y -qq strace >/dev/null; }
cc -O2 -Wall -o "$BUILD/maploop" "$HERE/src/bench/maploop.c"
mkdir -p "$HERE/bench"
strace -f -tt -T -e trace=bpf -o "$BUILD/maploop.strace" "$BUILD/maploop" 3000 </dev/null
gzip -9 -n -c "$BUILD/maploop.strace" >"$HERE/bench/maploop_f-tt-T.strace.txt.gz"
echo "generate-bench.sh: $(zcat "$HERE/bench/maploop_f-tt-T.strace.txt.gz" | wc -l) lines in bench/maploop_f-tt-T.strace.txt.gz" >&2
