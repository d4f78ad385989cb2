// SPDX-License-Identifier: GPL-2.0
/*
 * maps.c: `dump`, `clear` and `zero`.
 *
 * Input: a map name of the loaded object. Output: for dump, one MAP frame
 * with every entry (per-CPU values in the kernel's layout: ncpus possible
 * CPUs, each round_up(value_size, 8) bytes, CPU 0 first); for clear and zero,
 * a REPLY whose message is the number of entries touched.
 * Entries are read with BPF_MAP_LOOKUP_BATCH where the map supports it (one
 * syscall per few thousand entries: 100k-entry maps dump in milliseconds),
 * else with get_next_key + lookup. It does not interpret keys or values.
 */
#include <endian.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "loader.h"

#define BATCH_CHUNK 4096u

struct entries {
	unsigned char *keys;
	unsigned char *vals;
	size_t n;
	size_t cap;
	uint32_t ks;
	uint32_t vs;
};

static bool is_percpu(enum bpf_map_type type)
{
	return type == BPF_MAP_TYPE_PERCPU_HASH || type == BPF_MAP_TYPE_PERCPU_ARRAY ||
	       type == BPF_MAP_TYPE_LRU_PERCPU_HASH ||
	       type == BPF_MAP_TYPE_PERCPU_CGROUP_STORAGE;
}

static bool is_array(enum bpf_map_type type)
{
	return type == BPF_MAP_TYPE_ARRAY || type == BPF_MAP_TYPE_PERCPU_ARRAY;
}

/* Key size, value size as the syscalls see it, and the CPUs it holds. */
static int map_layout(struct bpf_map *map, struct cmd *c, struct entries *e, uint32_t *ncpus)
{
	enum bpf_map_type type = bpf_map__type(map);
	uint32_t vs = bpf_map__value_size(map);
	const char *tname = libbpf_bpf_map_type_str(type);

	if (bpf_map__key_size(map) == 0 || bpf_map__fd(map) < 0) {
		sb_printf(c->msg, "map %s (%s) has no keys to read", bpf_map__name(map),
			  tname ? tname : "unknown type");
		return -EOPNOTSUPP;
	}
	*ncpus = 1;
	if (is_percpu(type)) {
		int n = libbpf_num_possible_cpus();

		if (n <= 0) {
			sb_printf(c->msg, "cannot count the possible CPUs");
			return n < 0 ? n : -EINVAL;
		}
		*ncpus = (uint32_t)n;
		vs = (uint32_t)n * ((vs + 7) / 8 * 8);
	}
	e->ks = bpf_map__key_size(map);
	e->vs = vs;
	return 0;
}

static int entries_grow(struct entries *e, size_t more)
{
	size_t cap = e->cap ? e->cap : BATCH_CHUNK;
	unsigned char *k, *v;

	if (e->n + more <= e->cap)
		return 0;
	while (cap < e->n + more)
		cap *= 2;
	k = realloc(e->keys, cap * e->ks);
	if (!k)
		return -ENOMEM;
	e->keys = k;
	v = realloc(e->vals, cap * (size_t)e->vs);
	if (!v)
		return -ENOMEM;
	e->vals = v;
	e->cap = cap;
	return 0;
}

static void entries_free(struct entries *e)
{
	free(e->keys);
	free(e->vals);
}

/* 524 is the kernel's ENOTSUPP: the map type has no batch operations. */
static bool batch_unsupported(int err)
{
	return err == -EINVAL || err == -524 || err == -EOPNOTSUPP;
}

/* Returns 1 when the map has no batch lookup (nothing was collected). */
static int collect_batch(int fd, struct entries *e)
{
	LIBBPF_OPTS(bpf_map_batch_opts, opts);
	/* The resume token: a bucket index for hashes, a key for arrays. */
	size_t tok = e->ks > 8 ? e->ks : 8;
	unsigned char *in = calloc(2, tok), *out = in ? in + tok : NULL;
	uint32_t chunk = BATCH_CHUNK, count;
	bool first = true;
	int err;

	if (!in)
		return -ENOMEM;
	for (;;) {
		err = entries_grow(e, chunk);
		if (err)
			break;
		count = chunk;
		err = bpf_map_lookup_batch(fd, first ? NULL : in, out, e->keys + e->n * e->ks,
					   e->vals + e->n * (size_t)e->vs, &count, &opts);
		err = err ? -errno : 0;
		if (err == -ENOSPC && count == 0) {
			/* One hash bucket holds more than `chunk` entries. */
			chunk *= 2;
			continue;
		}
		if (err && err != -ENOENT) {
			if (first && batch_unsupported(err))
				err = 1;
			break;
		}
		e->n += count;
		if (err == -ENOENT) {
			err = 0; /* the end of the map */
			break;
		}
		memcpy(in, out, tok);
		first = false;
	}
	free(in);
	return err;
}

