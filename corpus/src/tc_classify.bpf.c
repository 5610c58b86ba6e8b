// SPDX-License-Identifier: GPL-2.0
/* bpflogs corpus: tc classifier (BPF_PROG_TYPE_SCHED_CLS).
 *
 * Exercises: SEC("tc"); an lpm_trie of IPv4 prefixes to marks, a prog_array
 * for a tail call into a second classifier, skb->mark writes, two __noinline
 * subprograms, a .rodata table.
 */
#include <linux/bpf.h>
#include <linux/pkt_cls.h>
#include <linux/if_ether.h>
#include <linux/ip.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>

struct v4_prefix {
	__u32 prefixlen;
	__u8 addr[4];
};

struct {
	__uint(type, BPF_MAP_TYPE_LPM_TRIE);
	__uint(max_entries, 256);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, struct v4_prefix);
	__type(value, __u32);
} mark_by_prefix SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PROG_ARRAY);
	__uint(max_entries, 2);
	__type(key, __u32);
	__type(value, __u32);
} tc_jump SEC(".maps");

const volatile __u32 dscp_to_class[4] = { 10, 20, 30, 40 };

static __noinline __u32 lookup_mark(__u32 daddr)
{
	struct v4_prefix key = { .prefixlen = 32 };
	__u32 *mark;

	__builtin_memcpy(key.addr, &daddr, 4);
	mark = bpf_map_lookup_elem(&mark_by_prefix, &key);
	return mark ? *mark : 0;
}

static __noinline __u32 class_of(__u8 tos)
{
	return dscp_to_class[(tos >> 6) & 3];
}

SEC("tc")
int tc_classify(struct __sk_buff *skb)
{
	void *data = (void *)(long)skb->data;
	void *data_end = (void *)(long)skb->data_end;
	struct ethhdr *eth = data;
	struct iphdr *ip = (void *)(eth + 1);
	__u32 mark;

	if ((void *)(ip + 1) > data_end)
		return TC_ACT_OK;
	if (eth->h_proto != bpf_htons(ETH_P_IP))
		return TC_ACT_OK;

	mark = lookup_mark(ip->daddr);
	if (mark) {
		skb->mark = mark;
		bpf_tail_call(skb, &tc_jump, 0);
	}
	skb->priority = class_of(ip->tos);
	return TC_ACT_OK;
}

SEC("tc")
int tc_second(struct __sk_buff *skb)
{
	skb->mark |= 0x100;
	return TC_ACT_OK;
}

char LICENSE[] SEC("license") = "GPL";
