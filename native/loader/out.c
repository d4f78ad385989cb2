// SPDX-License-Identifier: GPL-2.0
/*
 * out.c: the only writer of stdout, and small string helpers.
 *
 * Input: ring-buffer records and frames built by the command handlers.
 * Output: little-endian frames (docs/loader-protocol.md) in one 1 MiB buffer,
 * written with as few write() calls as possible. Records are appended to an
 * open EVENTS frame whose length is patched in when the frame is closed, so a
 * burst of records costs one memcpy each and one write per megabyte.
 * It must never drop bytes: when the reader is slow, write() blocks, and the
 * BPF side (which counts its own drops) absorbs the back-pressure.
 */
#include <endian.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "loader.h"

#define OUT_CAP (1u << 20)
#define FRAME_HDR 8u

static unsigned char *out_buf;
static size_t out_len;
/* Offset of the open EVENTS frame's header in out_buf, or -1. */
static long ev_hdr = -1;

static void put_u32(unsigned char *p, uint32_t v)
{
	v = htole32(v);
	memcpy(p, &v, sizeof(v));
}

void out_init(void)
{
	out_buf = malloc(OUT_CAP);
	if (!out_buf) {
		fprintf(stderr, "bpfscript-loader: out of memory\n");
		exit(1);
	}
}

static void write_all(const void *data, size_t len)
{
	const unsigned char *p = data;

	while (len) {
		ssize_t n = write(STDOUT_FILENO, p, len);

		/*
		 * A write blocked on a full pipe must not outlive SIGTERM: the
		 * signal ends it with EINTR, or with a short count if some bytes
		 * went through, so look at the flag after every write.
		 */
		if (stop_signal)
			die_cleanly(128 + stop_signal);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			/* EPIPE: the runtime is gone; nobody reads frames. */
			die_cleanly(1);
		}
		p += n;
		len -= (size_t)n;
	}
}

static void events_close(void)
{
	if (ev_hdr < 0)
		return;
	put_u32(out_buf + ev_hdr + 4, (uint32_t)(out_len - (size_t)ev_hdr - FRAME_HDR));
	ev_hdr = -1;
}

void out_flush(void)
{
	events_close();
	if (out_len)
		write_all(out_buf, out_len);
	out_len = 0;
}

void out_record(const void *data, uint32_t size)
{
	size_t need = 4 + (size_t)size + (ev_hdr < 0 ? FRAME_HDR : 0);

	if (out_len + need > OUT_CAP) {
		out_flush();
		need = FRAME_HDR + 4 + (size_t)size;
	}
	if (need > OUT_CAP) {
		/* A record larger than the buffer gets a frame of its own. */
		unsigned char hdr[FRAME_HDR + 4];

		put_u32(hdr, FRAME_EVENTS);
		put_u32(hdr + 4, 4 + size);
		put_u32(hdr + 8, size);
		write_all(hdr, sizeof(hdr));
		write_all(data, size);
		return;
	}
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
	if (out_len + len > OUT_CAP) {
		out_flush();
		if (len > OUT_CAP) {
			write_all(data, len);
			return;
		}
	}
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
