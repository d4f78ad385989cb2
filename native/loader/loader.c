// SPDX-License-Identifier: GPL-2.0
/*
 * bpfscript-loader: a generic libbpf helper that only moves bytes.
 *
 * Input: one command per line on stdin, `<seq> <verb> [args...]`, every
 * argument percent-encoded (docs/loader-protocol.md). Output: frames on
 * stdout (out.c) - one REPLY or MAP per command, in order, and EVENTS frames
 * holding ring-buffer records. It knows nothing about bpftrace: what to set,
 * load, attach, run and dump is decided by the TypeScript runtime.
 * It must never crash on a bad command (reply with an error instead), never
 * write anything but frames to stdout, and leave nothing attached when it
 * exits. libbpf's messages reach stderr only with -v.
 *
 * This file holds the main loop, the object commands (open, set, load, run,
 * drain, quit) and the command dispatcher.
 */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <time.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>

#include "loader.h"

#define MAX_ARGS 16
/* Records consumed per pass before stdin gets a look again. */
#define DRAIN_BUDGET 65536
/* An explicit drain stops after this many passes even if producers go on. */
#define DRAIN_MAX_PASSES 256
/* Nothing legitimate comes close; a runaway line is answered, not buffered. */
#define MAX_LINE (64u << 20)
#define RB_BUDGET_HIT (-EAGAIN)

volatile int stop_signal;
/* CLOCK_MONOTONIC when main() began (with --exec: before the fork, so before node). */
static uint64_t helper_start_ns;
struct strbuf libbpf_log;

static struct state st;
static bool verbose;
static int sig_pipe[2] = { -1, -1 };
static int rb_budget;

/* ---- libbpf messages: captured for error replies, echoed with -v */

static int print_fn(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	if (verbose) {
		va_list cp;

		va_copy(cp, ap);
		vfprintf(stderr, fmt, cp);
		va_end(cp);
	}
	if (level == LIBBPF_WARN)
		sb_vprintf(&libbpf_log, fmt, ap);
	return 0;
}

void capture_reset(void)
{
	sb_reset(&libbpf_log);
}

/* ---- lifetime */

static void on_signal(int sig)
{
	int saved = errno;
	ssize_t n;

	/*
	 * A second signal, or a teardown stuck for 5 s (SIGALRM's default
	 * action), ends the process at once; the kernel still closes every
	 * link fd, so nothing stays attached.
	 */
	if (stop_signal)
		_exit(128 + sig);
	stop_signal = sig;
	alarm(5);
	/* Wake poll(); the main loop and out.c's writes see stop_signal. */
	n = write(sig_pipe[1], "x", 1);
	(void)n;
	errno = saved;
}

void object_close(struct state *s)
{
	ring_buffer__free(s->rb);
	s->rb = NULL;
	bpf_object__close(s->obj);
	s->obj = NULL;
	s->loaded = false;
}

static void teardown(void)
{
	links_destroy_all(&st);
	prepared_close_all();
	object_close(&st);
}

void die_cleanly(int status)
{
	static bool dying;

	if (!dying) {
		dying = true;
		teardown();
	}
	exit(status);
}

static void setup_process(void)
{
	struct sigaction sa = { .sa_handler = on_signal };
	int fd;

	/* The runtime owns Ctrl-C: it decides when END runs and when we quit. */
	signal(SIGINT, SIG_IGN);
	/* A closed stdout shows up as EPIPE from write(). */
	signal(SIGPIPE, SIG_IGN);
	/* No SA_RESTART: a blocked write() or poll() must return on SIGTERM. */
	sigemptyset(&sa.sa_mask);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	prctl(PR_SET_PDEATHSIG, SIGTERM);

	if (pipe2(sig_pipe, O_CLOEXEC | O_NONBLOCK)) {
		perror("bpfscript-loader: pipe");
		exit(1);
	}
	/* "If stdout blocks, block": never lose a record to EAGAIN. */
	for (fd = 0; fd <= 1; fd++) {
		int fl = fcntl(fd, F_GETFL);

		if (fl >= 0 && (fl & O_NONBLOCK))
			fcntl(fd, F_SETFL, fl & ~O_NONBLOCK);
	}
}

