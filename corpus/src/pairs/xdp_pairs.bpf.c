// SPDX-License-Identifier: GPL-2.0
/* bpflogs diff ground truth: the one program of the code pairs.
 *
 * An XDP program of ordinary shape: a hash map (per-source flow records,
 * 1024 entries) and an array map (counters), helper calls
 * (map lookup/update, ktime, smp_processor_id), several early returns whose
 * forward jumps cross the middle of xdp_pairs(), and two static __noinline
 * subprograms (bpf-to-bpf calls), so that the xlated dumps have three
 * functions.
 *
 * Variants, each built from this same file (so the BTF line info and the
 * source lines quoted in the dumps stay the same):
 *   -DLEN_LIMIT=N       the length threshold compared in xdp_pairs()
 *                       (default 1000; constant-changed builds 1000 vs 1200)
 *   -DEXTRA_STATEMENT   adds one statement in the middle of xdp_pairs()
 *                       (statement-added)
 * Do not move lines around: corpus/pairs/README.md quotes line numbers.
 */
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/ip.h>
#include <linux/in.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>

#ifndef LEN_LIMIT
#define LEN_LIMIT 1000
#endif

enum {
	CNT_NON_IP = 0,
	CNT_SHORT = 1,
	CNT_TTL = 2,
	CNT_BIG = 3,
	CNT_EXTRA = 4,
	CNT_SLOTS = 8,
};

struct flow {
	__u64 pkts;
	__u64 bytes;
	__u64 last_ns;
	__u32 cpu;
	__u32 proto;
};

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 1024);
	__type(key, __u32);		/* IPv4 source address */
	__type(value, struct flow);
} flows SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, CNT_SLOTS);
	__type(key, __u32);
	__type(value, __u64);
} counters SEC(".maps");

/* subprogram 1: counters[slot] += 1 */
static __noinline int bump(__u32 slot)
{
	__u64 *c = bpf_map_lookup_elem(&counters, &slot);

	if (!c)
		return 0;
	__sync_fetch_and_add(c, 1);
	return 1;
}

/* subprogram 2: create or update the flow record of one source address */
static __noinline int track_flow(__u32 saddr, __u32 len, __u32 proto)
{
	struct flow *f, init = {};

	f = bpf_map_lookup_elem(&flows, &saddr);
	if (!f) {
		init.pkts = 1;
		init.bytes = len;
		init.last_ns = bpf_ktime_get_ns();
		init.cpu = bpf_get_smp_processor_id();
		init.proto = proto;
		return bpf_map_update_elem(&flows, &saddr, &init, BPF_NOEXIST);
	}
	f->pkts += 1;
	f->bytes += len;
	f->last_ns = bpf_ktime_get_ns();
	return 0;
}

SEC("xdp")
int xdp_pairs(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
	struct ethhdr *eth = data;
	struct iphdr *ip;
	int action = XDP_PASS;
	__u32 len;

	if ((void *)(eth + 1) > data_end)
		return XDP_ABORTED;
	if (eth->h_proto != bpf_htons(ETH_P_IP)) {
		bump(CNT_NON_IP);
		goto out;
	}
	ip = (void *)(eth + 1);
	if ((void *)(ip + 1) > data_end) {
		bump(CNT_SHORT);
		action = XDP_DROP;
		goto out;
	}
	len = bpf_ntohs(ip->tot_len);
	if (ip->ttl <= 1) {
		bump(CNT_TTL);
		action = XDP_DROP;
		goto out;
	}
	track_flow(ip->saddr, len, ip->protocol);
#ifdef EXTRA_STATEMENT
	bump(CNT_EXTRA);
#endif
	if (len >= LEN_LIMIT) {
		bump(CNT_BIG);
		if (ip->protocol == IPPROTO_UDP)
			action = XDP_DROP;
	}
out:
	return action;
}

char LICENSE[] SEC("license") = "GPL";
