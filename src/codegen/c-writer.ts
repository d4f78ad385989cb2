// CWriter: accumulates generated C text with indentation and tracks its own output line.
// It knows nothing about bpftrace; codegen decides what to write. `#line` directives are
// written flush left (they must be the first thing on their line).

import { encodeOutput } from '../runtime/value.js';

export class CWriter {
  private readonly out: string[] = [];
  private depth = 0;

  /** Number of lines written so far (the next line written is line + 1). */
  get line(): number {
    return this.out.length;
  }

  ln(text = ''): this {
    this.out.push(text === '' ? '' : '\t'.repeat(this.depth) + text);
    return this;
  }

  /** A line whose own leading tabs are kept, indented by the current depth. */
  raw(text: string): this {
    this.out.push('\t'.repeat(this.depth) + text);
    return this;
  }

  /** Current indentation depth (net of open/close calls). */
  get depthNow(): number {
    return this.depth;
  }

  /** The lines written so far. */
  lines(): readonly string[] {
    return this.out;
  }

  /** A preprocessor directive, never indented. */
  directive(text: string): this {
    this.out.push(text);
    return this;
  }

  open(text: string): this {
    this.ln(text);
    this.depth++;
    return this;
  }

  close(text = '}'): this {
    this.depth--;
    this.ln(text);
    return this;
  }

  indent(): this {
    this.depth++;
    return this;
  }

  dedent(): this {
    this.depth--;
    return this;
  }

  /** Append every line of another writer at the current indentation. */
  append(other: CWriter): this {
    for (const l of other.out) this.out.push(l === '' || l.startsWith('#') ? l : '\t'.repeat(this.depth) + l);
    return this;
  }

  toString(): string {
    return this.out.join('\n') + '\n';
  }
}

/** A C string literal for arbitrary text. */
export function cString(s: string): string {
  let r = '"';
  for (const ch of encodeOutput(s)) {
    if (ch === 0x22) r += '\\"';
    else if (ch === 0x5c) r += '\\\\';
    else if (ch === 0x0a) r += '\\n';
    else if (ch === 0x09) r += '\\t';
    else if (ch >= 0x20 && ch < 0x7f) r += String.fromCharCode(ch);
    else r += '\\' + ch.toString(8).padStart(3, '0');
  }
  return r + '"';
}

/** Text safe to put inside a C block comment on one line. */
export function cComment(s: string): string {
  return s.replace(/\*\//g, '* /').replace(/\s+/g, ' ').trim();
}
