// The loader client without root: the frame parser over every way the stream can be
// cut into chunks, argument encoding, AttachSpec -> arguments, and the Loader class
// against a fake helper (a node script speaking the protocol) for reply matching,
// error mapping and helper death.

import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AttachSpec } from '../../src/codegen/manifest.js';
import {
  AttachError,
  FRAME,
  FrameParser,
  LoadError,
  Loader,
  LoaderError,
  LoaderExitedError,
  LoaderNotBuiltError,
  LoaderProtocolError,
  attachArgs,
  encodeArg,
  encodeCommand,
  type LoaderExit,
  type MapDump,
} from '../../src/runtime/loader.js';

// ---- frame builders (the helper's side of the protocol)

function u32(n: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeUInt32LE(n);
  return b;
}

function frame(type: number, payload: Buffer): Buffer {
  return Buffer.concat([u32(type), u32(payload.length), payload]);
}

function eventsFrame(records: Buffer[]): Buffer {
  return frame(FRAME.EVENTS, Buffer.concat(records.flatMap((r) => [u32(r.length), r])));
}

function replyFrame(seq: number, status: number, message: string): Buffer {
  const head = Buffer.alloc(8);
  head.writeUInt32LE(seq, 0);
  head.writeInt32LE(status, 4);
  return frame(FRAME.REPLY, Buffer.concat([head, Buffer.from(message, 'utf8')]));
}

function mapFrame(seq: number, keySize: number, valueSize: number, ncpus: number, entries: [Buffer, Buffer][]): Buffer {
  const head = Buffer.concat([u32(seq), u32(keySize), u32(valueSize), u32(ncpus), u32(entries.length)]);
  return frame(FRAME.MAP, Buffer.concat([head, ...entries.flat()]));
}

/** A record as the BPF side writes it: u32 id; u32 pad; then the payload. */
function record(id: number, payload: string): Buffer {
  return Buffer.concat([u32(id), u32(0), Buffer.from(payload, 'utf8')]);
}

// ---- a parser that logs what it sees, in order

function collect(): { parser: FrameParser; log: string[]; batches: Buffer[][] } {
  const log: string[] = [];
  const batches: Buffer[][] = [];
  const parser = new FrameParser({
    events: (records) => {
      batches.push(records);
      for (const r of records) log.push(`ev:${r.toString('hex')}`);
    },
    reply: (seq, status, message) => log.push(`reply:${seq}:${status}:${message}`),
    map: (seq, d) =>
      log.push(
        `map:${seq}:${d.keySize}:${d.valueSize}:${d.ncpus}:` +
          d.entries.map((e) => `${e.key.toString('hex')}=${e.value.toString('hex')}`).join(','),
      ),
  });
  return { parser, log, batches };
}

function chunks(buf: Buffer, size: number): Buffer[] {
  const out: Buffer[] = [];
  for (let o = 0; o < buf.length; o += size) out.push(buf.subarray(o, o + size));
  return out;
}

/** Deterministic chunk sizes 1..97 (a tiny LCG), so failures reproduce. */
function randomChunks(buf: Buffer, seed: number): Buffer[] {
  const out: Buffer[] = [];
  let s = seed;
  for (let o = 0; o < buf.length; ) {
    s = (s * 1103515245 + 12345) % 2147483648;
    const n = 1 + (s % 97);
    out.push(buf.subarray(o, o + n));
    o += n;
  }
  return out;
}

const BIG = Buffer.alloc(3000, 0xab); // a record bigger than most chunks below
const STREAM = Buffer.concat([
  eventsFrame([record(0, 'hello'), record(1, ''), record(7, 'x'.repeat(40))]),
  replyFrame(1, 0, '0'),
  eventsFrame([]),
  eventsFrame([Buffer.alloc(0), BIG]),
  mapFrame(2, 4, 16, 2, [
    [u32(5), Buffer.from('00112233445566778899aabbccddeeff', 'hex')],
    [u32(6), Buffer.alloc(16, 1)],
  ]),
  replyFrame(3, -2, 'tracepoint a:b: No such file or directory\nlibbpf: détail'),
  mapFrame(4, 8, 8, 1, []),
]);
const EXPECTED = [
  `ev:${record(0, 'hello').toString('hex')}`,
  `ev:${record(1, '').toString('hex')}`,
  `ev:${record(7, 'x'.repeat(40)).toString('hex')}`,
  'reply:1:0:0',
  'ev:',
  `ev:${BIG.toString('hex')}`,
  'map:2:4:16:2:05000000=00112233445566778899aabbccddeeff,06000000=01010101010101010101010101010101',
  'reply:3:-2:tracepoint a:b: No such file or directory\nlibbpf: détail',
  'map:4:8:8:1:',
];

