// SPDX-License-Identifier: GPL-2.0
/*
 * attach.c: `attach` and `detach`, and the table of links.
 *
 * Input: `attach <prog> <kind> <kind args...>` as in docs/loader-protocol.md.
 * Output: links recorded in state->links (every one an fd-based link owned by
 * this process, so the kernel detaches them even if we are SIGKILLed); the
 * reply's message is the number of links made. On failure nothing of the
 * failed command stays attached; the message's first line names what failed
 * and why, further lines hold libbpf's own warnings.
 * It uses libbpf's default attach settings; it never auto-attaches by section.
 */
#include <errno.h>
#include <linux/perf_event.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "loader.h"

#define MAX_CPUS 4096

static int links_add(struct state *st, const struct bpf_program *prog,
		     struct bpf_link *link, int fd)
{
	if (st->nlinks == st->links_cap) {
		size_t cap = st->links_cap ? 2 * st->links_cap : 64;
		struct link_ent *p = realloc(st->links, cap * sizeof(*p));

		if (!p) {
			if (link)
				bpf_link__destroy(link);
			else
				close(fd);
			return -ENOMEM;
		}
		st->links = p;
		st->links_cap = cap;
	}
	st->links[st->nlinks++] = (struct link_ent){ .prog = prog, .link = link, .fd = fd };
	return 0;
}

static void link_destroy(struct link_ent *l)
{
	if (l->link)
		bpf_link__destroy(l->link);
	else if (l->fd >= 0)
		close(l->fd);
}

/* Destroy the links from index `from` on (a failed multi-link attach). */
static void links_truncate(struct state *st, size_t from)
{
	while (st->nlinks > from)
		link_destroy(&st->links[--st->nlinks]);
}

void links_destroy_all(struct state *st)
{
	links_truncate(st, 0);
}

