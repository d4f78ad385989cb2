// SPDX-License-Identifier: GPL-2.0
/*
 * plan.c: the commands a previous run sent first, done before node asks for them.
 *
 * bin/bpfscript forks the helper off and then starts node, which needs about 50 ms
 * before it sends its first command; the helper would idle meanwhile. A plan is what
 * the last run with the same command line (and working directory, and user) sent
 * before its first attach: its prepares, open, sets and load, written by the runtime
 * (Loader.savePlan) to the file `--exec` names in BPFSCRIPT_LOADER_PLAN. The helper
 * does those commands at its start. When node then sends a command whose text (without
 * the seq) is the plan's next one, byte for byte, it gets the answer the helper already
 * has. The first command that differs ends the plan: what the plan did and node has not
 * asked for is undone (the object closed, the prepares not yet asked for cancelled),
 * the part node did ask for is done again for real, in order, and from then on every
 * command runs as it always does. Node's commands decide what is done; a plan only
 * changes when.
 *
 * A plan is used only if it is the user's own file (not writable by others), every
 * command in it succeeded (a failure is never answered from a plan: it is undone and
 * left to node's command), and each binary it plants a uprobe in is still the file it
 * was (device, inode, size, mtime) when the runtime resolved the offsets.
 *
 * File: a line `bpfscript-plan 2`, a line `boot <boot id>` (the plan holds in that boot
 * only), `check <path> <dev> <ino> <size> <mtime ns>` lines (path percent-encoded: each
 * binary a uprobe is planted in and each file the compile read, its script's file and
 * the compiler's build), then one command per line as the runtime sends it without its
 * seq (only prepare, open, set and load). bin/bpfscript also starts node from the
 * snapshot without the compiler when the plan holds (loader.c, --run-blob).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "loader.h"

#define PLAN_MAX_BYTES (1u << 20)

struct plan_cmd {
	char *text;
	char *msg;
	size_t msglen;
	bool prepare;
};

static struct plan_cmd *cmds;
static size_t ncmds, next_cmd;
static bool active, plan_verbose;

static void say(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void say(const char *fmt, ...)
{
	va_list ap;

	if (!plan_verbose)
		return;
	va_start(ap, fmt);
	fputs("bpfscript-loader: plan: ", stderr);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
}

static void plan_free(void)
{
	size_t i;

	for (i = 0; i < ncmds; i++)
		free(cmds[i].text), free(cmds[i].msg);
	free(cmds);
	cmds = NULL;
	ncmds = next_cmd = 0;
	active = false;
}

/* Cancel the plan's prepares from index `from` on (node never asked for them). */
static void cancel_prepares(size_t from)
{
	struct strbuf msg = { 0 };
	struct cmd c = { .seq = 0, .msg = &msg };
	char *argv[8];
	size_t i;
	int argc;

	for (i = from; i < ncmds; i++) {
		char *copy;

		if (!cmds[i].prepare || !(copy = strdup(cmds[i].text)))
			continue;
		argc = split_words(&c, copy, argv, 8);
		if (argc > 1)
			prepared_cancel(argc - 1, argv + 1);
		free(copy);
	}
	sb_free(&msg);
}

/* `check <path> <dev> <ino> <size> <mtime ns>`: is the file still that one? */
static bool check_file(char *line)
{
	struct strbuf msg = { 0 };
	struct cmd c = { .seq = 0, .msg = &msg };
	unsigned long long dev, ino, size, mtime;
	char *argv[7];
	struct stat sb;
	int argc = split_words(&c, line, argv, 7);

	sb_free(&msg);
	if (argc != 6 || sscanf(argv[2], "%llu", &dev) != 1 || sscanf(argv[3], "%llu", &ino) != 1 ||
	    sscanf(argv[4], "%llu", &size) != 1 || sscanf(argv[5], "%llu", &mtime) != 1)
		return false;
	if (stat(argv[1], &sb))
		return false;
	return sb.st_dev == dev && sb.st_ino == ino && (unsigned long long)sb.st_size == size &&
	       (unsigned long long)sb.st_mtim.tv_sec * 1000000000ull + (unsigned long long)sb.st_mtim.tv_nsec == mtime;
}

