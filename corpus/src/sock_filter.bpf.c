// SPDX-License-Identifier: GPL-2.0
/* bpflogs corpus: socket filter.
 *
 * Exercises: BPF_PROG_TYPE_SOCKET_FILTER; an LRU hash map keyed by IPv4
 * source address and a percpu hash of per-protocol byte counts;
 * bpf_skb_load_bytes; one __noinline subprogram.
 */
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/ip.h>
#include <bpf/bpf_helpers.h>

struct src_stat {
	__u64 packets;
	__u64 bytes;
};

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 128);
	__type(key, __u32);
	__type(value, struct src_stat);
} src_lru SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_HASH);
	__uint(max_entries, 32);
	__type(key, __u8);
	__type(value, __u64);
} proto_bytes SEC(".maps");

static __noinline void note_source(__u32 saddr, __u32 len)
{
	struct src_stat *st, init = { .packets = 1, .bytes = len };

	st = bpf_map_lookup_elem(&src_lru, &saddr);
	if (st) {
		__sync_fetch_and_add(&st->packets, 1);
		__sync_fetch_and_add(&st->bytes, len);
	} else {
		bpf_map_update_elem(&src_lru, &saddr, &init, BPF_ANY);
	}
}

SEC("socket")
int sock_count(struct __sk_buff *skb)
{
	struct iphdr ip;
	__u64 *b, zero = 0;
	__u8 proto;

	if (skb->protocol != __constant_htons(ETH_P_IP))
		return skb->len;
	if (bpf_skb_load_bytes(skb, 0, &ip, sizeof(ip)) < 0)
		return skb->len;

	note_source(ip.saddr, skb->len);
	proto = ip.protocol;
	b = bpf_map_lookup_elem(&proto_bytes, &proto);
	if (!b) {
		bpf_map_update_elem(&proto_bytes, &proto, &zero, BPF_NOEXIST);
		b = bpf_map_lookup_elem(&proto_bytes, &proto);
		if (!b)
			return skb->len;
	}
	*b += skb->len;
	return skb->len;	/* keep the whole packet */
}

char LICENSE[] SEC("license") = "GPL";