describe('FrameParser', () => {
  it.each([
    ['one chunk', [STREAM]],
    ['byte by byte', chunks(STREAM, 1)],
    ['3-byte chunks', chunks(STREAM, 3)],
    ['8-byte chunks', chunks(STREAM, 8)],
    ['1000-byte chunks', chunks(STREAM, 1000)],
    ['random chunks, seed 1', randomChunks(STREAM, 1)],
    ['random chunks, seed 42', randomChunks(STREAM, 42)],
  ])('parses the stream in %s', (_name, parts) => {
    const { parser, log } = collect();
    for (const p of parts) parser.push(p);
    expect(log).toEqual(EXPECTED);
    expect(parser.pendingBytes).toBe(0);
  });

  it('parses the stream cut in two at every offset', () => {
    for (let cut = 0; cut <= STREAM.length; cut++) {
      const { parser, log } = collect();
      parser.push(STREAM.subarray(0, cut));
      parser.push(STREAM.subarray(cut));
      expect(log, `cut at ${cut}`).toEqual(EXPECTED);
    }
  });

  it('hands whole records over as slices of the chunk, without copying', () => {
    const { parser, batches } = collect();
    const chunk = Buffer.concat([eventsFrame([record(3, 'abc'), record(4, 'def')]), replyFrame(9, 0, '')]);
    parser.push(chunk);
    expect(batches).toHaveLength(1);
    expect(batches[0]!.map((r) => r.buffer === chunk.buffer)).toEqual([true, true]);
    expect(batches[0]![1]!.byteOffset - chunk.byteOffset).toBe(8 + 4 + 11 + 4);
  });

  it('delivers many frames of one chunk as one batch of records', () => {
    const { parser, batches, log } = collect();
    parser.push(Buffer.concat([eventsFrame([record(1, 'a')]), eventsFrame([record(2, 'b'), record(3, 'c')])]));
    expect(batches.map((b) => b.length)).toEqual([3]);
    expect(log).toHaveLength(3);
  });

  it('keeps a partial frame pending until the rest arrives', () => {
    const { parser, log } = collect();
    const f = replyFrame(5, 0, 'done');
    parser.push(f.subarray(0, 10));
    expect(log).toEqual([]);
    expect(parser.pendingBytes).toBe(2);
    parser.push(f.subarray(10));
    expect(log).toEqual(['reply:5:0:done']);
    expect(parser.pendingBytes).toBe(0);
  });

  it.each([
    ['an unknown frame type', frame(9, Buffer.alloc(0)), /unknown frame type 9/],
    ['a record overrunning its frame', frame(FRAME.EVENTS, Buffer.concat([u32(100), Buffer.alloc(4)])), /overruns/],
    ['a short REPLY', frame(FRAME.REPLY, Buffer.alloc(4)), /REPLY frame of 4 bytes/],
    [
      'a MAP whose count does not match its size',
      frame(FRAME.MAP, Buffer.concat([u32(1), u32(4), u32(4), u32(1), u32(3), Buffer.alloc(8)])),
      /cannot hold 3 entries/,
    ],
  ])('rejects %s', (_name, bytes, message) => {
    const { parser } = collect();
    expect(() => parser.push(bytes)).toThrow(LoaderProtocolError);
    expect(() => collect().parser.push(bytes)).toThrow(message);
  });
});