/* ---- ring buffer */

static int on_record(void *ctx, void *data, size_t size)
{
	(void)ctx;
	out_record(data, (uint32_t)size);
	/*
	 * libbpf has already moved the consumer past this record, so stopping
	 * here loses nothing; it only hands control back to the main loop.
	 */
	if (--rb_budget <= 0)
		return RB_BUDGET_HIT;
	return 0;
}

/* One bounded pass; true when it stopped at the budget (more may wait). */
static bool drain_pass(void)
{
	if (!st.rb)
		return false;
	rb_budget = DRAIN_BUDGET;
	return ring_buffer__consume(st.rb) == RB_BUDGET_HIT;
}

static void drain_all(void)
{
	int i;

	for (i = 0; i < DRAIN_MAX_PASSES && drain_pass(); i++)
		;
}

/* ---- argument helpers */

struct bpf_program *find_prog(struct state *s, struct cmd *c, const char *name)
{
	struct bpf_program *prog;

	if (!s->obj) {
		sb_printf(c->msg, "no object is open");
		return NULL;
	}
	prog = bpf_object__find_program_by_name(s->obj, name);
	if (!prog)
		sb_printf(c->msg, "no program named %s in the object", name);
	return prog;
}

struct bpf_map *find_map(struct state *s, struct cmd *c, const char *name)
{
	struct bpf_map *map;

	if (!s->obj || !s->loaded) {
		sb_printf(c->msg, "the object is not loaded");
		return NULL;
	}
	map = bpf_object__find_map_by_name(s->obj, name);
	if (!map)
		sb_printf(c->msg, "no map named %s in the object", name);
	return map;
}

int parse_u64(struct cmd *c, const char *what, const char *s, uint64_t *out)
{
	char *end;

	errno = 0;
	if (!*s || *s == '-' || isspace((unsigned char)*s))
		goto bad;
	*out = strtoull(s, &end, 10);
	if (errno || *end)
		goto bad;
	return 0;
bad:
	sb_printf(c->msg, "bad %s '%s'", what, s);
	return -EINVAL;
}

int parse_i64(struct cmd *c, const char *what, const char *s, int64_t *out)
{
	char *end;

	errno = 0;
	if (!*s || isspace((unsigned char)*s))
		goto bad;
	*out = strtoll(s, &end, 10);
	if (errno || *end)
		goto bad;
	return 0;
bad:
	sb_printf(c->msg, "bad %s '%s'", what, s);
	return -EINVAL;
}

int parse_bool(struct cmd *c, const char *what, const char *s, bool *out)
{
	if (strcmp(s, "0") && strcmp(s, "1")) {
		sb_printf(c->msg, "bad %s '%s' (expected 0 or 1)", what, s);
		return -EINVAL;
	}
	*out = s[0] == '1';
	return 0;
}

static int hexval(int ch)
{
	if (ch >= '0' && ch <= '9')
		return ch - '0';
	ch = tolower(ch);
	if (ch >= 'a' && ch <= 'f')
		return ch - 'a' + 10;
	return -1;
}

/* Percent-decode in place; NUL bytes cannot be C-string arguments. */
static int pct_decode(char *s)
{
	char *r, *w = s;

	for (r = s; *r; r++) {
		if (*r != '%') {
			*w++ = *r;
			continue;
		}
		if (hexval(r[1]) < 0 || hexval(r[2]) < 0)
			return -1;
		*w = (char)(hexval(r[1]) << 4 | hexval(r[2]));
		if (!*w)
			return -1;
		w++;
		r += 2;
	}
	*w = '\0';
	return 0;
}

