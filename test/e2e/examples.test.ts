// Every script in examples/ compiles (through the real clang, --emit-elf), and every one
// this kernel can run is run for real: stopped with Ctrl-C after it attached (or ended by
// its own exit() / the -c command), it must exit 0 with the output it is written to give.
// Scripts that need kprobes or fentry (missing here) must fail with a message naming the
// missing kernel feature, never a crash.

import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { expect } from 'vitest';
import { REPO_ROOT, buildFixture, describeE2E, itE2E, runCli } from './harness.js';

const DIR = path.join(REPO_ROOT, 'examples');
const EXAMPLES = readdirSync(DIR).filter((f) => f.endsWith('.bt')).sort();

/** How each example is run; the default is Ctrl-C one second after it attached. */
interface Plan {
  readonly args?: (target: string, usdt: string) => string[];
  /** Output (stdout) must match. */
  readonly expect?: RegExp;
  /** Needs a kernel feature this machine lacks: the run must fail naming it. */
  readonly missing?: RegExp;
}

const PLANS: Record<string, Plan> = {
  'hello.bt': { expect: /^Attaching 1 probe\.\.\.\nhello, world\n\n\n$/ },
  'loops.bt': { expect: /unrolled 5 times, sum of 0\.\.9 = 45/ },
  'tuples.bt': { expect: /1 two 3\n[\s\S]*@pair\[1, a\]: \(42, answer\)/ },
  'params.bt': { args: () => ['cat', '-c', 'cat /etc/hostname'], expect: /cat \(\d+\) -> \/etc\/hostname/ },
  'usdt-probes.bt': { args: (_t, u) => [u, '-c', `${u} 2`], expect: /@\[usdt:[^\]]*:bpfscript:tick\]: 2/ },
  'profile-ustack.bt': { args: (t) => ['-c', `${t} spin 300`] },
  'tcp-ports.bt': { missing: /kprobe/ },
  'vfs-read-fentry.bt': { missing: /kfunc|fentry|BPF trampolines/ },
};

describeE2E('examples/', () => {
  itE2E.for(EXAMPLES)('%s compiles to a BPF object with clang', async (name) => {
    const out = path.join(mkdtempSync(path.join(tmpdir(), 'bpfscript-ex-')), 'prog.o');
    const usdt = await buildFixture('usdt-target');
    const r = await runCli(['--emit-elf', out, path.join(DIR, name), name === 'usdt-probes.bt' ? usdt : 'cat']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(readFileSync(out).subarray(0, 4).toString('latin1')).toBe('\x7fELF');
  });

  itE2E.for(EXAMPLES)(
    '%s runs on this kernel',
    async (name) => {
      const plan = PLANS[name] ?? {};
      const target = await buildFixture('target');
      const usdt = await buildFixture('usdt-target');
      const args = [path.join(DIR, name), ...(plan.args?.(target, usdt) ?? [])];
      const script = readFileSync(path.join(DIR, name), 'utf8');
      const ends = /exit\(\)/.test(script) || args.includes('-c');
      const r = await runCli(args, ends ? { timeoutMs: 20_000 } : { signalAfterMs: { signal: 'SIGINT', ms: 1000, waitFor: /Attaching/ } });
      expect(r.stderr).not.toMatch(/^\s+at /m);
      if (plan.missing) {
        expect(r.code).not.toBe(0);
        expect(r.stderr).toMatch(plan.missing);
        expect(r.stderr).toMatch(/not supported|no kprobe support|CONFIG_KPROBES/);
        return;
      }
      expect(r.stderr).toBe('');
      expect(r.code).toBe(0);
      expect(r.stdout).toMatch(/^Attaching \d+ probes?\.\.\.\n/);
      if (plan.expect) expect(r.stdout).toMatch(plan.expect);
    },
    30_000,
  );
});
