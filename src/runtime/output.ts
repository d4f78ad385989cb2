// Output: where trace text goes (stdout or -o FILE), written in large chunks.
// Formatted strings are buffered and flushed on the next turn of the event loop (or
// when the buffer is large), so a burst of events costs one write, not one per line.
// Warnings (lost events, map full) go to stderr immediately.

import { createWriteStream, type WriteStream } from 'node:fs';
import { encodeOutput } from './value.js';

const FLUSH_AT = 1 << 16;

export class Output {
  /** Text written since the last flush; encoded to bytes once, when flushed. */
  private texts: string[] = [];
  private textLen = 0;
  private chunks: Buffer[] = [];
  private size = 0;
  private scheduled = false;
  private readonly stream: NodeJS.WritableStream;
  private readonly file: WriteStream | null;
  /** The reader went away (EPIPE, e.g. `| head`): output is dropped from now on. */
  private broken = false;
  private opened = false;
  private inflight: Promise<void> = Promise.resolve();
  /** Called once when the output breaks, so the trace can stop like bpftrace on SIGPIPE. */
  onBroken: (() => void) | null = null;

  constructor(path?: string) {
    if (path) {
      this.file = createWriteStream(path, { flags: 'w', mode: 0o644 });
      this.stream = this.file;
    } else {
      this.file = null;
      this.stream = process.stdout;
    }
    this.stream.on('error', (e: NodeJS.ErrnoException) => {
      if (this.broken) return;
      this.broken = true;
      // A file that cannot be opened is reported by ready() (E009), once.
      if (e.code !== 'EPIPE' && this.opened) process.stderr.write(`bpfscript: cannot write output: ${e.message}\n`);
      this.onBroken?.();
    });
    if (this.file) this.file.once('open', () => (this.opened = true));
    else this.opened = true;
  }

  /** Resolves once the file is open (so a bad -o path fails before tracing starts). */
  ready(): Promise<void> {
    if (!this.file) return Promise.resolve();
    return new Promise((res, rej) => {
      this.file!.once('open', () => res());
      this.file!.once('error', rej);
    });
  }

  write(s: string): void {
    if (s === '' || this.broken) return;
    this.texts.push(s);
    this.textLen += s.length;
    if (this.textLen >= FLUSH_AT) void this.flush();
    else this.flushSoon();
  }

  /** Move pending text into the byte chunks (one encode for many lines). */
  private encodeTexts(): void {
    if (this.texts.length === 0) return;
    const b = encodeOutput(this.texts.length === 1 ? this.texts[0]! : this.texts.join(''));
    this.texts = [];
    this.textLen = 0;
    this.chunks.push(b);
    this.size += b.length;
  }

  writeBytes(b: Buffer): void {
    if (this.broken) return;
    this.encodeTexts();
    this.chunks.push(b);
    this.size += b.length;
    if (this.size >= FLUSH_AT) void this.flush();
    else this.flushSoon();
  }

  warn(s: string): void {
    if (s) process.stderr.write(s);
  }

  flushSoon(): void {
    if (this.scheduled || (this.size === 0 && this.textLen === 0)) return;
    this.scheduled = true;
    setImmediate(() => {
      this.scheduled = false;
      void this.flush();
    });
  }

  /** Resolves when everything written so far has reached the stream. */
  flush(): Promise<void> {
    if (this.broken) {
      this.texts = [];
      this.textLen = 0;
      this.chunks = [];
      this.size = 0;
    }
    this.encodeTexts();
    if (this.size === 0) return this.inflight;
    const data = this.chunks.length === 1 ? this.chunks[0]! : Buffer.concat(this.chunks, this.size);
    this.chunks = [];
    this.size = 0;
    // Pipe writes complete asynchronously: every flush (and close) waits for the ones
    // before it, so nothing is still in flight when the process exits.
    this.inflight = this.inflight.then(
      () =>
        new Promise<void>((res) => {
          if (this.broken) return res();
          this.stream.write(data, () => res());
        }),
    );
    return this.inflight;
  }

  async close(): Promise<void> {
    await this.flush();
    if (this.broken) return;
    if (this.file) await new Promise<void>((res) => this.file!.end(() => res()));
  }
}