/* Append the captured libbpf warnings after a newline, if any. */
void append_libbpf_log(struct cmd *c)
{
	size_t n = libbpf_log.len;

	while (n && libbpf_log.buf[n - 1] == '\n')
		n--;
	if (!n)
		return;
	sb_append(c->msg, "\n", 1);
	sb_append(c->msg, libbpf_log.buf, n);
}

/* ---- object commands */

static int cmd_open(struct state *s, struct cmd *c, int argc, char **argv)
{
	struct bpf_program *prog;
	int err;

	(void)argc;
	if (s->obj) {
		sb_printf(c->msg, "an object is already open");
		return -EBUSY;
	}
	capture_reset();
	s->obj = bpf_object__open_file(argv[0], NULL);
	if (!s->obj) {
		err = -errno;
		sb_printf(c->msg, "%s: %s", argv[0], strerror(-err));
		append_libbpf_log(c);
		return err;
	}
	/* Attach only what we are told: no section-name auto-attach. */
	bpf_object__for_each_program(prog, s->obj)
		bpf_program__set_autoattach(prog, false);
	return 0;
}

static int cmd_set(struct state *s, struct cmd *c, int argc, char **argv)
{
	const struct btf_var_secinfo *vsi;
	const struct btf_type *sec;
	const char *name = argv[0], *hex = argv[1];
	char now_hex[17];
	struct bpf_map *rodata;
	const void *init;
	unsigned char *data;
	size_t hexlen = strlen(hex), size, i;
	const struct btf *btf;
	int id, err;

	(void)argc;
	if (!s->obj) {
		sb_printf(c->msg, "no object is open");
		return -EINVAL;
	}
	if (s->loaded) {
		sb_printf(c->msg, "set %s: the object is already loaded", name);
		return -EBUSY;
	}
	btf = bpf_object__btf(s->obj);
	id = btf ? btf__find_by_name_kind(btf, ".rodata", BTF_KIND_DATASEC) : -ENOENT;
	rodata = bpf_object__find_map_by_name(s->obj, ".rodata");
	if (id < 0 || !rodata) {
		sb_printf(c->msg, "set %s: the object has no .rodata section in its BTF", name);
		return -ENOENT;
	}
	sec = btf__type_by_id(btf, id);
	vsi = btf_var_secinfos(sec);
	for (i = 0; i < btf_vlen(sec); i++, vsi++) {
		const struct btf_type *var = btf__type_by_id(btf, vsi->type);

		if (var && !strcmp(btf__name_by_offset(btf, var->name_off), name))
			break;
	}
	if (i == btf_vlen(sec)) {
		sb_printf(c->msg, "set %s: no such global in .rodata", name);
		return -ENOENT;
	}
	/*
	 * `start`: when the helper started (CLOCK_MONOTONIC in ns, bpf_ktime_get_ns's clock),
	 * as a u64: the same whether the set is done for node or ahead of it (plan.c).
	 */
	if (!strcmp(hex, "start") && vsi->size == 8) {
		uint64_t ns = helper_start_ns;

		for (i = 0; i < 8; i++)
			now_hex[2 * i] = "0123456789abcdef"[(ns >> (8 * i + 4)) & 0xf],
			now_hex[2 * i + 1] = "0123456789abcdef"[(ns >> (8 * i)) & 0xf];
		now_hex[16] = '\0';
		hex = now_hex;
		hexlen = 16;
	}
	if (hexlen != 2 * (size_t)vsi->size) {
		sb_printf(c->msg, "set %s: the global is %u bytes, got %zu hex digits",
			  name, vsi->size, hexlen);
		return -EINVAL;
	}
	init = bpf_map__initial_value(rodata, &size);
	if (!init || vsi->offset + vsi->size > size) {
		sb_printf(c->msg, "set %s: .rodata is smaller than the global", name);
		return -EINVAL;
	}
	data = malloc(size);
	if (!data)
		return -ENOMEM;
	memcpy(data, init, size);
	for (i = 0; i < vsi->size; i++) {
		int hi = hexval(hex[2 * i]), lo = hexval(hex[2 * i + 1]);

		if (hi < 0 || lo < 0) {
			free(data);
			sb_printf(c->msg, "set %s: bad hex bytes '%s'", name, hex);
			return -EINVAL;
		}
		data[vsi->offset + i] = (unsigned char)(hi << 4 | lo);
	}
	err = bpf_map__set_initial_value(rodata, data, size);
	free(data);
	if (err)
		sb_printf(c->msg, "set %s: %s", name, strerror(-err));
	return err;
}