/* Is `id` this boot's /proc/sys/kernel/random/boot_id? */
static bool same_boot(const char *id)
{
	char buf[64] = "";
	FILE *f = fopen("/proc/sys/kernel/random/boot_id", "re");
	bool same;

	if (!f)
		return false;
	same = fgets(buf, sizeof(buf), f) && (buf[strcspn(buf, "\n")] = '\0', !strcmp(buf, id));
	fclose(f);
	return same;
}

/* The whole file if it is a plan we may use, NUL-terminated; NULL otherwise. */
static char *read_plan(const char *path)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	struct stat sb;
	char *buf = NULL;
	ssize_t n;

	if (fd < 0)
		return NULL;
	if (fstat(fd, &sb) || !S_ISREG(sb.st_mode) || sb.st_uid != geteuid() || (sb.st_mode & 022) ||
	    sb.st_size <= 0 || sb.st_size > PLAN_MAX_BYTES) {
		say("%s: not a plan of this user's (owner, mode or size)", path);
		goto out;
	}
	buf = malloc((size_t)sb.st_size + 1);
	if (!buf)
		goto out;
	n = read(fd, buf, (size_t)sb.st_size);
	if (n != sb.st_size) {
		free(buf);
		buf = NULL;
		goto out;
	}
	buf[n] = '\0';
out:
	close(fd);
	return buf;
}

static bool plan_verb(const char *text, bool *prepare)
{
	static const char *const verbs[] = { "prepare ", "open ", "set ", "load" };
	size_t i;

	for (i = 0; i < sizeof(verbs) / sizeof(verbs[0]); i++) {
		if (!strncmp(text, verbs[i], strlen(verbs[i])) && (i < 3 || !text[4])) {
			*prepare = i == 0;
			return true;
		}
	}
	return false;
}

/* Parse `buf` into cmds; false (and nothing kept) if it is not a plan we can use. */
static bool parse_plan(char *buf)
{
	char *line = buf, *nl;
	size_t cap = 0;
	bool header = false, booted = false;

	for (; *line; line = nl + 1) {
		nl = strchr(line, '\n');
		if (!nl)
			return false; /* every line ends in \n: a torn file is no plan */
		*nl = '\0';
		if (!header) {
			if (strcmp(line, "bpfscript-plan 2"))
				return false;
			header = true;
		} else if (!strncmp(line, "check ", 6)) {
			if (ncmds || !check_file(line)) {
				say("a checked file changed: %s", line + 6);
				return false;
			}
		} else if (!strncmp(line, "boot ", 5)) {
			if (ncmds || !same_boot(line + 5)) {
				say("written in another boot");
				return false;
			}
			booted = true;
		} else {
			bool prepare;

			if (!booted)
				return false;

			if (!plan_verb(line, &prepare))
				return false;
			if (ncmds == cap) {
				struct plan_cmd *grown = realloc(cmds, (cap = cap ? 2 * cap : 16) * sizeof(*cmds));

				if (!grown)
					return false;
				cmds = grown;
			}
			cmds[ncmds] = (struct plan_cmd){ .text = strdup(line), .prepare = prepare };
			if (!cmds[ncmds++].text)
				return false;
		}
	}
	return ncmds > 0;
}

bool plan_load(const char *path, bool verbose)
{
	char *buf;
	bool ok;

	plan_verbose = verbose;
	plan_free();
	buf = read_plan(path);
	if (!buf)
		return false;
	ok = parse_plan(buf);
	free(buf);
	if (!ok)
		plan_free();
	return ok;
}

