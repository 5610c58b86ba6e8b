#!/usr/bin/env bash
# Regenerate the bpflogs real-capture corpus: builds the BPF programs in
# corpus/src/ into a temporary folder, loads them with bpftool, bpftrace and
# the ctypes loader under strace, and writes the logs to corpus/strace/
# (plus bpftool's own output to corpus/xlated/ and corpus/companion/).
#
#   sudo bash corpus/generate.sh
#
# Needs root, a kernel with BPF and BTF (/sys/kernel/btf/vmlinux), and the
# Debian packages strace bpftool clang llvm libbpf-dev bpftrace (installed
# with apt-get when missing). Every pinned object (/sys/fs/bpf/bpflogs_corpus_*)
# and the cgroup it creates are removed again, also on failure. Re-running
# replaces every output file.
set -Eeuo pipefail

if [[ ${EUID} -ne 0 ]]; then
	echo "generate.sh: must run as root (BPF, bpffs, cgroups)" >&2
	exit 1
fi

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
SRC=$HERE/src
OUT=$HERE/strace
XOUT=$HERE/xlated
COMP=$HERE/companion
PIN=/sys/fs/bpf/bpflogs_corpus
PY=/usr/bin/python3	# the distribution interpreter: no launcher shim, no extra SIGCHLD
GZIP_OVER=204800	# bytes; larger captures are stored as .txt.gz
export LC_ALL=C

log() { printf 'generate.sh: %s\n' "$*" >&2; }
die() { log "$*"; exit 1; }
trap 'log "failed (status $?) at line $LINENO: $BASH_COMMAND"' ERR

