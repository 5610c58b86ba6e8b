#!/usr/bin/env bash
# Regenerate the bpflogs real-capture corpus: builds the BPF programs in
# corpus/src/ into a temporary folder, loads them with bpftool, bpftrace and
# the ctypes loader under strace, and writes the logs to corpus/strace/
# (plus bpftool's own output to corpus/xlated/ and corpus/companion/: every
# program it loads is dumped with `bpftool prog dump xlated` in five modes;
# corpus/mixed/ gets strace logs and xlated dumps in one file).
#
#   sudo bash corpus/generate.sh
#
# Needs root, a kernel with BPF and BTF (/sys/kernel/btf/vmlinux), and the
# Debian packages strace bpftool clang clang-19 llvm libbpf-dev bpftrace
# (installed with apt-get when missing; clang-19 builds the -mcpu=v4
# program). Every pinned object (/sys/fs/bpf/bpflogs_corpus_*) and the
# cgroup it creates are removed again, also on failure. Re-running replaces
# every output file.
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
MIX=$HERE/mixed
PIN=/sys/fs/bpf/bpflogs_corpus
PY=/usr/bin/python3	# the distribution interpreter: no launcher shim, no extra SIGCHLD
GZIP_OVER=204800	# bytes; larger captures and dumps are stored as .gz
SIZE_LIMIT=3000000	# bytes; the whole corpus (strace/ xlated/ companion/ mixed/)
export LC_ALL=C

log() { printf 'generate.sh: %s\n' "$*" >&2; }
die() { log "$*"; exit 1; }
trap 'log "failed (status $?) at line $LINENO: $BASH_COMMAND"' ERR

# --- tools ---------------------------------------------------------------
need_pkgs=()
command -v strace >/dev/null || need_pkgs+=(strace)
command -v bpftool >/dev/null || need_pkgs+=(bpftool)
command -v clang >/dev/null || need_pkgs+=(clang)
command -v clang-19 >/dev/null || need_pkgs+=(clang-19)	# -mcpu=v4 needs clang >= 18
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
	case $c in
	cpu_v4.bpf.c) cc=clang-19 cpu=(-mcpu=v4) ;;	# cpu v4 instructions
	*) cc=clang cpu=() ;;	# Debian 12's default clang (14)
	esac
	# -fdebug-prefix-map: BTF line info says ./NAME.bpf.c, not the temp folder,
	# so the BTF blobs in the logs are the same on every run
	"$cc" -O2 -g -target bpf "${cpu[@]}" -D__TARGET_ARCH_x86 \
		-I. -I/usr/include/x86_64-linux-gnu \
		-fdebug-prefix-map="$BUILD"=. \
		-c "$c" -o "${c%.c}.o"
done
# a 54-byte IPv4/TCP packet for `bpftool prog run`
printf '\xff\xff\xff\xff\xff\xff\x02\x00\x00\x00\x00\x01\x08\x00' >pkt.bin
printf '\x45\x00\x00\x28\x00\x01\x00\x00\x40\x06\x00\x00\x0a\x00\x00\x01\x0a\x00\x00\x02' >>pkt.bin
printf '\x30\x39\x00\x50\x00\x00\x00\x00\x00\x00\x00\x00\x50\x02\x20\x00\x00\x00\x00\x00' >>pkt.bin

# --- captures ------------------------------------------------------------
mkdir -p "$OUT" "$XOUT" "$COMP" "$MIX"
rm -f "$OUT"/*.txt "$OUT"/*.txt.gz "$XOUT"/* "$COMP"/* "$MIX"/*

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

# xlated dumps (bpftool's own output, not strace) go to
# $XOUT/OBJECT.PROG.MODE.{txt,json}
XMODES=(plain opcodes linum json pretty)
# dump_prog OBJECT PROG PINNED_PATH [MODE...]   (default: every mode)
dump_prog() {
	local base=$XOUT/$1.$2 path=$3 mode
	shift 3
	(($#)) || set -- "${XMODES[@]}"
	for mode in "$@"; do
		case $mode in
		plain) bpftool prog dump xlated pinned "$path" >"$base.plain.txt" ;;
		opcodes) bpftool prog dump xlated pinned "$path" opcodes >"$base.opcodes.txt" ;;
		linum) bpftool prog dump xlated pinned "$path" linum >"$base.linum.txt" ;;
		json) bpftool -j prog dump xlated pinned "$path" >"$base.json.json" ;;
		pretty) bpftool -p prog dump xlated pinned "$path" >"$base.pretty.json" ;;
		*) die "dump_prog: unknown mode $mode" ;;
		esac
	done
}
# dump_dir OBJECT PIN_FOLDER: every program `bpftool prog loadall` pinned there
# (loadall pins each program under its ELF function name)
dump_dir() {
	local p n=0
	for p in "$2"/*; do
		dump_prog "$1" "${p##*/}" "$p"
		n=$((n + 1))
	done
	((n > 0)) || die "no program pinned in $2"
}
# mixed_dump PINNED_PATH XLATED_FILE COMMENT: the dump as if typed at a shell
mixed_dump() {
	local extra=''
	case $2 in
	*.opcodes.txt) extra=' opcodes' ;;
	*.linum.txt) extra=' linum' ;;
	esac
	printf '# %s\n$ bpftool prog dump xlated pinned %s%s\n' "$3" "$1" "$extra"
	cat "$2"
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