/*
 * libbpf reports a rejected program as
 *   prog 'NAME': -- BEGIN PROG LOAD LOG --\n<log>-- END PROG LOAD LOG --
 * The reply is "NAME\n<log>". Failures that are not a verifier rejection
 * (CO-RE relocation, map creation) carry the program's name if libbpf named
 * one, and all of libbpf's warnings as the log.
 */
static void load_failure_message(struct cmd *c, int err)
{
	static const char begin[] = "': -- BEGIN PROG LOAD LOG --\n";
	static const char end[] = "-- END PROG LOAD LOG --";
	const char *log = libbpf_log.buf ? libbpf_log.buf : "";
	const char *b = strstr(log, begin), *name, *e;

	if (b) {
		for (name = b; name > log && name[-1] != '\''; name--)
			;
		sb_append(c->msg, name, (size_t)(b - name));
		sb_append(c->msg, "\n", 1);
		b += sizeof(begin) - 1;
		e = strstr(b, end);
		sb_append(c->msg, b, e ? (size_t)(e - b) : strlen(b));
		return;
	}
	name = strstr(log, "prog '");
	if (name) {
		name += strlen("prog '");
		e = strchr(name, '\'');
		if (e)
			sb_append(c->msg, name, (size_t)(e - name));
	}
	sb_append(c->msg, "\n", 1);
	if (libbpf_log.len)
		sb_append(c->msg, log, libbpf_log.len);
	else
		sb_printf(c->msg, "%s", strerror(-err));
}

static int cmd_load(struct state *s, struct cmd *c, int argc, char **argv)
{
	struct bpf_map *events;
	int err;

	(void)argc;
	(void)argv;
	if (!s->obj) {
		sb_printf(c->msg, "no object is open");
		return -EINVAL;
	}
	if (s->loaded) {
		sb_printf(c->msg, "the object is already loaded");
		return -EBUSY;
	}
	capture_reset();
	err = bpf_object__load(s->obj);
	if (err) {
		load_failure_message(c, err);
		return err;
	}
	s->loaded = true;
	events = bpf_object__find_map_by_name(s->obj, "rt_events");
	if (events && bpf_map__type(events) == BPF_MAP_TYPE_RINGBUF) {
		s->rb = ring_buffer__new(bpf_map__fd(events), on_record, NULL, NULL);
		if (!s->rb) {
			err = -errno;
			sb_printf(c->msg, "rt_events: cannot open the ring buffer: %s",
				  strerror(-err));
			return err;
		}
	}
	return 0;
}

static int cmd_run(struct state *s, struct cmd *c, int argc, char **argv)
{
	LIBBPF_OPTS(bpf_test_run_opts, opts);
	struct bpf_program *prog = find_prog(s, c, argv[0]);
	int err;

	(void)argc;
	if (!prog)
		return -ENOENT;
	if (!s->loaded || bpf_program__fd(prog) < 0) {
		sb_printf(c->msg, "run %s: the object is not loaded", argv[0]);
		return -EINVAL;
	}
	/* raw_tp test runs take no context: ctx_in NULL, ctx_size_in 0. */
	err = bpf_prog_test_run_opts(bpf_program__fd(prog), &opts);
	if (err) {
		err = -errno;
		sb_printf(c->msg, "run %s: %s", argv[0], strerror(-err));
		return err;
	}
	drain_all();
	sb_printf(c->msg, "%u", opts.retval);
	return 0;
}