# --- tools ---------------------------------------------------------------
need_pkgs=()
command -v strace >/dev/null || need_pkgs+=(strace)
command -v bpftool >/dev/null || need_pkgs+=(bpftool)
command -v clang >/dev/null || need_pkgs+=(clang)
command -v llvm-objdump >/dev/null || need_pkgs+=(llvm)
[[ -f /usr/include/bpf/bpf_helpers.h ]] || need_pkgs+=(libbpf-dev)
command -v bpftrace >/dev/null || need_pkgs+=(bpftrace)
[[ -x $PY ]] || need_pkgs+=(python3)
if ((${#need_pkgs[@]})); then
	log "installing ${need_pkgs[*]}"
	apt-get update -qq
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need_pkgs[@]}" >/dev/null
fi
[[ -r /sys/kernel/btf/vmlinux ]] || die "kernel BTF (/sys/kernel/btf/vmlinux) is missing"

# --- file systems --------------------------------------------------------
mountpoint -q /sys/fs/bpf || mount -t bpf bpf /sys/fs/bpf
# bpftrace resolves tracepoints through tracefs
if [[ ! -d /sys/kernel/tracing/events ]]; then
	mount -t tracefs tracefs /sys/kernel/tracing 2>/dev/null ||
		mount -t debugfs debugfs /sys/kernel/debug
fi
CGROOT=$(findmnt -n -t cgroup2 -o TARGET | head -n 1 || true)
if [[ -z $CGROOT ]]; then
	CGROOT=/run/bpflogs_corpus_cgroup2
	mkdir -p "$CGROOT"
	mount -t cgroup2 none "$CGROOT"
fi
CG=$CGROOT/bpflogs_corpus_cg

# --- clean state, now and on exit ----------------------------------------
BUILD=$(mktemp -d /tmp/bpflogs-corpus-build.XXXXXX)
cleanup_objects() {
	if [[ -d $CG ]]; then
		# detach whatever an interrupted run left attached, then remove the cgroup
		for p in "$PIN"_cgroup_skb/cg_ingress "$PIN"_cgroup_skb/cg_egress; do
			for t in ingress egress; do
				bpftool cgroup detach "$CG" "$t" pinned "$p" 2>/dev/null || true
			done
		done
		rmdir "$CG" 2>/dev/null || log "could not remove $CG"
	fi
	rm -rf "$PIN"_*
}
on_exit() {
	cleanup_objects
	rm -rf "$BUILD"
}
trap on_exit EXIT
cleanup_objects
exec </dev/null	# fd 0 is /dev/null in every capture (`-y` shows it)

# --- build ---------------------------------------------------------------
cp "$SRC"/*.bpf.c "$SRC"/loader.py "$BUILD"/
cd "$BUILD"
bpftool btf dump file /sys/kernel/btf/vmlinux format c >vmlinux.h
for c in *.bpf.c; do
	# -fdebug-prefix-map: BTF line info says ./NAME.bpf.c, not the temp folder,
	# so the BTF blobs in the logs are the same on every run
	clang -O2 -g -target bpf -D__TARGET_ARCH_x86 \
		-I. -I/usr/include/x86_64-linux-gnu \
		-fdebug-prefix-map="$BUILD"=. \
		-c "$c" -o "${c%.c}.o"
done
# a 54-byte IPv4/TCP packet for `bpftool prog run`
printf '\xff\xff\xff\xff\xff\xff\x02\x00\x00\x00\x00\x01\x08\x00' >pkt.bin
printf '\x45\x00\x00\x28\x00\x01\x00\x00\x40\x06\x00\x00\x0a\x00\x00\x01\x0a\x00\x00\x02' >>pkt.bin
printf '\x30\x39\x00\x50\x00\x00\x00\x00\x00\x00\x00\x00\x50\x02\x20\x00\x00\x00\x00\x00' >>pkt.bin

# --- captures ------------------------------------------------------------
mkdir -p "$OUT" "$XOUT" "$COMP"
rm -f "$OUT"/*.txt "$OUT"/*.txt.gz "$XOUT"/* "$COMP"/*

# st NAME [strace options...] -- command...   (trace goes to $OUT/NAME with -o)
st() {
	local name=$1
	shift
	local opts=()
	while [[ $1 != -- ]]; do
		opts+=("$1")
		shift
	done
	shift
	strace -o "$OUT/$name" "${opts[@]}" "$@"
}

# 1. one bpftool load of one object under every flag set
XDP_OBJ=xdp_stats.bpf.o
for variant in plain f tt-T y X-verbose X-raw v s1024; do
	case $variant in
	plain) flags=() ;;
	f) flags=(-f) ;;
	tt-T) flags=(-tt -T) ;;
	y) flags=(-y) ;;
	X-verbose) flags=(-X verbose) ;;
	X-raw) flags=(-X raw) ;;
	v) flags=(-v) ;;
	s1024) flags=(-s 1024) ;;
	esac
	st "bpftool-prog-load-xdp_$variant.txt" -e trace=bpf "${flags[@]}" -- \
		bpftool prog load "$XDP_OBJ" "$PIN"_xdp
	rm -f "$PIN"_xdp
done

# 2. xlated dump and test run of the same program
bpftool prog load "$XDP_OBJ" "$PIN"_xdp
st bpftool-prog-dump-xlated-xdp_v-s256.txt -e trace=bpf -v -s 256 -- \
	bpftool prog dump xlated pinned "$PIN"_xdp >"$XOUT/xdp_stats.plain.txt"
bpftool prog dump xlated pinned "$PIN"_xdp opcodes >"$XOUT/xdp_stats.opcodes.txt"
bpftool prog dump xlated pinned "$PIN"_xdp linum >"$XOUT/xdp_stats.linum.txt"
bpftool -p prog dump xlated pinned "$PIN"_xdp >"$XOUT/xdp_stats.pretty.json"
st bpftool-prog-run-xdp_tt-T.txt -e trace=bpf -tt -T -- \
	bpftool prog run pinned "$PIN"_xdp data_in pkt.bin data_out /dev/null repeat 1000 >/dev/null
rm -f "$PIN"_xdp

# 3. other program types
st bpftool-prog-load-socket_mixed.txt -e trace=bpf,openat,close,mmap,read -- \
	bpftool prog load sock_filter.bpf.o "$PIN"_socket
bpftool prog dump xlated pinned "$PIN"_socket >"$XOUT/sock_filter.plain.txt"
rm -f "$PIN"_socket

st bpftool-prog-loadall-tc-pinmaps_y.txt -e trace=bpf -y -- \
	bpftool prog loadall tc_classify.bpf.o "$PIN"_tc pinmaps "$PIN"_tc_maps

st bpftool-prog-loadall-tracing_tt-T.txt -e trace=bpf -tt -T -- \
	bpftool prog loadall trace_events.bpf.o "$PIN"_tracing
bpftool prog dump xlated pinned "$PIN"_tracing/kp_nanosleep >"$XOUT/trace_events.kp_nanosleep.plain.txt"
rm -rf "$PIN"_tracing

st bpftool-prog-loadall-cgroup-skb_v.txt -e trace=bpf -v -- \
	bpftool prog loadall cgroup_skb.bpf.o "$PIN"_cgroup_skb

# 4. cgroup attach / query / detach (several processes: -f through bash)
mkdir -p "$CG"
st bpftool-cgroup-attach-show-detach_f-y.txt -f -e trace=bpf -y -- bash -c "
bpftool cgroup attach $CG ingress pinned ${PIN}_cgroup_skb/cg_ingress multi
bpftool cgroup attach $CG egress pinned ${PIN}_cgroup_skb/cg_egress multi
bpftool cgroup show $CG
bpftool cgroup detach $CG egress pinned ${PIN}_cgroup_skb/cg_egress
bpftool cgroup detach $CG ingress pinned ${PIN}_cgroup_skb/cg_ingress" >/dev/null
rmdir "$CG"
rm -rf "$PIN"_cgroup_skb

# 5. map commands on the pinned lpm_trie of tc_classify and a new lru map
LPM="$PIN"_tc_maps/mark_by_prefix
st bpftool-map-update-lpm.txt -e trace=bpf -- \
	bpftool map update pinned "$LPM" key 32 0 0 0 10 0 0 2 value 7 0 0 0
bpftool map update pinned "$LPM" key 24 0 0 0 10 0 1 0 value 8 0 0 0
bpftool map update pinned "$LPM" key 16 0 0 0 192 168 0 0 value 9 0 0 0
st bpftool-map-dump-lpm_tt-T.txt -e trace=bpf -tt -T -- \
	bpftool map dump pinned "$LPM" >/dev/null
rc=0
st bpftool-map-lookup-missing_y.txt -e trace=bpf -y -- \
	bpftool map lookup pinned "$LPM" key 32 0 0 0 172 16 0 1 >/dev/null 2>&1 || rc=$?
[[ $rc -ne 0 ]] || die "lookup of a missing key succeeded"
st bpftool-map-delete-lpm_X-verbose.txt -e trace=bpf -X verbose -- \
	bpftool map delete pinned "$LPM" key 24 0 0 0 10 0 1 0
st bpftool-map-create-lru_X-raw.txt -e trace=bpf -X raw -- \
	bpftool map create "$PIN"_lru type lru_hash key 4 value 8 entries 32 name corpus_lru
rm -rf "$PIN"_tc "$PIN"_tc_maps "$PIN"_lru

# 6. verifier rejection (libbpf retries with a log buffer; the log is on stderr)
rc=0
st verifier-reject_s1024.txt -e trace=bpf -s 1024 -- \
	bpftool prog load verifier_reject.bpf.o "$PIN"_reject 2>"$COMP/verifier-reject_s1024.bpftool-stderr.txt" || rc=$?
[[ $rc -ne 0 ]] || die "verifier_reject.bpf.o was accepted"
rm -f "$PIN"_reject

# 7. raw bpf(2) through ctypes
st ctypes-loader_y.txt -e trace=bpf -y -- "$PY" loader.py all
st ctypes-loader_v.txt -e trace=bpf -v -- "$PY" loader.py all

# threads: the split into <unfinished ...>/<... bpf resumed> depends on
# scheduling; retry a few times until the log shows at least one pair
has_pairs() { grep -q '<unfinished \.\.\.>' "$1" && grep -q '<\.\.\. bpf resumed>' "$1"; }
for name in ctypes-loader-threads_f-stderr.txt ctypes-loader-threads_f-o.txt; do
	for attempt in 1 2 3 4 5; do
		if [[ $name == *stderr* ]]; then
			strace -f -e trace=bpf "$PY" loader.py threads 2>"$OUT/$name"
		else
			st "$name" -f -e trace=bpf -- "$PY" loader.py threads
		fi
		has_pairs "$OUT/$name" && break
		log "$name: no unfinished/resumed pair on attempt $attempt, retrying"
	done
done

# 8. bpftrace one-liners (they end themselves after 300 ms)
st bpftrace-count_f.txt -f -e trace=bpf -- \
	bpftrace -e 'tracepoint:syscalls:sys_enter_openat { @opens[comm] = count(); } interval:ms:300 { exit(); }' >/dev/null 2>&1
# (tracepoints, not kprobes: the kernel this corpus was made on has no CONFIG_KPROBES)
st bpftrace-syscall-hist_f-tt-T.txt -f -e trace=bpf -tt -T -- \
	bpftrace -e 'tracepoint:raw_syscalls:sys_enter { @start[tid] = nsecs; } tracepoint:raw_syscalls:sys_exit /@start[tid]/ { @ns = hist(nsecs - @start[tid]); delete(@start[tid]); } interval:ms:300 { exit(); }' >/dev/null 2>&1

# --- size limit and checks -----------------------------------------------
for f in "$OUT"/*.txt; do
	if (($(stat -c %s "$f") > GZIP_OVER)); then
		gzip -n -9 -f "$f"
	fi
done

fail=0
check() { log "CHECK FAILED: $*"; fail=1; }
for f in "$OUT"/*; do
	[[ -s $f ]] || check "$f is empty"
	zgrep -q 'bpf(' "$f" || check "$f has no bpf( line"
done
for f in "$OUT"/ctypes-loader-threads_*; do
	has_pairs "$f" || check "$f has no unfinished/resumed pair"
done
grep -q '= -1 EACCES' "$OUT/verifier-reject_s1024.txt" || check "verifier-reject has no EACCES"
grep -q 'BPF_PROG_LOAD' "$OUT/bpftool-prog-load-xdp_plain.txt" || check "xdp load has no PROG_LOAD"
grep -q 'openat(' "$OUT/bpftool-prog-load-socket_mixed.txt" || check "mixed capture has no openat"
total=$(du -cb "$OUT" "$XOUT" "$COMP" | tail -n 1 | cut -f 1)
((total < 1536000)) || check "corpus is $total bytes (limit ~1.5 MB)"

# --- versions of this run ------------------------------------------------
{
	echo "strace: $(strace -V | head -n 1)"
	echo "bpftool: $(bpftool version | tr '\n' ' ' | sed 's/ *$//')"
	echo "clang: $(clang --version | head -n 1)"
	echo "bpftrace: $(bpftrace --version)"
	echo "python: $($PY --version 2>&1)"
	echo "kernel: $(uname -srm)"
	if command -v dpkg-query >/dev/null; then
		dpkg-query -W -f 'package: ${Package} ${Version}\n' \
			strace bpftool clang libbpf-dev bpftrace python3 2>/dev/null || true
	fi
} >"$HERE/versions.txt"

((fail == 0)) || die "some checks failed"
ncap=$(find "$OUT" -type f | wc -l)
log "done: $ncap captures in $OUT ($total bytes with xlated/ and companion/)"
