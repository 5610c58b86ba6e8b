// SPDX-License-Identifier: GPL-2.0
/* bpflogs corpus: a program the verifier must reject.
 *
 * The value returned by bpf_map_lookup_elem() may be NULL and is
 * dereferenced without a check, so BPF_PROG_LOAD fails with EACCES
 * ("R0 invalid mem access 'map_value_or_null'").
 */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 8);
	__type(key, __u32);
	__type(value, __u64);
} counters SEC(".maps");

SEC("xdp")
int xdp_unchecked(struct xdp_md *ctx)
{
	__u32 key = ctx->rx_queue_index & 7;
	__u64 *v = bpf_map_lookup_elem(&counters, &key);

	*v += 1;	/* missing NULL check: rejected */
	return XDP_PASS;
}

char LICENSE[] SEC("license") = "GPL";
