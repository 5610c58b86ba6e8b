// SPDX-License-Identifier: GPL-2.0
/* bpflogs corpus: cgroup skb ingress/egress counters.
 *
 * Exercises: BPF_PROG_TYPE_CGROUP_SKB with two attach types
 * (cgroup_skb/ingress, cgroup_skb/egress); a percpu array and a plain
 * array; a __noinline subprogram shared by both programs.
 */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

enum { DIR_IN = 0, DIR_OUT = 1 };

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 2);
	__type(key, __u32);
	__type(value, __u64);
} cg_bytes SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u32);
} cg_policy SEC(".maps");

static __noinline int account(__u32 dir, __u32 len)
{
	__u64 *v = bpf_map_lookup_elem(&cg_bytes, &dir);

	if (v)
		*v += len;
	return 1;
}

SEC("cgroup_skb/ingress")
int cg_ingress(struct __sk_buff *skb)
{
	__u32 zero = 0, *deny = bpf_map_lookup_elem(&cg_policy, &zero);

	account(DIR_IN, skb->len);
	return deny && *deny ? 0 : 1;
}

SEC("cgroup_skb/egress")
int cg_egress(struct __sk_buff *skb)
{
	return account(DIR_OUT, skb->len);
}

char LICENSE[] SEC("license") = "GPL";