static int cmd_drain(struct state *s, struct cmd *c, int argc, char **argv)
{
	(void)s;
	(void)c;
	(void)argc;
	(void)argv;
	drain_all();
	return 0;
}

static bool quitting;

static int cmd_quit(struct state *s, struct cmd *c, int argc, char **argv)
{
	(void)c;
	(void)argc;
	(void)argv;
	/* Stop the probes first, then hand over what they emitted. */
	links_destroy_all(s);
	prepared_close_all();
	drain_all();
	quitting = true;
	return 0;
}

/* ---- dispatch */

typedef int (*cmd_fn)(struct state *s, struct cmd *c, int argc, char **argv);

static const struct {
	const char *verb;
	int min_args;
	int max_args;
	cmd_fn fn;
} COMMANDS[] = {
	{ "open", 1, 1, cmd_open },
	{ "set", 2, 2, cmd_set },
	{ "load", 0, 0, cmd_load },
	{ "prepare", 5, 5, cmd_prepare },
	{ "attach", 2, MAX_ARGS, cmd_attach },
	{ "run", 1, 1, cmd_run },
	{ "detach", 1, 1, cmd_detach },
	{ "drain", 0, 0, cmd_drain },
	{ "dump", 1, 1, cmd_dump },
	{ "clear", 1, 1, cmd_clear },
	{ "zero", 1, 1, cmd_zero },
	{ "quit", 0, 0, cmd_quit },
};

/*
 * Run one command, `<verb> [args...]` (the line without its seq; split and decoded in
 * place). Returns the handler's status, or CMD_REPLIED; the reply message is in c->msg.
 * Also how plan.c runs a previous run's commands ahead of time.
 */
int split_words(struct cmd *c, char *text, char **argv, int max)
{
	int argc = 0, i;
	char *p;

	/* Every single space splits: "a  b" is three words. */
	argv[argc++] = text;
	for (p = text; *p; p++) {
		if (*p != ' ')
			continue;
		*p = '\0';
		if (argc == max) {
			sb_printf(c->msg, "too many arguments");
			return -EINVAL;
		}
		argv[argc++] = p + 1;
	}
	for (i = 1; i < argc; i++) {
		if (pct_decode(argv[i])) {
			sb_printf(c->msg, "bad percent-encoding in '%s'", argv[i]);
			return -EINVAL;
		}
	}
	return argc;
}

int dispatch(struct cmd *c, char *text)
{
	char *argv[MAX_ARGS + 1];
	int argc = split_words(c, text, argv, MAX_ARGS + 1), nargs;
	size_t k;

	if (argc < 0)
		return argc;
	if (!*argv[0]) {
		sb_printf(c->msg, "missing command");
		return -EINVAL;
	}
	nargs = argc - 1;
	for (k = 0; k < sizeof(COMMANDS) / sizeof(COMMANDS[0]); k++) {
		if (strcmp(COMMANDS[k].verb, argv[0]))
			continue;
		if (nargs < COMMANDS[k].min_args || nargs > COMMANDS[k].max_args) {
			sb_printf(c->msg, "%s: wrong number of arguments (%d)", argv[0], nargs);
			return -EINVAL;
		}
		return COMMANDS[k].fn(&st, c, nargs, argv + 1);
	}
	sb_printf(c->msg, "unknown command '%s'", argv[0]);
	return -EINVAL;
}

