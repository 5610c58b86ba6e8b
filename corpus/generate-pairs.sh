#!/usr/bin/env bash
# Regenerate the ground-truth capture pairs of `bpflogs diff`: for every
# pair in corpus/pairs/NAME/ two real captures, a/ and b/, with the same file
# names on both sides. The programs are built from corpus/src/pairs/ into a
# temporary folder, loaded with bpftool (or raw bpf(2) from
# corpus/src/pairs/raw_load.py) under strace, and dumped with
# `bpftool prog dump xlated` (plain, linum, opcodes).
#
#   sudo bash corpus/generate-pairs.sh
#
# Needs root, a kernel with BPF and BTF, and the Debian packages strace
# bpftool clang clang-19 libbpf-dev python3 (installed with apt-get when
# missing). Every pinned object (/sys/fs/bpf/bpflogs_pairs_*) and the build
# folder are removed again, also on failure. Re-running replaces every a/ and
# b/ folder; README.md and facts.json in corpus/pairs/ are written by hand
# (the facts were read off the dumps) and are checked against the new
# captures at the end by corpus/src/pairs/check_pairs.py.
set -Eeuo pipefail

if [[ ${EUID} -ne 0 ]]; then
	echo "generate-pairs.sh: must run as root (BPF, bpffs)" >&2
	exit 1
fi

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
SRC=$HERE/src/pairs
OUT=$HERE/pairs
PIN=/sys/fs/bpf/bpflogs_pairs
PY=/usr/bin/python3	# the distribution interpreter: no launcher shim
GZIP_OVER=204800	# bytes; larger files are stored as .gz
SIZE_LIMIT=400000	# bytes; all files of the pairs/ tree
export LC_ALL=C

log() { printf 'generate-pairs.sh: %s\n' "$*" >&2; }
die() { log "$*"; exit 1; }
trap 'log "failed (status $?) at line $LINENO: $BASH_COMMAND"' ERR