describe('command encoding', () => {
  it.each([
    ['/tmp/obj.o', '/tmp/obj.o'],
    ['a b', 'a%20b'],
    ['100%', '100%25'],
    ['line\nbreak\ttab', 'line%0Abreak%09tab'],
    ['é', '%C3%A9'],
    ['', ''],
    [new Uint8Array([0x00, 0x41, 0xff]), '%00A%FF'],
  ])('encodes %j as %j', (arg, encoded) => {
    expect(encodeArg(arg)).toBe(encoded);
  });

  it.each([
    [1, 'load', [], '1 load\n'],
    [2, 'open', ['/tmp/my dir/x.o'], '2 open /tmp/my%20dir/x.o\n'],
    [3, 'attach', ['probe_0', 'uprobe', '/bin/a', 4096, 1, -1, 5], '3 attach probe_0 uprobe /bin/a 4096 1 -1 5\n'],
  ] as const)('command %i %s', (seq, verb, args, line) => {
    expect(encodeCommand(seq, verb, [...args])).toBe(line);
  });

  it('refuses a non-integer number', () => {
    expect(() => encodeCommand(1, 'attach', [1.5])).toThrow(RangeError);
  });

  const SPECS: [AttachSpec, string][] = [
    [{ kind: 'tracepoint', category: 'syscalls', name: 'sys_enter_read', cookie: 3 }, 'tracepoint syscalls sys_enter_read 3'],
    [{ kind: 'raw_tracepoint', name: 'sched_switch', cookie: 0 }, 'raw_tracepoint sched_switch 0'],
    [{ kind: 'kprobe', func: 'vfs_read', offset: 16, ret: true, cookie: 2 }, 'kprobe vfs_read 16 1 2'],
    [
      { kind: 'uprobe', path: '/usr/lib/my lib.so', offset: 0x1234, ret: false, pid: 42, cookie: 1 },
      'uprobe /usr/lib/my%20lib.so 4660 0 42 1',
    ],
    [{ kind: 'usdt', path: '/bin/app', provider: 'prov', name: 'start', pid: -1, cookie: 9 }, 'usdt /bin/app prov start -1 9'],
    [
      { kind: 'perf', type: 1, config: 0, period: 99, freq: true, cpus: 'all', pid: -1, cookie: 4 },
      'perf 1 0 99 1 all -1 4',
    ],
    [{ kind: 'fentry', func: 'vfs_read', ret: false, cookie: 6 }, 'fentry 6'],
  ];
  it.each(SPECS)('attach arguments for %j', (spec, line) => {
    expect(encodeCommand(1, 'attach', ['probe_1', ...attachArgs(spec)])).toBe(`1 attach probe_1 ${line}\n`);
  });
});

// ---- the Loader class against a fake helper

const FAKE_HELPER = String.raw`
const { createInterface } = require('node:readline');
const u32 = (n) => { const b = Buffer.alloc(4); b.writeUInt32LE(n); return b; };
const frame = (t, p) => Buffer.concat([u32(t), u32(p.length), p]);
const reply = (seq, status, msg) => {
  const h = Buffer.alloc(8); h.writeUInt32LE(seq, 0); h.writeInt32LE(status, 4);
  return frame(2, Buffer.concat([h, Buffer.from(msg)]));
};
const rec = (id, s) => Buffer.concat([u32(id), u32(0), Buffer.from(s)]);
const events = (rs) => frame(1, Buffer.concat(rs.flatMap((r) => [u32(r.length), r])));
createInterface({ input: process.stdin }).on('line', (line) => {
  const [seqText, verb, ...args] = line.split(' ').map(decodeURIComponent);
  const seq = Number(seqText);
  const out = process.stdout;
  switch (verb) {
    case 'open': out.write(reply(seq, -2, args.join('|'))); break;
    case 'set': out.write(reply(seq, 0, args.join('|'))); break;
    case 'load': out.write(reply(seq, -13, 'probe_3\n0: (b7) r1 = 0\nR0 invalid mem access')); break;
    case 'attach': out.write(reply(seq, -2, 'tracepoint a:b: No such file or directory\nlibbpf: detail one\nlibbpf: detail two')); break;
    case 'run': {
      const both = Buffer.concat([events([rec(0, 'first'), rec(0, 'second')]), reply(seq, 0, '7')]);
      // Two writes, cutting a record (they may still arrive as one chunk).
      out.write(both.subarray(0, 13));
      out.write(both.subarray(13));
      break;
    }
    case 'drain': out.write(reply(seq, 0, '')); break;
    case 'detach': out.write(reply(seq, 0, '3')); break;
    case 'dump': {
      const h = Buffer.concat([u32(seq), u32(4), u32(8), u32(1), u32(1)]);
      out.write(frame(3, Buffer.concat([h, u32(1), Buffer.from('0200000000000000', 'hex')])));
      break;
    }
    case 'crash': process.stderr.write('fake helper: boom\n'); process.exit(3);
    case 'quit': out.write(reply(seq, 0, '')); process.exit(0);
    default: out.write(reply(seq, -22, 'unknown command ' + verb));
  }
});
`;