static void handle_line(char *line)
{
	static struct strbuf msg;
	struct cmd c = { .seq = 0, .msg = &msg };
	char *sp = strchr(line, ' ');
	int rc = -EINVAL;
	uint64_t seq;

	sb_reset(&msg);
	if (sp)
		*sp = '\0';
	/* The seq is plain decimal; a line without one is answered as seq 0. */
	if (parse_u64(&c, "sequence number", line, &seq) || seq > UINT32_MAX)
		goto reply;
	c.seq = (uint32_t)seq;
	if (!sp) {
		sb_printf(&msg, "missing command");
		goto reply;
	}
	/* A command a plan did ahead of time gets that answer (plan.c). */
	if (plan_answer(&st, &c, sp + 1, &rc))
		goto reply;
	rc = dispatch(&c, sp + 1);
	if (rc == CMD_REPLIED)
		return;
reply:
	if (rc > 0)
		rc = -EINVAL;
	out_reply(c.seq, rc, msg.buf ? msg.buf : "", msg.len);
}

/* ---- main loop */

static struct strbuf input;

/* Read what stdin has; false at end of input. */
static bool read_commands(void)
{
	char chunk[65536], *nl, *start;
	ssize_t n = read(STDIN_FILENO, chunk, sizeof(chunk));

	if (n < 0)
		return errno == EINTR || errno == EAGAIN;
	if (n == 0)
		return false;
	sb_append(&input, chunk, (size_t)n);
	start = input.buf;
	while (!quitting && (nl = memchr(start, '\n', input.len - (size_t)(start - input.buf)))) {
		*nl = '\0';
		if (nl > start && nl[-1] == '\r')
			nl[-1] = '\0';
		/* A blank line is not a command and gets no reply. */
		if (*start)
			handle_line(start);
		start = nl + 1;
	}
	input.len -= (size_t)(start - input.buf);
	memmove(input.buf, start, input.len);
	input.buf[input.len] = '\0';
	if (input.len > MAX_LINE) {
		out_reply(0, -E2BIG, "command line too long", strlen("command line too long"));
		sb_reset(&input);
	}
	return true;
}

static void usage(void)
{
	fprintf(stderr,
		"usage: bpfscript-loader [-v] [--plan <file>]\n"
		"       bpfscript-loader --exec [--run-blob <snapshot>] <program> [args...]\n"
		"Speaks docs/loader-protocol.md on stdin/stdout. -v: libbpf messages to stderr.\n"
		"--plan: do the commands a previous run sent first before they come (plan.c).\n"
		"--exec: fork a helper off, then run <program> with BPFSCRIPT_LOADER_FDS set.\n");
}

/*
 * `--exec <program> [args...]`, bin/bpfscript's start: fork the helper off, then become
 * <program> (node running the CLI) with the helper's stdin, stdout and stderr pipes
 * open and named in BPFSCRIPT_LOADER_FDS="<pid> <stdin fd> <stdout fd> <stderr fd>".
 * The helper then starts while node does; node's first spawn() alone costs 5-8 ms of
 * its start-up. The helper does what it would after node's spawn(detached): its own
 * session, and SIGTERM when the process that forked it (node, after the exec) dies.
 * Returns in the helper; never returns in the parent.
 */
static char plan_file[4096];

