// SPDX-License-Identifier: GPL-2.0
/* bpflogs corpus: cpu v4 instructions (built with clang-19 -mcpu=v4).
 *
 * Exercises: sign-extending loads (LDX MEMSX: *(s8 *), *(s16 *), *(s32 *);
 * the s32 load of skb->hash is a context access, which the verifier turns
 * into a u32 load plus a movsx), sign-extending moves (movsx: (s8), (s16),
 * (s32) in ALU64, (s8), (s16) in ALU32), signed division and modulo
 * (sdiv/smod, 64- and 32-bit, register and immediate; the verifier adds its
 * divide-by-zero / -1 guards through r11), unconditional byte swaps
 * (bswap16/32/64), a `gotol` (JMP32|JA with the offset in imm; clang only
 * emits it for jumps farther than 32767 instructions, so it is written in
 * inline asm, behind a conditional jump so that no instruction is
 * unreachable) and 32-bit atomics (add, or, and, xor, fetch_add, xchg,
 * cmpxchg).
 * bpftool 7.1 carries the kernel 6.1 disassembler: it prints the MEMSX
 * loads and bswaps as BUG_..., movsx/sdiv/smod without their signedness and
 * gotol as a JMP32 "jmp" with an odd operator. That is the point.
 */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

struct v4_val {
	__s8 s8v;
	__u8 pad;
	__s16 s16v;
	__s32 s32v;
	__s64 s64v;
	__u32 cnt;
	__u32 flags;
	__s32 s32out;
};

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct v4_val);
} v4_vals SEC(".maps");

SEC("socket")
int cpu_v4(struct __sk_buff *skb)
{
	__u32 zero = 0;
	struct v4_val *v = bpf_map_lookup_elem(&v4_vals, &zero);
	__s64 a = skb->len, b = skb->mark | 1, acc = 0;
	__s32 c = skb->priority, d = skb->protocol | 1;
	__u64 u = skb->hash;

	if (!v)
		return 0;
	/* LDX MEMSX */
	acc += *(volatile __s8 *)&v->s8v;
	acc += *(volatile __s16 *)&v->s16v;
	acc += *(volatile __s32 *)&v->s32v;
	/* movsx */
	acc += (__s64)(__s8)a;
	acc += (__s64)(__s16)u;
	acc += (__s64)(__s32)u;
	acc += (__s32)(__s8)c;
	acc += (__s32)(__s16)d;
	v->s32out = (__s32)(__s8)(c ^ d) + (__s32)(__s16)(c + d);
	/* sdiv / smod */
	a = a + acc;
	acc += a / b;
	acc += a % b;
	acc += c / d;
	acc += c % d;
	acc += a / -7;
	acc += c % -5;
	/* bswap (BPF_ALU64 | BPF_END | BPF_TO_LE with imm 16/32/64) */
	acc += __builtin_bswap16((__u16)u);
	acc += __builtin_bswap32((__u32)u);
	acc += __builtin_bswap64(u ^ (__u64)acc);
	/* gotol: JMP32|JA with the offset in imm */
	asm volatile("if %[x] s> 5 goto +2\n\t"
		     "%[x] += 3\n\t"
		     "gotol +1\n\t"
		     "%[x] -= 3\n\t"
		     : [x] "+r"(acc));
	/* 32-bit atomics */
	__sync_fetch_and_add(&v->cnt, 1);
	__sync_fetch_and_or(&v->flags, 0x10);
	__sync_fetch_and_and(&v->flags, ~0x2u);
	__sync_fetch_and_xor(&v->flags, 0x100);
	acc += __sync_fetch_and_add(&v->cnt, 2);
	acc += __sync_lock_test_and_set(&v->flags, (__u32)acc);
	acc += __sync_val_compare_and_swap(&v->cnt, 7, (__u32)u);
	v->s64v = acc;
	return (int)(acc & 0xff);
}

char LICENSE[] SEC("license") = "GPL";
