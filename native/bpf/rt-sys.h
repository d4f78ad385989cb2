/* SPDX-License-Identifier: GPL-2.0 */
/*
 * rt-sys.h - the system headers every bpfscript program includes (through rt.bpf.h).
 *
 * They are most of what clang parses for a small program (linux/bpf.h, the libbpf
 * helper definitions), and they never change with the script, so `npm run build`
 * precompiles this file (dist/rt-sys.pch, see src/runtime/clang.ts) and clang is given
 * that with -include-pch. Without the PCH the same text is simply included: the object
 * is the same either way.
 */
#ifndef RT_SYS_H
#define RT_SYS_H

#include <stdbool.h>
#include <linux/types.h>
#include <linux/bpf.h>
#include <linux/bpf_perf_event.h>
#include <asm/ptrace.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>

#endif /* RT_SYS_H */
