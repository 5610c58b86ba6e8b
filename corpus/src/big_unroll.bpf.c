// SPDX-License-Identifier: GPL-2.0
/* bpflogs corpus: a large program (thousands of xlated instructions).
 *
 * Exercises: index columns past 1000 (bpftool 7.1 prints " 1000: " with an
 * extra leading space), long straight-line code from fully unrolled loops
 * (#pragma unroll over a fixed-size array in a map value: 6 rounds x 64
 * words, about 5,100 instructions), a short forward branch per word (a few
 * hundred conditional jumps), ALU32 and ALU64 mixes, 64-bit constants
 * (ld_imm64), an array lookup the verifier inlines and one helper call at
 * the end. Every branch rejoins at once, so the verifier prunes and accepts
 * it quickly.
 */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

#define WORDS 64
#define ROUNDS 6

struct blob {
	__u32 w[WORDS];
	__u64 acc[8];
};

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct blob);
} blobs SEC(".maps");

SEC("socket")
int big_unroll(struct __sk_buff *skb)
{
	__u32 zero = 0, h = skb->len, r, i;
	__u64 wide = skb->hash;
	struct blob *b = bpf_map_lookup_elem(&blobs, &zero);

	if (!b)
		return 0;
#pragma unroll
	for (r = 0; r < ROUNDS; r++) {
#pragma unroll
		for (i = 0; i < WORDS; i++) {
			__u32 x = b->w[i];

			h = (h << 5 | h >> 27) ^ (x + r * 0x9e3779b1u + i);
			if (x & (1u << ((i + r) & 31)))
				h += 0x7f4a7c15u;
			b->w[i] = h;
		}
		wide = wide * 31 + h;
		b->acc[r & 7] += wide;
	}
	bpf_map_update_elem(&blobs, &zero, b, BPF_ANY);
	return h & 0xffff;
}

char LICENSE[] SEC("license") = "GPL";
