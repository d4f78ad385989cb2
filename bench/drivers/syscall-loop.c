// SPDX-License-Identifier: GPL-2.0
/*
 * syscall-loop: the traced workload of the benchmarks.
 *
 * Input:  syscall-loop <getppid|getpgid|marker> <calls> [batch]
 * Output: one line on stdout,
 *   syscall-loop mode=M calls=N avg_ns=A med_ns=B min_ns=C wall_ns=W
 * where avg_ns is the whole loop's time per call (what a traced process feels),
 * and med_ns / min_ns are the median and fastest per-call times of the batches
 * (robust against a noisy neighbour for the per-event cost benchmarks).
 *
 * getppid: `calls` getppid() syscalls (the tracepoint the per-event and printf
 *          benchmarks trace).
 * getpgid: getpgid(i) for i in 0..calls-1, so a tracer keyed by args->pid sees
 *          exactly `calls` distinct keys (the map-printing benchmark). The pids
 *          mostly do not exist; ESRCH is as good as success for a tracepoint.
 * marker:  calls bench_marker(), the uprobe/uretprobe target of script (c).
 *
 * It pins nothing itself: the harness runs it under taskset. It must not do
 * anything else in the timed loop (no allocation, no printing).
 */
#define _GNU_SOURCE
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#define MAX_BATCHES 4096

/* A uprobe target: not inlined, not optimised away, with a symbol. */
__attribute__((noinline, used)) int bench_marker(int x)
{
	__asm__ volatile("" : : "r"(x) : "memory");
	return x + 1;
}

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

enum mode { M_GETPPID, M_GETPGID, M_MARKER };

/* Runs calls [from, to) of the loop. The syscall is issued directly so libc
 * can never answer it from a cache. */
static void run_calls(enum mode m, long from, long to)
{
	long i;

	for (i = from; i < to; i++) {
		switch (m) {
		case M_GETPPID:
			syscall(SYS_getppid);
			break;
		case M_GETPGID:
			syscall(SYS_getpgid, (pid_t)i);
			break;
		case M_MARKER:
			bench_marker((int)i);
			break;
		}
	}
}

int main(int argc, char **argv)
{
	static double per_call[MAX_BATCHES];
	long calls, batch, done = 0;
	uint64_t t0, t1, start;
	int nb = 0;
	enum mode m;

	if (argc < 3 || argc > 4) {
		fprintf(stderr, "usage: syscall-loop <getppid|getpgid|marker> <calls> [batch]\n");
		return 2;
	}
	if (!strcmp(argv[1], "getppid"))
		m = M_GETPPID;
	else if (!strcmp(argv[1], "getpgid"))
		m = M_GETPGID;
	else if (!strcmp(argv[1], "marker"))
		m = M_MARKER;
	else {
		fprintf(stderr, "syscall-loop: unknown mode '%s'\n", argv[1]);
		return 2;
	}
	calls = atol(argv[2]);
	batch = argc == 4 ? atol(argv[3]) : 0;
	if (calls <= 0 || batch < 0) {
		fprintf(stderr, "syscall-loop: bad numbers\n");
		return 2;
	}
	/* Default: about 40 batches; never more than MAX_BATCHES. */
	if (batch == 0)
		batch = calls / 40 ? calls / 40 : 1;
	if (calls / batch >= MAX_BATCHES)
		batch = calls / (MAX_BATCHES - 1) + 1;

	start = now_ns();
	while (done < calls) {
		long n = calls - done < batch ? calls - done : batch;

		t0 = now_ns();
		run_calls(m, done, done + n);
		t1 = now_ns();
		/* A short tail batch would be noisy: only full batches are ranked. */
		if (n == batch)
			per_call[nb++] = (double)(t1 - t0) / (double)n;
		done += n;
	}
	t1 = now_ns();
	if (nb == 0)
		per_call[nb++] = (double)(t1 - start) / (double)calls;
	qsort(per_call, (size_t)nb, sizeof(per_call[0]), cmp_double);
	printf("syscall-loop mode=%s calls=%ld avg_ns=%.1f med_ns=%.1f min_ns=%.1f wall_ns=%llu\n",
	       argv[1], calls, (double)(t1 - start) / (double)calls, per_call[nb / 2], per_call[0],
	       (unsigned long long)(t1 - start));
	fflush(stdout);
	return 0;
}