static int collect_iter(int fd, struct entries *e, bool values)
{
	unsigned char *cur = malloc(e->ks);
	bool have_cur = false;
	int err = 0;

	if (!cur)
		return -ENOMEM;
	for (;;) {
		unsigned char *key;

		err = entries_grow(e, 1);
		if (err)
			break;
		key = e->keys + e->n * e->ks;
		if (bpf_map_get_next_key(fd, have_cur ? cur : NULL, key)) {
			err = errno == ENOENT ? 0 : -errno;
			break;
		}
		memcpy(cur, key, e->ks);
		have_cur = true;
		if (values && bpf_map_lookup_elem(fd, key, e->vals + e->n * (size_t)e->vs)) {
			if (errno == ENOENT)
				continue; /* deleted since get_next_key */
			err = -errno;
			break;
		}
		e->n++;
	}
	free(cur);
	return err;
}

static int collect(struct bpf_map *map, struct cmd *c, struct entries *e, bool values)
{
	int fd = bpf_map__fd(map);
	int err = collect_batch(fd, e);

	if (err == 1)
		err = collect_iter(fd, e, values);
	if (err)
		sb_printf(c->msg, "reading map %s: %s", bpf_map__name(map), strerror(-err));
	return err;
}

static void put_u32(unsigned char *p, uint32_t v)
{
	v = htole32(v);
	memcpy(p, &v, sizeof(v));
}

int cmd_dump(struct state *st, struct cmd *c, int argc, char **argv)
{
	struct bpf_map *map = find_map(st, c, argv[0]);
	struct entries e = { 0 };
	unsigned char head[20];
	uint64_t payload;
	uint32_t ncpus;
	size_t i;
	int err;

	(void)argc;
	if (!map)
		return -ENOENT;
	err = map_layout(map, c, &e, &ncpus);
	if (!err)
		err = collect(map, c, &e, true);
	if (err)
		goto out;
	payload = sizeof(head) + (uint64_t)e.n * (e.ks + (uint64_t)e.vs);
	if (payload > UINT32_MAX) {
		sb_printf(c->msg, "map %s is too large for one frame", argv[0]);
		err = -E2BIG;
		goto out;
	}
	out_frame_begin(FRAME_MAP, (uint32_t)payload);
	put_u32(head, c->seq);
	put_u32(head + 4, e.ks);
	put_u32(head + 8, e.vs);
	put_u32(head + 12, ncpus);
	put_u32(head + 16, (uint32_t)e.n);
	out_bytes(head, sizeof(head));
	for (i = 0; i < e.n; i++) {
		out_bytes(e.keys + i * e.ks, e.ks);
		out_bytes(e.vals + i * (size_t)e.vs, e.vs);
	}
	err = CMD_REPLIED;
out:
	entries_free(&e);
	return err;
}

/* Overwrite every collected entry's value with zero bytes. */
static int zero_values(struct bpf_map *map, struct cmd *c, struct entries *e)
{
	LIBBPF_OPTS(bpf_map_batch_opts, opts, .elem_flags = BPF_EXIST);
	int fd = bpf_map__fd(map);
	uint32_t count = (uint32_t)e->n;
	size_t i;

	memset(e->vals, 0, e->n * (size_t)e->vs);
	if (!e->n || bpf_map_update_batch(fd, e->keys, e->vals, &count, &opts) == 0)
		return 0;
	/*
	 * No batch update for this type, or a key vanished meanwhile: do it
	 * one by one (zeroing an entry twice is harmless).
	 */
	for (i = 0; i < e->n; i++) {
		if (bpf_map_update_elem(fd, e->keys + i * e->ks, e->vals, BPF_EXIST) &&
		    errno != ENOENT) {
			int err = -errno;

			sb_printf(c->msg, "zeroing map %s: %s", bpf_map__name(map), strerror(-err));
			return err;
		}
	}
	return 0;
}

static int delete_keys(struct bpf_map *map, struct cmd *c, struct entries *e)
{
	LIBBPF_OPTS(bpf_map_batch_opts, opts);
	int fd = bpf_map__fd(map);
	uint32_t count = (uint32_t)e->n;
	size_t i;

	if (!e->n || bpf_map_delete_batch(fd, e->keys, &count, &opts) == 0)
		return 0;
	/* As in zero_values; keys deleted already give ENOENT, ignored. */
	for (i = 0; i < e->n; i++) {
		if (bpf_map_delete_elem(fd, e->keys + i * e->ks) && errno != ENOENT) {
			int err = -errno;

			sb_printf(c->msg, "clearing map %s: %s", bpf_map__name(map), strerror(-err));
			return err;
		}
	}
	return 0;
}

static int clear_or_zero(struct state *st, struct cmd *c, const char *name, bool clear)
{
	struct bpf_map *map = find_map(st, c, name);
	struct entries e = { 0 };
	uint32_t ncpus;
	int err;

	if (!map)
		return -ENOENT;
	err = map_layout(map, c, &e, &ncpus);
	if (!err)
		err = collect(map, c, &e, false);
	if (!err) {
		/* Array entries cannot be deleted; clearing one zeroes it. */
		if (clear && !is_array(bpf_map__type(map)))
			err = delete_keys(map, c, &e);
		else
			err = zero_values(map, c, &e);
	}
	if (!err)
		sb_printf(c->msg, "%zu", e.n);
	entries_free(&e);
	return err;
}

int cmd_clear(struct state *st, struct cmd *c, int argc, char **argv)
{
	(void)argc;
	return clear_or_zero(st, c, argv[0], true);
}

int cmd_zero(struct state *st, struct cmd *c, int argc, char **argv)
{
	(void)argc;
	return clear_or_zero(st, c, argv[0], false);
}
