// SPDX-License-Identifier: GPL-2.0
/*
 * bl-loader: the tiny loader of the hand-written baselines.
 *
 * Input:  bl-loader <object.bpf.o> <program>
 * Output: "ready" on stdout once <program> is loaded and attached with
 *         libbpf's default attach for its SEC() (a perf-event tracepoint link,
 *         as the tools use); on SIGINT or SIGTERM, "total=T keys=K" where T is
 *         the sum of every u64 word of every value of the map `<program>_map`
 *         over all CPUs (the event count for the counting baselines) and K its
 *         number of keys, then it exits 0.
 * Only the named program is loaded; the others in the object stay unloaded.
 * It does nothing else: no ring buffer, no polling, nothing on the hot path.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

static int quiet_print(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	if (level == LIBBPF_WARN)
		return vfprintf(stderr, fmt, ap);
	return 0;
}

/* Sum every u64 word of every value (all CPUs) and count the keys. */
static int map_total(struct bpf_map *map, unsigned long long *total, unsigned long *keys)
{
	int fd = bpf_map__fd(map), ncpus = libbpf_num_possible_cpus();
	size_t ksz = bpf_map__key_size(map), vsz = bpf_map__value_size(map);
	bool percpu = bpf_map__type(map) == BPF_MAP_TYPE_PERCPU_ARRAY ||
		      bpf_map__type(map) == BPF_MAP_TYPE_PERCPU_HASH;
	size_t stride = percpu ? (vsz + 7) / 8 * 8 : vsz;
	size_t vbytes = percpu ? stride * (size_t)ncpus : vsz;
	void *key = calloc(1, ksz), *next = calloc(1, ksz);
	unsigned char *val = calloc(1, vbytes);
	void *prev = NULL;

	if (!key || !next || !val || ncpus <= 0)
		return -ENOMEM;
	*total = 0;
	*keys = 0;
	while (!bpf_map_get_next_key(fd, prev, next)) {
		size_t o;

		memcpy(key, next, ksz);
		prev = key;
		if (bpf_map_lookup_elem(fd, key, val))
			continue;
		(*keys)++;
		for (o = 0; o + 8 <= vbytes; o += 8) {
			unsigned long long w;

			memcpy(&w, val + o, 8);
			*total += w;
		}
	}
	free(key);
	free(next);
	free(val);
	return 0;
}

int main(int argc, char **argv)
{
	unsigned long long total = 0;
	struct bpf_program *prog, *p;
	struct bpf_object *obj;
	struct bpf_link *link;
	unsigned long keys = 0;
	struct bpf_map *map;
	char mapname[128];
	sigset_t set;
	int sig;

	if (argc != 3) {
		fprintf(stderr, "usage: bl-loader <object.bpf.o> <program>\n");
		return 2;
	}
	libbpf_set_print(quiet_print);
	/* Block the stop signals before anything can attach, then wait for them. */
	sigemptyset(&set);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	sigprocmask(SIG_BLOCK, &set, NULL);

	obj = bpf_object__open_file(argv[1], NULL);
	if (!obj) {
		fprintf(stderr, "bl-loader: open %s: %s\n", argv[1], strerror(errno));
		return 1;
	}
	prog = bpf_object__find_program_by_name(obj, argv[2]);
	if (!prog) {
		fprintf(stderr, "bl-loader: no program %s\n", argv[2]);
		return 1;
	}
	bpf_object__for_each_program(p, obj)
		bpf_program__set_autoload(p, p == prog);
	if (bpf_object__load(obj)) {
		fprintf(stderr, "bl-loader: load: %s\n", strerror(errno));
		return 1;
	}
	link = bpf_program__attach(prog);
	if (!link) {
		fprintf(stderr, "bl-loader: attach %s: %s\n", argv[2], strerror(errno));
		return 1;
	}
	printf("ready\n");
	fflush(stdout);

	sigwait(&set, &sig);
	bpf_link__destroy(link);
	snprintf(mapname, sizeof(mapname), "%s_map", argv[2]);
	map = bpf_object__find_map_by_name(obj, mapname);
	if (map && !map_total(map, &total, &keys))
		printf("total=%llu keys=%lu\n", total, keys);
	fflush(stdout);
	bpf_object__close(obj);
	return 0;
}