# 2. xlated dump and test run of the same program (this load is traced too,
# for mixed/ only: it is the same command as bpftool-prog-load-xdp_plain.txt)
strace -o "$BUILD/xdp-load.strace" -e trace=bpf bpftool prog load "$XDP_OBJ" "$PIN"_xdp
st bpftool-prog-dump-xlated-xdp_v-s256.txt -e trace=bpf -v -s 256 -- \
	bpftool prog dump xlated pinned "$PIN"_xdp >"$XOUT/xdp_stats.xdp_stats.plain.txt"
dump_prog xdp_stats xdp_stats "$PIN"_xdp opcodes linum json pretty
{
	cat "$BUILD/xdp-load.strace"
	mixed_dump "$PIN"_xdp "$XOUT/xdp_stats.xdp_stats.plain.txt" \
		"the XDP program loaded above, dumped with bpftool 7.1"
	mixed_dump "$PIN"_xdp "$XOUT/xdp_stats.xdp_stats.opcodes.txt" \
		"the same program with its instruction bytes"
} >"$MIX/xdp_load_and_dump.txt"
st bpftool-prog-run-xdp_tt-T.txt -e trace=bpf -tt -T -- \
	bpftool prog run pinned "$PIN"_xdp data_in pkt.bin data_out /dev/null repeat 1000 >/dev/null
rm -f "$PIN"_xdp

# 3. other program types
st bpftool-prog-load-socket_mixed.txt -e trace=bpf,openat,close,mmap,read -- \
	bpftool prog load sock_filter.bpf.o "$PIN"_socket
dump_prog sock_filter sock_count "$PIN"_socket
rm -f "$PIN"_socket

st bpftool-prog-loadall-tc-pinmaps_y.txt -e trace=bpf -y -- \
	bpftool prog loadall tc_classify.bpf.o "$PIN"_tc pinmaps "$PIN"_tc_maps
dump_dir tc_classify "$PIN"_tc
{
	cat "$OUT/bpftool-prog-loadall-tc-pinmaps_y.txt"
	for p in tc_classify tc_second; do
		mixed_dump "$PIN"_tc/$p "$XOUT/tc_classify.$p.plain.txt" \
			"program $p of the loadall above"
	done
} >"$MIX/tc_loadall_and_dump.txt"

st bpftool-prog-loadall-tracing_tt-T.txt -e trace=bpf -tt -T -- \
	bpftool prog loadall trace_events.bpf.o "$PIN"_tracing
dump_dir trace_events "$PIN"_tracing
{
	echo "# strace -o LOG -e trace=bpf -tt -T bpftool prog loadall trace_events.bpf.o ${PIN}_tracing"
	cat "$OUT/bpftool-prog-loadall-tracing_tt-T.txt"
	mixed_dump "$PIN"_tracing/tp_openat "$XOUT/trace_events.tp_openat.linum.txt" \
		"the tracepoint program, with source line numbers"
	mixed_dump "$PIN"_tracing/kp_nanosleep "$XOUT/trace_events.kp_nanosleep.plain.txt" \
		"the kprobe program (CO-RE relocated loads)"
} >"$MIX/tracing_loadall_tt-T_and_dump.txt"
rm -rf "$PIN"_tracing

st bpftool-prog-loadall-cgroup-skb_v.txt -e trace=bpf -v -- \
	bpftool prog loadall cgroup_skb.bpf.o "$PIN"_cgroup_skb
dump_dir cgroup_skb "$PIN"_cgroup_skb

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

# 9. bpftool's xlated dumps of a large program and of a cpu-v4 program
# (clang-19 -mcpu=v4; bpftool 7.1 prints BUG_... for some of it)
for obj in big_unroll cpu_v4; do
	bpftool prog loadall "$obj.bpf.o" "$PIN"_"$obj"
	dump_dir "$obj" "$PIN"_"$obj"
	rm -rf "$PIN"_"$obj"
done

# 10. a dump by name that matches two programs: one object loaded twice
bpftool prog loadall sock_filter.bpf.o "$PIN"_multi_a
bpftool prog loadall sock_filter.bpf.o "$PIN"_multi_b
bpftool prog dump xlated name sock_count >"$XOUT/sock_filter.multi-by-name.plain.txt"
bpftool -p prog dump xlated name sock_count >"$XOUT/sock_filter.multi-by-name.pretty.json"
rm -rf "$PIN"_multi_a "$PIN"_multi_b

