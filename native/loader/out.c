// SPDX-License-Identifier: GPL-2.0
/*
 * out.c: the only writer of stdout, and small string helpers.
 *
 * Input: ring-buffer records and frames built by the command handlers.
 * Output: little-endian frames (docs/loader-protocol.md) in one buffer, written
 * with as few write() calls as possible. Records are appended to an open EVENTS
 * frame whose length is patched in when the frame is closed, so a burst of
 * records costs one memcpy each and one write per megabyte.
 * It must never drop bytes. stdout is non-blocking: when the reader is slow the
 * buffer grows (a spool of up to SPOOL_MAX) so the ring keeps being drained;
 * only past that do writes block, and the BPF side counts what it drops.
 */
#include <endian.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "loader.h"

#define OUT_INIT (1u << 20)
/*
 * How much the helper keeps in memory when the runtime reads slower than the probes
 * write: draining the ring into this spool is what keeps the kernel side from losing
 * events during bursts. Past it, writes block and the ring absorbs the rest (counted).
 */
#define SPOOL_MAX ((size_t)256 << 20)
#define FRAME_HDR 8u

/* Pending bytes are out_buf[out_head, out_len). */
static unsigned char *out_buf;
static size_t out_cap, out_head, out_len;
/* Offset of the open EVENTS frame's header in out_buf, or -1. */
static long ev_hdr = -1;

static void put_u32(unsigned char *p, uint32_t v)
{
	v = htole32(v);
	memcpy(p, &v, sizeof(v));
}

static void oom(void)
{
	fprintf(stderr, "bpfscript-loader: out of memory\n");
	exit(1);
}

void out_init(void)
{
	int fl = fcntl(STDOUT_FILENO, F_GETFL);

	out_buf = malloc(OUT_INIT);
	if (!out_buf)
		oom();
	out_cap = OUT_INIT;
	/* Non-blocking: a slow reader must not stop us from draining the ring. */
	if (fl >= 0)
		fcntl(STDOUT_FILENO, F_SETFL, fl | O_NONBLOCK);
}

static void events_close(void)
{
	if (ev_hdr < 0)
		return;
	put_u32(out_buf + ev_hdr + 4, (uint32_t)(out_len - (size_t)ev_hdr - FRAME_HDR));
	ev_hdr = -1;
}

/* Write what the pipe takes now; true when nothing is left. */
static bool try_write(void)
{
	while (out_head < out_len) {
		ssize_t n = write(STDOUT_FILENO, out_buf + out_head, out_len - out_head);

		/* A write must not outlive SIGTERM. */
		if (stop_signal)
			die_cleanly(128 + stop_signal);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN)
				return false;
			/* EPIPE: the runtime is gone; nobody reads frames. */
			out_head = out_len = 0;
			die_cleanly(1);
		}
		out_head += (size_t)n;
	}
	out_head = out_len = 0;
	return true;
}

static void wait_writable(void)
{
	struct pollfd p = { .fd = STDOUT_FILENO, .events = POLLOUT };

	if (poll(&p, 1, -1) < 0 && errno != EINTR)
		die_cleanly(1);
	if (stop_signal)
		die_cleanly(128 + stop_signal);
}

bool out_pending(void)
{
	return out_len > out_head;
}

void out_flush(void)
{
	events_close();
	try_write();
}

void out_flush_all(void)
{
	events_close();
	while (!try_write())
		wait_writable();
}

/* Room for `need` more bytes: compact, grow the spool, or (at its limit) wait. */
static void reserve(size_t need)
{
	size_t want;
	unsigned char *p;

	if (out_len + need <= out_cap)
		return;
	if (out_head) {
		memmove(out_buf, out_buf + out_head, out_len - out_head);
		if (ev_hdr >= 0)
			ev_hdr -= (long)out_head;
		out_len -= out_head;
		out_head = 0;
		if (out_len + need <= out_cap)
			return;
	}
	want = out_cap;
	while (want < out_len + need)
		want *= 2;
	if (want > SPOOL_MAX && out_len + need <= SPOOL_MAX)
		want = SPOOL_MAX;
	if (want > SPOOL_MAX) {
		out_flush_all();
		want = out_cap;
		while (want < need)
			want *= 2;
		if (want == out_cap)
			return;
	}
	p = realloc(out_buf, want);
	if (!p)
		oom();
	out_buf = p;
	out_cap = want;
}

void out_record(const void *data, uint32_t size)
{
	/* Worst case: a new frame header, the length, the record. */
	reserve(FRAME_HDR + 4 + (size_t)size);
	if (ev_hdr < 0) {
		ev_hdr = (long)out_len;
		put_u32(out_buf + out_len, FRAME_EVENTS);
		out_len += FRAME_HDR;
	}
	put_u32(out_buf + out_len, size);
	memcpy(out_buf + out_len + 4, data, size);
	out_len += 4 + (size_t)size;
}

void out_frame_begin(uint32_t type, uint32_t len)
{
	unsigned char hdr[FRAME_HDR];

	events_close();
	put_u32(hdr, type);
	put_u32(hdr + 4, len);
	out_bytes(hdr, sizeof(hdr));
}

void out_bytes(const void *data, size_t len)
{
	reserve(len);
	memcpy(out_buf + out_len, data, len);
	out_len += len;
}

void out_reply(uint32_t seq, int32_t status, const char *msg, size_t len)
{
	unsigned char head[8];

	out_frame_begin(FRAME_REPLY, (uint32_t)(sizeof(head) + len));
	put_u32(head, seq);
	put_u32(head + 4, (uint32_t)status);
	out_bytes(head, sizeof(head));
	out_bytes(msg, len);
}

void sb_reset(struct strbuf *sb)
{
	sb->len = 0;
	if (sb->buf)
		sb->buf[0] = '\0';
}

void sb_free(struct strbuf *sb)
{
	free(sb->buf);
	sb->buf = NULL;
	sb->len = sb->cap = 0;
}

static void sb_reserve(struct strbuf *sb, size_t extra)
{
	size_t want = sb->len + extra + 1;
	char *p;

	if (want <= sb->cap)
		return;
	if (want < 2 * sb->cap)
		want = 2 * sb->cap;
	if (want < 256)
		want = 256;
	p = realloc(sb->buf, want);
	if (!p) {
		fprintf(stderr, "bpfscript-loader: out of memory\n");
		exit(1);
	}
	sb->buf = p;
	sb->cap = want;
}

void sb_append(struct strbuf *sb, const char *data, size_t len)
{
	sb_reserve(sb, len);
	memcpy(sb->buf + sb->len, data, len);
	sb->len += len;
	sb->buf[sb->len] = '\0';
}

void sb_vprintf(struct strbuf *sb, const char *fmt, va_list ap)
{
	va_list cp;
	int n;

	va_copy(cp, ap);
	n = vsnprintf(NULL, 0, fmt, cp);
	va_end(cp);
	if (n <= 0)
		return;
	sb_reserve(sb, (size_t)n);
	vsnprintf(sb->buf + sb->len, (size_t)n + 1, fmt, ap);
	sb->len += (size_t)n;
}

void sb_printf(struct strbuf *sb, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	sb_vprintf(sb, fmt, ap);
	va_end(ap);
}