# --- tools ---------------------------------------------------------------
need=()
command -v strace >/dev/null || need+=(strace)
command -v bpftool >/dev/null || need+=(bpftool)
command -v clang >/dev/null || need+=(clang)
command -v clang-19 >/dev/null || need+=(clang-19)
[[ -e /usr/include/bpf/bpf_helpers.h ]] || need+=(libbpf-dev)
[[ -x $PY ]] || need+=(python3)
if ((${#need[@]})); then
	log "installing ${need[*]}"
	apt-get update -qq
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}" >/dev/null
fi
[[ -e /sys/kernel/btf/vmlinux ]] || die "kernel has no BTF (/sys/kernel/btf/vmlinux)"
if ! findmnt -n -t bpf /sys/fs/bpf >/dev/null; then
	mount -t bpf bpf /sys/fs/bpf
fi

# --- clean state, now and on exit ----------------------------------------
BUILD=$(mktemp -d /tmp/bpflogs-pairs-build.XXXXXX)
cleanup_objects() { rm -rf "$PIN"_*; }
on_exit() {
	cleanup_objects
	rm -rf "$BUILD"
}
trap on_exit EXIT
cleanup_objects
exec </dev/null	# fd 0 is /dev/null in every capture

# --- build ---------------------------------------------------------------
# one source, five objects; only the named difference between them
cp "$SRC"/xdp_pairs.bpf.c "$SRC"/raw_load.py "$BUILD"/
cd "$BUILD"
build() {	# build OBJECT COMPILER -O? [-D...]
	local obj=$1 cc=$2
	shift 2
	# -fdebug-prefix-map: BTF line info says ./xdp_pairs.bpf.c, stable
	"$cc" "$@" -g -target bpf -D__TARGET_ARCH_x86 \
		-I. -I/usr/include/x86_64-linux-gnu \
		-fdebug-prefix-map="$BUILD"=. \
		-c xdp_pairs.bpf.c -o "$obj"
}
build o2.o clang -O2	# the base object (clang 14)
build len1200.o clang -O2 -DLEN_LIMIT=1200
build extra.o clang -O2 -DEXTRA_STATEMENT
build clang19.o clang-19 -O2
build o1.o clang -O1

# --- captures ------------------------------------------------------------
PAIRS=(same-twice constant-changed statement-added clang14-vs-clang19 O1-vs-O2
	max-entries prog-flags log-level
	strace-flags-tt-T strace-flags-y strace-flags-X-verbose strace-flags-v)
for p in "${PAIRS[@]}"; do
	rm -rf "${OUT:?}/$p/a" "${OUT:?}/$p/b"
	mkdir -p "$OUT/$p/a" "$OUT/$p/b"
done

# load_only DIR OBJECT [STRACE_FLAG...]: traced `bpftool prog load` of the
# object, pinned at $PIN_prog
load_only() {
	local dir=$1 obj=$2
	shift 2
	strace -o "$dir/load.strace.txt" -e trace=bpf "$@" \
		bpftool prog load "$obj" "$PIN"_prog
}
dump3() {	# dump3 DIR: plain, linum, opcodes of the pinned program
	bpftool prog dump xlated pinned "$PIN"_prog >"$1/xdp_pairs.xlated.txt"
	bpftool prog dump xlated pinned "$PIN"_prog linum >"$1/xdp_pairs.linum.txt"
	bpftool prog dump xlated pinned "$PIN"_prog opcodes >"$1/xdp_pairs.opcodes.txt"
}
side() {	# side DIR OBJECT [STRACE_FLAG...]: load, dump, unpin
	local dir=$1 obj=$2
	shift 2
	load_only "$dir" "$obj" "$@"
	dump3 "$dir"
	rm -f "$PIN"_prog
}
side_strace_only() {	# side_strace_only DIR OBJECT [STRACE_FLAG...]
	load_only "$@"
	rm -f "$PIN"_prog
}
raw() {	# raw DIR [raw_load.py option...]
	local dir=$1
	shift
	strace -o "$dir/load.strace.txt" -e trace=bpf "$PY" raw_load.py "$@"
}

# code pairs: the program of both sides is dumped
side "$OUT/same-twice/a" o2.o
side "$OUT/same-twice/b" o2.o	# the same file, a second, separate load
side "$OUT/constant-changed/a" o2.o
side "$OUT/constant-changed/b" len1200.o
side "$OUT/statement-added/a" o2.o
side "$OUT/statement-added/b" extra.o
side "$OUT/clang14-vs-clang19/a" o2.o
side "$OUT/clang14-vs-clang19/b" clang19.o
side "$OUT/O1-vs-O2/a" o1.o
side "$OUT/O1-vs-O2/b" o2.o

# attribute pairs: two raw bpf() calls, one attribute apart
raw "$OUT/max-entries/a" --max-entries 128
raw "$OUT/max-entries/b" --max-entries 256
raw "$OUT/prog-flags/a" --prog-flags 0
raw "$OUT/prog-flags/b" --prog-flags 0x2	# BPF_F_ANY_ALIGNMENT
raw "$OUT/log-level/a" --log-level 1
raw "$OUT/log-level/b" --log-level 2

# strace-flag pairs: the base object's load, plain (a) and with flags (b)
for variant in tt-T y X-verbose v; do
	case $variant in
	tt-T) flags=(-tt -T) ;;
	y) flags=(-y) ;;
	X-verbose) flags=(-X verbose) ;;
	v) flags=(-v) ;;
	esac
	side_strace_only "$OUT/strace-flags-$variant/a" o2.o
	side_strace_only "$OUT/strace-flags-$variant/b" o2.o "${flags[@]}"
done

# --- size limit and checks -----------------------------------------------
shopt -s nullglob
for f in "$OUT"/*/[ab]/*; do
	if (($(stat -c %s "$f") > GZIP_OVER)); then
		gzip -n -9 -f "$f"
	fi
done
fail=0
check() { log "CHECK FAILED: $*"; fail=1; }
for p in "${PAIRS[@]}"; do
	la=$(cd "$OUT/$p/a" && ls)
	lb=$(cd "$OUT/$p/b" && ls)
	[[ $la == "$lb" ]] || check "$p: a/ and b/ do not hold the same file names"
	for f in "$OUT/$p"/[ab]/*; do
		[[ -s $f ]] || check "$f is empty"
	done
	for f in "$OUT/$p"/[ab]/load.strace.txt*; do
		zgrep -q 'PROG_LOAD.*_XDP' "$f" || check "$f has no XDP PROG_LOAD"
		zgrep -q '+++ exited with 0 +++' "$f" || check "$f: the traced command failed"
	done
done
"$PY" "$SRC"/check_pairs.py "$OUT" || check "check_pairs.py: captures do not match facts.json"
total=$(find "$OUT" -type f -printf '%s\n' | awk '{ s += $1 } END { print s + 0 }')
((total < SIZE_LIMIT)) || check "pairs/ is $total bytes (limit $SIZE_LIMIT)"
[[ -z $(find /sys/fs/bpf -maxdepth 1 -name 'bpflogs_pairs_*' -print -quit) ]] ||
	check "a pin is left in /sys/fs/bpf"
((fail == 0)) || die "some checks failed"
log "done: ${#PAIRS[@]} pairs in $OUT ($total bytes)"