# --- size limit and checks -----------------------------------------------
shopt -s nullglob
for f in "$OUT"/*.txt "$XOUT"/*.txt "$XOUT"/*.json "$MIX"/*.txt; do
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

# xlated/: f.txt or f.txt.gz; zcat -f reads both
insn_re='^ *[0-9]+: (\([0-9a-f]{2}\) |BUG_)'
# (grep -c reads everything: no SIGPIPE for zcat under pipefail, unlike grep -q)
ninsn() { zcat -f "$1" | grep -cE "$insn_re" || true; }
zhas() {
	local n
	n=$(zcat -f "$1" | grep -cE -- "$2" || true)
	((n > 0))
}
for f in "$XOUT"/*; do
	(($(zcat -f "$f" | wc -c) > 0)) || check "$f is empty"
	case $f in
	*.json | *.json.gz)
		zcat -f "$f" | "$PY" -m json.tool >/dev/null 2>&1 || check "$f is not valid JSON"
		;;
	*.opcodes.txt | *.opcodes.txt.gz)
		zhas "$f" '^       [0-9a-f]{2}( [0-9a-f]{2}){7}' || check "$f has no opcodes line"
		;;
	*.linum.txt | *.linum.txt.gz)
		zhas "$f" ' \[file:[^ ]+ line_num:[0-9]+ line_col:[0-9]+\]$' || check "$f has no [file: suffix"
		;;
	esac
	case $f in
	*.txt | *.txt.gz) (($(ninsn "$f") > 0)) || check "$f has no instruction line" ;;
	esac
done
nprogs=0
for obj in xdp_stats sock_filter tc_classify trace_events cgroup_skb big_unroll cpu_v4; do
	for mode in plain.txt opcodes.txt linum.txt json.json pretty.json; do
		n=$(find "$XOUT" -name "$obj.*.$mode" -o -name "$obj.*.$mode.gz" | grep -vc multi-by-name || true)
		((n > 0)) || check "no $mode dump of $obj"
		if [[ $mode == plain.txt ]]; then nprogs=$((nprogs + n)); fi
	done
done
((nprogs == 10)) || check "$nprogs programs dumped, expected 10"
multi=$XOUT/sock_filter.multi-by-name.plain.txt
nhead=$(grep -cE '^[0-9]+: socket_filter  name sock_count  tag [0-9a-f]{16}' "$multi" || true)
((nhead == 2)) || check "$multi has $nhead program headers, expected 2"
grep -qx '' "$multi" || check "$multi has no blank separator line"
[[ $("$PY" -c 'import json,sys; print(len(json.load(sys.stdin)))' <"$XOUT/sock_filter.multi-by-name.pretty.json") == 2 ]] ||
	check "multi-by-name pretty JSON does not have two programs"
nbig=$(ninsn "$(ls "$XOUT"/big_unroll.big_unroll.plain.txt*)")
((nbig >= 2000)) || check "big_unroll has only $nbig instructions"
zhas "$(ls "$XOUT"/cpu_v4.cpu_v4.plain.txt*)" 'BUG_|\((s8|s16|s32)\)|s/=|s%=|bswap|gotol' ||
	check "cpu_v4 dump shows no v4 instruction"
for f in "$MIX"/*; do
	grep -q 'bpf(' "$f" || check "$f has no bpf( line"
	grep -q '^\$ bpftool prog dump xlated pinned ' "$f" || check "$f has no \$ bpftool line"
	grep -qE "$insn_re" "$f" || check "$f has no xlated instruction"
done
total=$(du -cb "$OUT" "$XOUT" "$COMP" "$MIX" | tail -n 1 | cut -f 1)
((total < SIZE_LIMIT)) || check "corpus is $total bytes (limit $SIZE_LIMIT)"

# --- versions of this run ------------------------------------------------
{
	echo "strace: $(strace -V | head -n 1)"
	echo "bpftool: $(bpftool version | tr '\n' ' ' | sed 's/ *$//')"
	echo "clang: $(clang --version | head -n 1)"
	echo "clang-19: $(clang-19 --version | head -n 1)"
	echo "bpftrace: $(bpftrace --version)"
	echo "python: $($PY --version 2>&1)"
	echo "kernel: $(uname -srm)"
	if command -v dpkg-query >/dev/null; then
		dpkg-query -W -f 'package: ${Package} ${Version}\n' \
			strace bpftool clang clang-19 libbpf-dev bpftrace python3 2>/dev/null || true
	fi
} >"$HERE/versions.txt"

((fail == 0)) || die "some checks failed"
ncap=$(find "$OUT" -type f | wc -l)
ndump=$(find "$XOUT" -type f | wc -l)
log "done: $ncap captures in $OUT, $ndump dumps in $XOUT ($total bytes with companion/ and mixed/)"
