// SPDX-License-Identifier: GPL-2.0
/* bpflogs corpus: tracing programs (needs vmlinux.h generated at build time).
 *
 * Exercises: BPF_PROG_TYPE_TRACEPOINT (syscalls:sys_enter_openat) writing to
 * a ringbuf, BPF_PROG_TYPE_KPROBE (do_nanosleep, CO-RE read of the current
 * task) writing to a perf event array, a hash map of per-pid counts, a
 * .rodata filter and a .bss counter, one __noinline subprogram.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>

const volatile int cfg_target_tgid = 0;	/* 0 = every process */
__u64 events_dropped;

struct open_event {
	__u32 pid;
	__s32 dfd;
	char comm[16];
	char fname[64];
};

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 64 * 1024);
} open_events SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERF_EVENT_ARRAY);
	__uint(key_size, sizeof(int));
	__uint(value_size, sizeof(int));
} sleep_events SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 1024);
	__type(key, __u32);
	__type(value, __u64);
} per_pid SEC(".maps");

static __noinline int wanted(__u32 tgid)
{
	__u64 one = 1, *n;

	if (cfg_target_tgid && tgid != (__u32)cfg_target_tgid)
		return 0;
	n = bpf_map_lookup_elem(&per_pid, &tgid);
	if (n)
		__sync_fetch_and_add(n, 1);
	else
		bpf_map_update_elem(&per_pid, &tgid, &one, BPF_ANY);
	return 1;
}

SEC("tracepoint/syscalls/sys_enter_openat")
int tp_openat(struct trace_event_raw_sys_enter *ctx)
{
	__u32 tgid = bpf_get_current_pid_tgid() >> 32;
	struct open_event *e;

	if (!wanted(tgid))
		return 0;
	e = bpf_ringbuf_reserve(&open_events, sizeof(*e), 0);
	if (!e) {
		__sync_fetch_and_add(&events_dropped, 1);
		return 0;
	}
	e->pid = tgid;
	e->dfd = (__s32)ctx->args[0];
	bpf_get_current_comm(e->comm, sizeof(e->comm));
	bpf_probe_read_user_str(e->fname, sizeof(e->fname), (void *)ctx->args[1]);
	bpf_ringbuf_submit(e, 0);
	return 0;
}

SEC("kprobe/do_nanosleep")
int BPF_KPROBE(kp_nanosleep, struct hrtimer_sleeper *t, enum hrtimer_mode mode)
{
	struct task_struct *task = (struct task_struct *)bpf_get_current_task();
	struct {
		__u32 tgid;
		__u32 ppid;
		__u32 mode;
	} ev;

	ev.tgid = BPF_CORE_READ(task, tgid);
	ev.ppid = BPF_CORE_READ(task, real_parent, tgid);
	ev.mode = mode;
	if (!wanted(ev.tgid))
		return 0;
	bpf_perf_event_output(ctx, &sleep_events, BPF_F_CURRENT_CPU, &ev, sizeof(ev));
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