void plan_run(struct state *st, const char *path)
{
	struct strbuf msg = { 0 };
	struct cmd c = { .seq = 0, .msg = &msg };
	size_t i;

	if (!ncmds)
		return;
	for (i = 0; i < ncmds; i++) {
		char *copy = strdup(cmds[i].text);
		int rc = copy ? dispatch(&c, copy) : -ENOMEM;

		free(copy);
		if (rc) {
			say("`%s` failed (%.*s): not used", cmds[i].text, (int)msg.len, msg.buf ? msg.buf : "");
			cancel_prepares(0);
			object_close(st); /* what the plan opened, if anything */
			plan_free();
			sb_free(&msg);
			return;
		}
		cmds[i].msg = msg.len ? strndup(msg.buf, msg.len) : NULL;
		cmds[i].msglen = cmds[i].msg ? msg.len : 0;
		sb_reset(&msg);
	}
	sb_free(&msg);
	active = true;
	say("%zu commands done ahead (%s)", ncmds, path);
}

/*
 * Called for every command while a plan is in use. True: the command is answered
 * (*rc and c->msg are its reply): the plan had done it, or redoing the plan's part
 * failed. False: the plan is over; run the command as usual.
 */
bool plan_answer(struct state *st, struct cmd *c, const char *text, int *rc)
{
	struct strbuf msg = { 0 };
	struct cmd redo = { .seq = 0, .msg = &msg };
	size_t i, asked;

	if (!active)
		return false;
	if (next_cmd < ncmds && !strcmp(cmds[next_cmd].text, text)) {
		sb_append(c->msg, cmds[next_cmd].msg ? cmds[next_cmd].msg : "", cmds[next_cmd].msglen);
		*rc = 0;
		if (++next_cmd == ncmds) {
			say("all %zu commands were asked for", ncmds);
			plan_free();
		}
		return true;
	}
	/* Node went another way: undo the rest, redo what it asked for. */
	asked = next_cmd;
	say("command %zu differs (`%s`): the plan's rest is undone, the %zu before it done again",
	    asked + 1, text, asked);
	cancel_prepares(asked);
	object_close(st); /* the plan's object: what node asked for is done again below */
	for (i = 0; i < asked; i++) {
		char *copy;
		int r;

		if (cmds[i].prepare)
			continue;
		copy = strdup(cmds[i].text);
		r = copy ? dispatch(&redo, copy) : -ENOMEM;
		free(copy);
		if (r) {
			sb_printf(c->msg, "redoing `%s`: %.*s", cmds[i].text, (int)msg.len, msg.buf ? msg.buf : "");
			*rc = r < 0 ? r : -EINVAL;
			sb_free(&msg);
			plan_free();
			return true;
		}
		sb_reset(&msg);
	}
	sb_free(&msg);
	plan_free();
	return false;
}

/* FNV-1a over `s` and its terminating NUL (so "ab","c" and "a","bc" differ). */
static uint64_t fnv1a(uint64_t h, const char *s)
{
	do
		h = (h ^ (unsigned char)*s) * 0x100000001b3ull;
	while (*s++);
	return h;
}

/*
 * <cache dir>/plans/<hash>: the cache directory as the runtime finds it first
 * (BPFSCRIPT_CACHE_DIR, $XDG_CACHE_HOME/bpfscript, ~/.cache/bpfscript), the hash (FNV-1a,
 * 64 bits) of the user, the working directory and every word of node's command line.
 * A collision only costs a plan that node's commands undo.
 */
bool plan_path(char *out, size_t size, char *const *argv)
{
	const char *dir = getenv("BPFSCRIPT_CACHE_DIR"), *xdg = getenv("XDG_CACHE_HOME");
	const char *home = getenv("HOME");
	uint64_t h = 0xcbf29ce484222325ull;
	char cwd[4096], uid[32];
	int n;

	if (!getcwd(cwd, sizeof(cwd)))
		return false;
	snprintf(uid, sizeof(uid), "%u", (unsigned)geteuid());
	h = fnv1a(fnv1a(h, uid), cwd);
	for (; *argv; argv++)
		h = fnv1a(h, *argv);
	if (dir)
		n = snprintf(out, size, "%s/plans/%016llx", dir, (unsigned long long)h);
	else if (xdg)
		n = snprintf(out, size, "%s/bpfscript/plans/%016llx", xdg, (unsigned long long)h);
	else if (home)
		n = snprintf(out, size, "%s/.cache/bpfscript/plans/%016llx", home, (unsigned long long)h);
	else
		return false;
	return n > 0 && (size_t)n < size;
}