/* "<what>: <strerror>" and the error itself, for one-line returns. */
static int fail(struct cmd *c, int err, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int fail(struct cmd *c, int err, const char *fmt, ...)
{
	va_list ap;

	if (err >= 0)
		err = -EINVAL;
	va_start(ap, fmt);
	sb_vprintf(c->msg, fmt, ap);
	va_end(ap);
	/* 524 is the kernel's ENOTSUPP, which libc has no text for. */
	sb_printf(c->msg, ": %s", err == -524 ? "Operation not supported" : strerror(-err));
	return err;
}

/* Adds the link or returns the error; attach functions end with this. */
static int one_link(struct state *st, struct bpf_program *prog, struct bpf_link *link)
{
	int err = links_add(st, prog, link, -1);

	return err ? err : 1;
}

/* ---- one function per kind; a[] are the arguments after the kind */

static int att_tracepoint(struct state *st, struct cmd *c, struct bpf_program *prog, char **a)
{
	LIBBPF_OPTS(bpf_tracepoint_opts, opts);
	struct bpf_link *link;
	uint64_t cookie;

	if (parse_u64(c, "cookie", a[2], &cookie))
		return -EINVAL;
	opts.bpf_cookie = cookie;
	link = bpf_program__attach_tracepoint_opts(prog, a[0], a[1], &opts);
	if (!link)
		return fail(c, -errno, "tracepoint %s:%s", a[0], a[1]);
	return one_link(st, prog, link);
}

/*
 * libbpf 1.1 cannot pass a cookie to a raw tracepoint; Linux 6.10 can, in
 * BPF_RAW_TRACEPOINT_OPEN. The attr is spelled out here because the
 * installed uapi headers predate the field.
 */
struct raw_tp_open_attr {
	uint64_t name;
	uint32_t prog_fd;
	uint32_t pad;
	uint64_t cookie;
};

static int raw_tp_open_cookie(int prog_fd, const char *name, uint64_t cookie)
{
	struct raw_tp_open_attr attr = {
		.name = (uint64_t)(unsigned long)name,
		.prog_fd = (uint32_t)prog_fd,
		.cookie = cookie,
	};

	return (int)syscall(__NR_bpf, BPF_RAW_TRACEPOINT_OPEN, &attr, sizeof(attr));
}

static int att_raw_tracepoint(struct state *st, struct cmd *c, struct bpf_program *prog, char **a)
{
	struct bpf_link *link;
	uint64_t cookie;
	int fd, err;

	if (parse_u64(c, "cookie", a[1], &cookie))
		return -EINVAL;
	if (!cookie) {
		link = bpf_program__attach_raw_tracepoint(prog, a[0]);
		if (!link)
			return fail(c, -errno, "raw tracepoint %s", a[0]);
		return one_link(st, prog, link);
	}
	fd = raw_tp_open_cookie(bpf_program__fd(prog), a[0], cookie);
	if (fd < 0) {
		err = -errno;
		if (err == -EINVAL || err == -E2BIG)
			return fail(c, err, "raw tracepoint %s (cookies need Linux 6.10)", a[0]);
		return fail(c, err, "raw tracepoint %s", a[0]);
	}
	err = links_add(st, prog, NULL, fd);
	return err ? err : 1;
}

static bool kprobes_supported(void)
{
	return !access("/sys/bus/event_source/devices/kprobe/type", F_OK) ||
	       !access("/sys/kernel/tracing/kprobe_events", F_OK) ||
	       !access("/sys/kernel/debug/tracing/kprobe_events", F_OK);
}

static int att_kprobe(struct state *st, struct cmd *c, struct bpf_program *prog, char **a)
{
	LIBBPF_OPTS(bpf_kprobe_opts, opts);
	uint64_t offset, cookie;
	struct bpf_link *link;
	const char *kind;
	bool ret;
	int err;

	if (parse_u64(c, "offset", a[1], &offset) || parse_bool(c, "ret", a[2], &ret) ||
	    parse_u64(c, "cookie", a[3], &cookie))
		return -EINVAL;
	opts.offset = offset;
	opts.retprobe = ret;
	opts.bpf_cookie = cookie;
	kind = ret ? "kretprobe" : "kprobe";
	link = bpf_program__attach_kprobe_opts(prog, a[0], &opts);
	if (link)
		return one_link(st, prog, link);
	err = -errno;
	if ((err == -ENOENT || err == -EOPNOTSUPP || err == -524) && !kprobes_supported()) {
		sb_printf(c->msg, "%s %s: the kernel has no kprobe support (CONFIG_KPROBES)",
			  kind, a[0]);
		return err;
	}
	if (offset)
		return fail(c, err, "%s %s+%llu", kind, a[0], (unsigned long long)offset);
	return fail(c, err, "%s %s", kind, a[0]);
}

/* ---- prepared uprobes
 *
 * The first uprobe registered after a quiet spell waits for an RCU grace period in
 * the kernel (10-30 ms of perf_event_open on the machines we measure; the ones
 * right after it take microseconds). `prepare uprobe <path> <offset> <ret> <pid>`,
 * sent before `open`, queues that perf_event_open for one worker thread, so the wait
 * overlaps open, load and the other attaches; an `attach <prog> uprobe` with the
 * same arguments takes the prepared event and only links the program to it, as
 * libbpf's own uprobe attach does after its perf_event_open. The worker makes only
 * that syscall: it shares nothing with libbpf. A prepare that failed, or none, means
 * the attach runs libbpf's whole uprobe attach (and reports libbpf's error).
 */
struct prepared {
	char *path;
	uint64_t offset;
	bool ret;
	int64_t pid;
	int pfd; /* the perf event, or -errno; -1 once taken */
	bool done;
	bool taken;
	bool cancelled; /* a plan's prepare node never asked for (plan.c) */
	struct prepared *next;
};

static pthread_mutex_t prep_mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t prep_cv = PTHREAD_COND_INITIALIZER;
static struct prepared *prep_head, *prep_tail;
static struct prepared *prep_next; /* the worker's next entry (NULL: idle) */
static pthread_t prep_thread;
static bool prep_running, prep_stop;

/*
 * The number in a sysfs file, read with `fmt`: "%d" (the PMU's type) or "config:%d"
 * (the retprobe bit).
 */
static int read_sysfs_int(const char *path, const char *fmt)
{
	FILE *f = fopen(path, "r");
	int v = -1;

	if (!f)
		return -errno;
	if (fscanf(f, fmt, &v) != 1)
		v = -EINVAL;
	fclose(f);
	return v;
}

/* libbpf's perf_event_open_probe() for a uprobe (no ref_ctr_offset). */
static int open_uprobe(const struct prepared *p)
{
	struct perf_event_attr attr = { .size = sizeof(attr) };
	int type, bit, pfd;

	type = read_sysfs_int("/sys/bus/event_source/devices/uprobe/type", "%d");
	if (type < 0)
		return type;
	if (p->ret) {
		bit = read_sysfs_int("/sys/bus/event_source/devices/uprobe/format/retprobe", "config:%d");
		if (bit < 0)
			return bit;
		attr.config |= 1ULL << bit;
	}
	attr.type = (uint32_t)type;
	attr.config1 = (uint64_t)(uintptr_t)p->path;
	attr.config2 = p->offset;
	pfd = (int)syscall(__NR_perf_event_open, &attr, p->pid < 0 ? -1 : (pid_t)p->pid,
			   p->pid == -1 ? 0 : -1, -1, PERF_FLAG_FD_CLOEXEC);
	return pfd >= 0 ? pfd : -errno;
}

static void *prep_worker(void *arg)
{
	(void)arg;
	pthread_mutex_lock(&prep_mu);
	for (;;) {
		struct prepared *p;
		bool skip;
		int pfd;

		while (!prep_next && !prep_stop)
			pthread_cond_wait(&prep_cv, &prep_mu);
		if (!prep_next)
			break;
		p = prep_next;
		skip = prep_stop || p->cancelled;
		pthread_mutex_unlock(&prep_mu);
		pfd = skip ? -ECANCELED : open_uprobe(p);
		pthread_mutex_lock(&prep_mu);
		if (p->cancelled && pfd >= 0) {
			close(pfd);
			pfd = -ECANCELED;
		}
		p->pfd = pfd;
		p->done = true;
		prep_next = p->next;
		pthread_cond_broadcast(&prep_cv);
	}
	pthread_mutex_unlock(&prep_mu);
	return NULL;
}

/* `uprobe <path> <offset> <ret> <pid>`: a prepare's arguments (cmd_prepare, prepared_cancel). */
static int parse_prepare(struct cmd *c, int argc, char **argv, uint64_t *offset, bool *ret,
			 int64_t *pid)
{
	if (argc != 5 || strcmp(argv[0], "uprobe")) {
		sb_printf(c->msg, "prepare: expected uprobe <path> <offset> <ret> <pid>");
		return -EINVAL;
	}
	if (parse_u64(c, "file offset", argv[2], offset) || parse_bool(c, "ret", argv[3], ret) ||
	    parse_i64(c, "pid", argv[4], pid))
		return -EINVAL;
	return 0;
}

/* The first prepared entry with these arguments no attach took and no plan cancelled. */
static struct prepared *find_prepared(const char *path, uint64_t offset, bool ret, int64_t pid)
{
	struct prepared *p;

	for (p = prep_head; p; p = p->next)
		if (!p->taken && !p->cancelled && p->offset == offset && p->ret == ret &&
		    p->pid == pid && !strcmp(p->path, path))
			return p;
	return NULL;
}

int cmd_prepare(struct state *st, struct cmd *c, int argc, char **argv)
{
	struct prepared *p;
	uint64_t offset;
	int64_t pid;
	bool ret;

	(void)st;
	if (parse_prepare(c, argc, argv, &offset, &ret, &pid))
		return -EINVAL;
	p = calloc(1, sizeof(*p));
	if (!p || !(p->path = strdup(argv[1]))) {
		free(p);
		return -ENOMEM;
	}
	p->offset = offset;
	p->ret = ret;
	p->pid = pid;
	p->pfd = -1;
	pthread_mutex_lock(&prep_mu);
	if (!prep_running) {
		if (pthread_create(&prep_thread, NULL, prep_worker, NULL)) {
			/* No worker: the attach does all the work itself. */
			pthread_mutex_unlock(&prep_mu);
			free(p->path);
			free(p);
			return 0;
		}
		prep_running = true;
	}
	if (prep_tail)
		prep_tail->next = p;
	else
		prep_head = p;
	prep_tail = p;
	if (!prep_next)
		prep_next = p;
	pthread_cond_broadcast(&prep_cv);
	pthread_mutex_unlock(&prep_mu);
	return 0;
}

/* The prepared perf event for these arguments (waiting for the worker), or -ENOENT. */
static int take_prepared(const char *path, uint64_t offset, bool ret, int64_t pid)
{
	struct prepared *p;
	int pfd = -ENOENT;

	pthread_mutex_lock(&prep_mu);
	p = find_prepared(path, offset, ret, pid);
	if (p) {
		p->taken = true;
		while (!p->done)
			pthread_cond_wait(&prep_cv, &prep_mu);
		pfd = p->pfd;
		p->pfd = -1;
	}
	pthread_mutex_unlock(&prep_mu);
	return pfd;
}

/*
 * Undo one `prepare` (its arguments as cmd_prepare got them): the first entry with
 * these arguments that no attach took is closed now, or by the worker once opened.
 */
void prepared_cancel(int argc, char **argv)
{
	struct prepared *p;
	struct strbuf msg = { 0 };
	struct cmd c = { .seq = 0, .msg = &msg };
	uint64_t offset;
	int64_t pid;
	bool ret;

	int err = parse_prepare(&c, argc, argv, &offset, &ret, &pid);

	sb_free(&msg);
	if (err)
		return;
	pthread_mutex_lock(&prep_mu);
	p = find_prepared(argv[1], offset, ret, pid);
	if (p) {
		p->cancelled = true;
		if (p->done && p->pfd >= 0) {
			close(p->pfd);
			p->pfd = -ECANCELED;
		}
	}
	pthread_mutex_unlock(&prep_mu);
}

void prepared_close_all(void)
{
	struct prepared *p, *next;

	if (!prep_running)
		return;
	pthread_mutex_lock(&prep_mu);
	prep_stop = true;
	pthread_cond_broadcast(&prep_cv);
	pthread_mutex_unlock(&prep_mu);
	pthread_join(prep_thread, NULL);
	prep_running = false;
	for (p = prep_head; p; p = next) {
		next = p->next;
		if (p->pfd >= 0)
			close(p->pfd);
		free(p->path);
		free(p);
	}
	prep_head = prep_tail = prep_next = NULL;
	prep_stop = false;
}

static int att_uprobe(struct state *st, struct cmd *c, struct bpf_program *prog, char **a)
{
	LIBBPF_OPTS(bpf_uprobe_opts, opts);
	uint64_t offset, cookie;
	struct bpf_link *link;
	int64_t pid;
	bool ret;
	int pfd;

	if (parse_u64(c, "file offset", a[1], &offset) || parse_bool(c, "ret", a[2], &ret) ||
	    parse_i64(c, "pid", a[3], &pid) || parse_u64(c, "cookie", a[4], &cookie))
		return -EINVAL;
	pfd = take_prepared(a[0], offset, ret, pid);
	if (pfd >= 0) {
		LIBBPF_OPTS(bpf_perf_event_opts, pe_opts, .bpf_cookie = cookie);

		link = bpf_program__attach_perf_event_opts(prog, pfd, &pe_opts);
		if (link)
			return one_link(st, prog, link); /* the link owns pfd */
		close(pfd);
	}
	opts.retprobe = ret;
	opts.bpf_cookie = cookie;
	link = bpf_program__attach_uprobe_opts(prog, (pid_t)pid, a[0], (size_t)offset, &opts);
	if (!link)
		return fail(c, -errno, "%s %s:0x%llx", ret ? "uretprobe" : "uprobe", a[0],
			    (unsigned long long)offset);
	return one_link(st, prog, link);
}

static int att_usdt(struct state *st, struct cmd *c, struct bpf_program *prog, char **a)
{
	LIBBPF_OPTS(bpf_usdt_opts, opts);
	struct bpf_link *link;
	uint64_t cookie;
	int64_t pid;

	if (parse_i64(c, "pid", a[3], &pid) || parse_u64(c, "cookie", a[4], &cookie))
		return -EINVAL;
	opts.usdt_cookie = cookie;
	link = bpf_program__attach_usdt(prog, (pid_t)pid, a[0], a[1], a[2], &opts);
	if (!link)
		return fail(c, -errno, "usdt %s:%s:%s", a[0], a[1], a[2]);
	return one_link(st, prog, link);
}

/* Parse /sys/devices/system/cpu/online ("0-3,5,7-8"). */
static int online_cpus(int *cpus, int max)
{
	FILE *f = fopen("/sys/devices/system/cpu/online", "r");
	int n = 0, a, b;
	char sep;

	if (!f)
		return -errno;
	while (fscanf(f, "%d", &a) == 1) {
		b = a;
		sep = (char)fgetc(f);
		if (sep == '-') {
			if (fscanf(f, "%d", &b) != 1)
				break;
			sep = (char)fgetc(f);
		}
		for (; a <= b && n < max; a++)
			cpus[n++] = a;
		if (sep != ',')
			break;
	}
	fclose(f);
	return n ? n : -EINVAL;
}

static int att_perf(struct state *st, struct cmd *c, struct bpf_program *prog, char **a)
{
	LIBBPF_OPTS(bpf_perf_event_opts, opts);
	uint64_t type, config, period, cookie;
	static int cpus[MAX_CPUS];
	size_t first = st->nlinks;
	int ncpus, i, err;
	int64_t pid;
	bool freq;

	if (parse_u64(c, "type", a[0], &type) || parse_u64(c, "config", a[1], &config) ||
	    parse_u64(c, "period", a[2], &period) || parse_bool(c, "freq", a[3], &freq) ||
	    parse_i64(c, "pid", a[5], &pid) || parse_u64(c, "cookie", a[6], &cookie))
		return -EINVAL;
	if (!strcmp(a[4], "all")) {
		ncpus = online_cpus(cpus, MAX_CPUS);
		if (ncpus < 0)
			return fail(c, ncpus, "perf: /sys/devices/system/cpu/online");
	} else if (!strcmp(a[4], "one")) {
		cpus[0] = 0;
		ncpus = 1;
	} else {
		sb_printf(c->msg, "bad cpus '%s' (expected all or one)", a[4]);
		return -EINVAL;
	}
	opts.bpf_cookie = cookie;
	for (i = 0; i < ncpus; i++) {
		struct perf_event_attr attr = {
			.type = (uint32_t)type,
			.size = sizeof(attr),
			.config = config,
			.sample_period = period, /* sample_freq shares the union */
			.freq = freq,
			/* libbpf enables it once the program is attached. */
			.disabled = 1,
		};
		struct bpf_link *link;
		int pfd;

		pfd = (int)syscall(__NR_perf_event_open, &attr, (pid_t)pid, cpus[i], -1,
				   PERF_FLAG_FD_CLOEXEC);
		if (pfd < 0) {
			err = -errno;
			goto fail;
		}
		link = bpf_program__attach_perf_event_opts(prog, pfd, &opts);
		if (!link) {
			err = -errno;
			close(pfd);
			goto fail;
		}
		/* The link owns pfd now: destroying it disables and closes it. */
		err = links_add(st, prog, link, -1);
		if (err)
			goto fail;
	}
	return ncpus;
fail:
	links_truncate(st, first);
	return fail(c, err, "perf event type %llu config %llu on CPU %d",
		    (unsigned long long)type, (unsigned long long)config, cpus[i]);
}

static int att_fentry(struct state *st, struct cmd *c, struct bpf_program *prog, char **a)
{
	LIBBPF_OPTS(bpf_trace_opts, opts);
	struct bpf_link *link;
	uint64_t cookie;

	if (parse_u64(c, "cookie", a[0], &cookie))
		return -EINVAL;
	opts.cookie = cookie;
	link = bpf_program__attach_trace_opts(prog, &opts);
	if (!link)
		return fail(c, -errno, "%s", bpf_program__section_name(prog));
	return one_link(st, prog, link);
}

typedef int (*attach_fn)(struct state *st, struct cmd *c, struct bpf_program *prog, char **a);

static const struct {
	const char *kind;
	int nargs;
	attach_fn fn;
} ATTACH_KINDS[] = {
	{ "tracepoint", 3, att_tracepoint },	 /* category name cookie */
	{ "raw_tracepoint", 2, att_raw_tracepoint }, /* name cookie */
	{ "kprobe", 4, att_kprobe },		 /* func offset ret cookie */
	{ "uprobe", 5, att_uprobe },		 /* path offset ret pid cookie */
	{ "usdt", 5, att_usdt },		 /* path provider name pid cookie */
	{ "perf", 7, att_perf },		 /* type config period freq cpus pid cookie */
	{ "fentry", 1, att_fentry },		 /* cookie */
};

int cmd_attach(struct state *st, struct cmd *c, int argc, char **argv)
{
	struct bpf_program *prog;
	size_t i;
	int n;

	for (i = 0; i < sizeof(ATTACH_KINDS) / sizeof(ATTACH_KINDS[0]); i++)
		if (!strcmp(ATTACH_KINDS[i].kind, argv[1]))
			break;
	if (i == sizeof(ATTACH_KINDS) / sizeof(ATTACH_KINDS[0])) {
		sb_printf(c->msg, "attach: unknown kind '%s'", argv[1]);
		return -EINVAL;
	}
	if (argc - 2 != ATTACH_KINDS[i].nargs) {
		sb_printf(c->msg, "attach %s: expected %d arguments, got %d", argv[1],
			  ATTACH_KINDS[i].nargs, argc - 2);
		return -EINVAL;
	}
	prog = find_prog(st, c, argv[0]);
	if (!prog)
		return -ENOENT;
	if (!st->loaded || bpf_program__fd(prog) < 0) {
		sb_printf(c->msg, "attach %s: the object is not loaded", argv[0]);
		return -EINVAL;
	}
	capture_reset();
	n = ATTACH_KINDS[i].fn(st, c, prog, argv + 2);
	if (n < 0) {
		/* Line one says what failed; libbpf's details follow. */
		append_libbpf_log(c);
		return n;
	}
	sb_printf(c->msg, "%d", n);
	return 0;
}

int cmd_detach(struct state *st, struct cmd *c, int argc, char **argv)
{
	const struct bpf_program *prog;
	size_t i, kept = 0, before = st->nlinks;

	(void)argc;
	if (!strcmp(argv[0], "all")) {
		links_destroy_all(st);
		sb_printf(c->msg, "%zu", before);
		return 0;
	}
	prog = find_prog(st, c, argv[0]);
	if (!prog)
		return -ENOENT;
	for (i = 0; i < st->nlinks; i++) {
		if (st->links[i].prog == prog)
			link_destroy(&st->links[i]);
		else
			st->links[kept++] = st->links[i];
	}
	st->nlinks = kept;
	sb_printf(c->msg, "%zu", before - kept);
	return 0;
}
