// SPDX-License-Identifier: GPL-2.0
/*
 * Hand-written libbpf baselines for the per-event cost benchmarks: what a
 * careful person would write by hand for each one-liner on
 * tracepoint:syscalls:sys_enter_getppid. bench/baselines/bl-loader.c loads this
 * object and attaches ONE program, chosen by name:
 *
 *   bl_count     @ = count()          per-CPU array, one slot
 *   bl_tid       @[tid] = count()     per-CPU hash keyed by tid
 *   bl_hist      @h = hist(pid)       per-CPU array of log2 buckets
 *   bl_comm_sum  @[comm] = sum(tid)   per-CPU hash keyed by comm
 *
 * Every program updates its per-CPU value in place through the lookup pointer
 * (no copy, no atomics) and returns 0. Map sizes follow bpftrace's defaults
 * (4096 keys) so the hash maps are comparable with what the tools create.
 * It must stay minimal: it is the yardstick, not a feature.
 */
#include <linux/types.h>
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

#define MAX_KEYS 4096
/* bpftrace's log2 histogram: [neg], [0], then one bucket per power of two. */
#define HIST_SLOTS 66

char LICENSE[] SEC("license") = "GPL";

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u64);
} bl_count_map SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_HASH);
	__uint(max_entries, MAX_KEYS);
	__type(key, __u32);
	__type(value, __u64);
} bl_tid_map SEC(".maps");

struct hist_slots {
	__u64 slot[HIST_SLOTS];
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct hist_slots);
} bl_hist_map SEC(".maps");

struct comm_key {
	char comm[16];
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_HASH);
	__uint(max_entries, MAX_KEYS);
	__type(key, struct comm_key);
	__type(value, __s64);
} bl_comm_sum_map SEC(".maps");

SEC("tracepoint/syscalls/sys_enter_getppid")
int bl_count(void *ctx)
{
	__u32 zero = 0;
	__u64 *n = bpf_map_lookup_elem(&bl_count_map, &zero);

	if (n)
		*n += 1;
	return 0;
}

SEC("tracepoint/syscalls/sys_enter_getppid")
int bl_tid(void *ctx)
{
	__u32 tid = (__u32)bpf_get_current_pid_tgid();
	__u64 *n = bpf_map_lookup_elem(&bl_tid_map, &tid);
	__u64 one = 1;

	if (n) {
		*n += 1;
		return 0;
	}
	/* First event of this thread: insert it; if another CPU won the race,
	 * the key exists now and this CPU's slot is updated in place. */
	if (bpf_map_update_elem(&bl_tid_map, &tid, &one, BPF_NOEXIST)) {
		n = bpf_map_lookup_elem(&bl_tid_map, &tid);
		if (n)
			*n += 1;
	}
	return 0;
}

/* Index of the highest set bit of v (v > 0). */
static __always_inline __u32 bl_log2(__u64 v)
{
	__u32 r = 0;

	if (v >> 32) { v >>= 32; r += 32; }
	if (v >> 16) { v >>= 16; r += 16; }
	if (v >> 8) { v >>= 8; r += 8; }
	if (v >> 4) { v >>= 4; r += 4; }
	if (v >> 2) { v >>= 2; r += 2; }
	if (v >> 1) r += 1;
	return r;
}

SEC("tracepoint/syscalls/sys_enter_getppid")
int bl_hist(void *ctx)
{
	__s64 x = (__s64)(bpf_get_current_pid_tgid() >> 32);
	struct hist_slots *h;
	__u32 zero = 0, i;

	h = bpf_map_lookup_elem(&bl_hist_map, &zero);
	if (!h)
		return 0;
	i = x < 0 ? 0 : x == 0 ? 1 : 2 + bl_log2((__u64)x);
	if (i < HIST_SLOTS)
		h->slot[i] += 1;
	return 0;
}

SEC("tracepoint/syscalls/sys_enter_getppid")
int bl_comm_sum(void *ctx)
{
	__s64 tid = (__s64)(__u32)bpf_get_current_pid_tgid();
	struct comm_key k = {};
	__s64 *sum;

	bpf_get_current_comm(k.comm, sizeof(k.comm));
	sum = bpf_map_lookup_elem(&bl_comm_sum_map, &k);
	if (sum) {
		*sum += tid;
		return 0;
	}
	if (bpf_map_update_elem(&bl_comm_sum_map, &k, &tid, BPF_NOEXIST)) {
		sum = bpf_map_lookup_elem(&bl_comm_sum_map, &k);
		if (sum)
			*sum += tid;
	}
	return 0;
}
