/* SPDX-License-Identifier: GPL-2.0 */
/*
 * bpfscript-loader: shared declarations of the helper's parts.
 *
 * The helper only moves bytes (docs/loader-protocol.md): commands in on stdin,
 * frames out on stdout. loader.c runs the loop and the object commands,
 * out.c owns stdout, attach.c the links, maps.c the map commands.
 */
#ifndef BPFSCRIPT_LOADER_H
#define BPFSCRIPT_LOADER_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <bpf/libbpf.h>

/* Frame types (little-endian u32 type; u32 len; payload). */
enum frame_type {
	FRAME_EVENTS = 1,
	FRAME_REPLY = 2,
	FRAME_MAP = 3,
};

/* A growable string, for reply messages and captured libbpf output. */
struct strbuf {
	char *buf;
	size_t len;
	size_t cap;
};

void sb_reset(struct strbuf *sb);
void sb_free(struct strbuf *sb);
void sb_append(struct strbuf *sb, const char *data, size_t len);
void sb_printf(struct strbuf *sb, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
void sb_vprintf(struct strbuf *sb, const char *fmt, va_list ap);

/* One attachment: a libbpf link, or a bare link fd libbpf cannot make. */
struct link_ent {
	const struct bpf_program *prog;
	struct bpf_link *link;
	int fd;
};

struct state {
	struct bpf_object *obj;
	bool loaded;
	struct ring_buffer *rb;
	struct link_ent *links;
	size_t nlinks;
	size_t links_cap;
};

/*
 * What a command handler gets: the reply's seq and a message buffer.
 * Handlers return 0 or a negative errno (the REPLY's status), or
 * CMD_REPLIED when they wrote their own frame (a MAP).
 */
#define CMD_REPLIED 1

struct cmd {
	uint32_t seq;
	struct strbuf *msg;
};

/* out.c: stdout is written only through these. */
void out_init(void);
void out_record(const void *data, uint32_t size);
void out_frame_begin(uint32_t type, uint32_t len);
void out_bytes(const void *data, size_t len);
void out_reply(uint32_t seq, int32_t status, const char *msg, size_t len);
void out_flush(void);
/* Write everything pending, waiting for the reader if needed (before exit). */
void out_flush_all(void);
bool out_pending(void);
/* Set by SIGTERM/SIGHUP; out.c stops writing when it sees it. */
extern volatile int stop_signal;
/* Called when stdout is gone (EPIPE) or a signal asks us to stop. */
void die_cleanly(int status) __attribute__((noreturn));

/* attach.c */
int cmd_attach(struct state *st, struct cmd *c, int argc, char **argv);
int cmd_detach(struct state *st, struct cmd *c, int argc, char **argv);
void links_destroy_all(struct state *st);
int cmd_prepare(struct state *st, struct cmd *c, int argc, char **argv);
/* Stop the prepare worker; close the perf events no attach took. */
void prepared_close_all(void);
/* Undo a prepare whose arguments (as cmd_prepare gets them) no attach took yet. */
void prepared_cancel(int argc, char **argv);

/* plan.c: a previous run's first commands, done before node asks for them. */
/* Read and check a plan (false: none to use); plan_run() then does its commands. */
bool plan_load(const char *path, bool verbose);
void plan_run(struct state *st, const char *path);
bool plan_answer(struct state *st, struct cmd *c, const char *text, int *rc);
/* The path of the plan for this command line (false: none, e.g. no HOME). */
bool plan_path(char *out, size_t size, char *const *argv);

/* maps.c */
int cmd_dump(struct state *st, struct cmd *c, int argc, char **argv);
int cmd_clear(struct state *st, struct cmd *c, int argc, char **argv);
int cmd_zero(struct state *st, struct cmd *c, int argc, char **argv);

/* loader.c helpers the other parts use */
/* Run `<verb> [args...]` (split and decoded in place); a handler's status. */
int dispatch(struct cmd *c, char *text);
/* Split `text` on single spaces and percent-decode the words after the first. */
int split_words(struct cmd *c, char *text, char **argv, int max);
/* Close the open object (and its ring buffer); nothing may be attached. */
void object_close(struct state *st);
struct bpf_program *find_prog(struct state *st, struct cmd *c, const char *name);
struct bpf_map *find_map(struct state *st, struct cmd *c, const char *name);
int parse_u64(struct cmd *c, const char *what, const char *s, uint64_t *out);
int parse_i64(struct cmd *c, const char *what, const char *s, int64_t *out);
int parse_bool(struct cmd *c, const char *what, const char *s, bool *out);
/* Captured libbpf warnings since the last capture_reset(). */
extern struct strbuf libbpf_log;
void capture_reset(void);
/* "\n" + the captured warnings, as the detail lines of an error message. */
void append_libbpf_log(struct cmd *c);

#endif
