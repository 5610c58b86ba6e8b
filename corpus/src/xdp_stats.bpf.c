// SPDX-License-Identifier: GPL-2.0
/* bpflogs corpus: XDP packet statistics.
 *
 * Exercises: BPF_PROG_TYPE_XDP; hash, array, percpu_array and lpm_trie maps;
 * global data in .rodata (const volatile), .data and .bss; static and global
 * __noinline subprograms (bpf-to-bpf calls); atomic adds; bounds checks.
 * This object is the one loaded under every strace flag set in the corpus
 * (bpftool-prog-load-xdp_*.txt), so keep it stable.
 */
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/ip.h>
#include <linux/in.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>

/* .rodata: set before load by a loader, frozen by libbpf */
const volatile __u32 cfg_drop_proto = 0;	/* 0 = never drop by protocol */
const volatile __u32 cfg_sample_every = 16;

/* .data */
__u32 blocked_prefix_hits = 0x5a5a;
char banner[8] = "bpflogs";

/* .bss */
__u64 pkts_total;
__u64 bytes_total;

struct lpm_v4_key {
	__u32 prefixlen;
	__u32 addr;
};

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 256);
	__type(key, __u16);		/* ethertype */
	__type(value, __u64);
} proto_count SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 4);
	__type(key, __u32);
	__type(value, __u32);
} xdp_config SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 2);
	__type(key, __u32);
	__type(value, __u64);
} len_stats SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_LPM_TRIE);
	__uint(max_entries, 64);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, struct lpm_v4_key);
	__type(value, __u32);
} blocklist_v4 SEC(".maps");

/* static subprogram: a real bpf-to-bpf call (BPF_PSEUDO_CALL) */
static __noinline int bump_proto(__u16 proto)
{
	__u64 one = 1, *cnt;

	cnt = bpf_map_lookup_elem(&proto_count, &proto);
	if (cnt) {
		__sync_fetch_and_add(cnt, 1);
		return 0;
	}
	return bpf_map_update_elem(&proto_count, &proto, &one, BPF_NOEXIST);
}

/* global subprogram: verified on its own, scalar argument only */
__noinline int account_len(__u32 len)
{
	__u32 slot = len > 512 ? 1 : 0;
	__u64 *v = bpf_map_lookup_elem(&len_stats, &slot);

	if (!v)
		return 0;
	*v += len;
	return (int)slot;
}

static __noinline int v4_blocked(struct iphdr *ip, void *data_end)
{
	struct lpm_v4_key key;
	__u32 *hit;

	if ((void *)(ip + 1) > data_end)
		return 0;
	key.prefixlen = 32;
	key.addr = ip->saddr;
	hit = bpf_map_lookup_elem(&blocklist_v4, &key);
	if (!hit)
		return 0;
	__sync_fetch_and_add(&blocked_prefix_hits, 1);
	return cfg_drop_proto == 0 || ip->protocol == cfg_drop_proto;
}

SEC("xdp")
int xdp_stats(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
	struct ethhdr *eth = data;
	__u32 key = 0, *mode;
	__u16 proto;

	if ((void *)(eth + 1) > data_end)
		return XDP_ABORTED;

	__sync_fetch_and_add(&pkts_total, 1);
	__sync_fetch_and_add(&bytes_total, (__u64)(data_end - data));
	proto = bpf_ntohs(eth->h_proto);
	bump_proto(proto);
	account_len((__u32)(data_end - data));

	mode = bpf_map_lookup_elem(&xdp_config, &key);
	if (mode && *mode == 1 && (pkts_total % cfg_sample_every) == 0)
		return XDP_DROP;

	if (proto == ETH_P_IP && v4_blocked((struct iphdr *)(eth + 1), data_end))
		return XDP_DROP;
	return XDP_PASS;
}

char LICENSE[] SEC("license") = "GPL";