describe('Loader (fake helper)', () => {
  let dir = '';
  let helper = '';
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'bpfscript-loader-unit-'));
    helper = join(dir, 'fake-helper');
    writeFileSync(helper, `#!${process.execPath}\n${FAKE_HELPER}`);
    chmodSync(helper, 0o755);
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  const start = (): Loader => new Loader({ path: helper, stderr: 'pipe' });

  it('refuses a helper that is not built', () => {
    expect(() => new Loader({ path: join(tmpdir(), 'no-such-helper-binary') })).toThrow(LoaderNotBuiltError);
  });

  it('sends percent-encoded arguments that the helper decodes back', async () => {
    const l = start();
    const path = '/tmp/a dir/100%/é.o';
    await expect(l.open(path)).rejects.toMatchObject({ name: 'LoaderError', verb: 'open', status: -2, message: path });
    await l.set('rt_cpid', new Uint8Array([1, 0, 0xff]));
    await l.quit();
  });

  it('matches replies to commands in order and delivers events before the reply', async () => {
    const l = start();
    const seen: string[] = [];
    l.onEvents((records) => {
      for (const r of records) seen.push(r.subarray(8).toString());
    });
    const [ret, detached, dump] = await Promise.all([
      l.run('probe_0').then((r) => {
        seen.push('run resolved');
        return r;
      }),
      l.detach('all'),
      l.dump('map_x'),
      l.drain(),
    ]);
    expect(ret).toBe(7);
    expect(detached).toBe(3);
    expect(seen).toEqual(['first', 'second', 'run resolved']);
    const d = dump as MapDump;
    expect([d.keySize, d.valueSize, d.ncpus, d.entries.length]).toEqual([4, 8, 1, 1]);
    expect(d.entries[0]!.key.readUInt32LE(0)).toBe(1);
    expect(d.entries[0]!.value.readBigUInt64LE(0)).toBe(2n);
    const exit = await l.quit();
    expect(exit.code).toBe(0);
  });

  it('turns a load failure into a LoadError with the program and its log', async () => {
    const l = start();
    const err = await l.load().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(LoadError);
    expect(err).toMatchObject({ prog: 'probe_3', status: -13, log: '0: (b7) r1 = 0\nR0 invalid mem access' });
    await l.quit();
  });

  it('turns an attach failure into an AttachError with reason and details', async () => {
    const l = start();
    const spec: AttachSpec = { kind: 'tracepoint', category: 'a', name: 'b', cookie: 0 };
    const err = await l.attach('probe_1', spec).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AttachError);
    expect(err).toBeInstanceOf(LoaderError);
    expect(err).toMatchObject({
      prog: 'probe_1',
      spec,
      status: -2,
      reason: 'tracepoint a:b: No such file or directory',
      details: 'libbpf: detail one\nlibbpf: detail two',
    });
    await l.quit();
  });

  it('reports an unexpected helper death to onExit and rejects what is pending', async () => {
    const l = start();
    const exits: LoaderExit[] = [];
    const reported = new Promise<void>((resolve) =>
      l.onExit((e) => {
        exits.push(e);
        resolve();
      }),
    );
    const pending = (l as unknown as { send(v: string, a: string[]): Promise<unknown> }).send('crash', []);
    await expect(pending).rejects.toBeInstanceOf(LoaderExitedError);
    await reported;
    expect(exits).toHaveLength(1);
    expect(exits[0]!.code).toBe(3);
    expect(exits[0]!.reason).toBe('exited with status 3: fake helper: boom');
    await expect(l.drain()).rejects.toBeInstanceOf(LoaderExitedError);
  });

  it('does not call onExit after quit()', async () => {
    const l = start();
    let called = false;
    l.onExit(() => {
      called = true;
    });
    const exit = await l.quit();
    expect(exit).toMatchObject({ code: 0, signal: null });
    expect(called).toBe(false);
  });
});