static void exec_with_helper(char **argv, const char *run_blob)
{
	int in[2] = { -1, -1 }, out[2] = { -1, -1 }, err[2] = { -1, -1 };
	pid_t parent = getpid(), pid = -1;
	char fds[80];

	/* Node writes the plan for this command line there; the helper reads it (plan.c). */
	if (!plan_path(plan_file, sizeof(plan_file), argv))
		plan_file[0] = '\0';
	/* Node trusts the variable as ours: never pass on a value we were given. */
	unsetenv("BPFSCRIPT_LOADER_PLAN");
	/*
	 * With a plan that holds (so the compile cache will answer), node starts from the
	 * snapshot without the compiler, `--run-blob`, in place of the `--snapshot-blob` one.
	 */
	if (plan_file[0] && plan_load(plan_file, false) && run_blob) {
		for (int i = 1; argv[i]; i++) {
			if (!strcmp(argv[i - 1], "--snapshot-blob")) {
				argv[i] = (char *)run_blob;
				break;
			}
		}
	}
	if (pipe2(in, O_CLOEXEC) == 0 && pipe2(out, O_CLOEXEC) == 0 && pipe2(err, O_CLOEXEC) == 0)
		pid = fork();
	if (pid == 0) {
		setsid();
		prctl(PR_SET_PDEATHSIG, SIGTERM);
		if (getppid() != parent)
			_exit(0);
		/* dup2 clears O_CLOEXEC on 0-2; the originals close at our exit or never matter. */
		if (dup2(in[0], STDIN_FILENO) < 0 || dup2(out[1], STDOUT_FILENO) < 0 ||
		    dup2(err[1], STDERR_FILENO) < 0)
			_exit(1);
		close(in[0]), close(in[1]), close(out[0]), close(out[1]), close(err[0]), close(err[1]);
		return;
	}
	if (pid > 0) {
		/* node's ends stay open across the exec; the helper's ends close here. */
		close(in[0]), close(out[1]), close(err[1]);
		fcntl(in[1], F_SETFD, 0), fcntl(out[0], F_SETFD, 0), fcntl(err[0], F_SETFD, 0);
		snprintf(fds, sizeof(fds), "%d %d %d %d", (int)pid, in[1], out[0], err[0]);
		setenv("BPFSCRIPT_LOADER_FDS", fds, 1);
		if (plan_file[0])
			setenv("BPFSCRIPT_LOADER_PLAN", plan_file, 1);
	}
	/* No pipes or no fork: node starts the helper itself, as without --exec. */
	execvp(argv[0], argv);
	fprintf(stderr, "bpfscript: cannot run %s: %s\n", argv[0], strerror(errno));
	exit(127);
}

int main(int argc, char **argv)
{
	bool more = false;
	bool exec_mode = argc >= 3 && !strcmp(argv[1], "--exec");
	struct timespec ts;
	int i;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	helper_start_ns = (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;

	if (argc >= 5 && !strcmp(argv[1], "--exec") && !strcmp(argv[2], "--run-blob"))
		exec_with_helper(argv + 4, argv[3]);
	else if (argc >= 3 && !strcmp(argv[1], "--exec"))
		exec_with_helper(argv + 2, NULL);
	else for (i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "-v")) {
			verbose = true;
		} else if (!strcmp(argv[i], "--plan") && i + 1 < argc &&
			   strlen(argv[i + 1]) < sizeof(plan_file)) {
			strcpy(plan_file, argv[++i]);
		} else {
			usage();
			return 2;
		}
	}
	setup_process();
	libbpf_set_print(print_fn);
	out_init();
	/* --exec loaded the plan before it forked; --plan loads it here. */
	if (plan_file[0] && (exec_mode || plan_load(plan_file, verbose)))
		plan_run(&st, plan_file);

	while (!quitting) {
		struct pollfd fds[4] = {
			{ .fd = STDIN_FILENO, .events = POLLIN },
			{ .fd = sig_pipe[0], .events = POLLIN },
			{ .fd = st.rb ? ring_buffer__epoll_fd(st.rb) : -1, .events = POLLIN },
			/* Spooled output waits for the reader. */
			{ .fd = out_pending() ? STDOUT_FILENO : -1, .events = POLLOUT },
		};
		/* Drain every millisecond while probes can fire; else sleep. */
		int timeout = more ? 0 : st.nlinks ? 1 : -1;
		int n = poll(fds, 4, timeout);

		if (stop_signal)
			die_cleanly(128 + stop_signal);
		if (n < 0 && errno != EINTR) {
			perror("bpfscript-loader: poll");
			die_cleanly(1);
		}
		more = drain_pass();
		if (n > 0 && fds[0].revents) {
			if (!read_commands()) {
				/* End of stdin: the runtime is gone. */
				links_destroy_all(&st);
				prepared_close_all();
				drain_all();
				quitting = true;
			}
		}
		out_flush();
	}
	out_flush_all();
	teardown();
	return 0;
}
