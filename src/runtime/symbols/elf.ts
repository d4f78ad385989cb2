// A minimal ELF64 little-endian reader: file header, section and program headers,
// symbol tables (with GNU symbol versions), notes, the GNU build-id and .gnu_debuglink.
// Input: a path. It reads only the byte ranges it needs (positioned reads on one fd), so
// a 100 MB binary costs what its symbol tables cost. Output: plain records with numbers
// (user-space ELF addresses and sizes stay far below 2^53).
// Must not: interpret symbols for a purpose (that is elf-functions.ts, usdt.ts), cache
// (callers cache by path and mtime), or spawn tools.

import { isAscii } from 'node:buffer';
import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import { SymbolError, fsError } from './errors.js';

export const ET_REL = 1;
export const ET_EXEC = 2;
export const ET_DYN = 3;

export const SHT_SYMTAB = 2;
export const SHT_NOTE = 7;
export const SHT_NOBITS = 8;
export const SHT_DYNSYM = 11;
export const SHT_GNU_VERSYM = 0x6fffffff;

export const PT_LOAD = 1;
export const PT_NOTE = 4;
export const PF_X = 1;

export const STT_FUNC = 2;
export const STT_GNU_IFUNC = 10;
export const STB_LOCAL = 0;
export const STB_GLOBAL = 1;
export const STB_WEAK = 2;
export const SHN_UNDEF = 0;
export const SHN_LORESERVE = 0xff00;
export const SHN_ABS = 0xfff1;
export const SHN_XINDEX = 0xffff;

const NT_GNU_BUILD_ID = 3;
/** The hidden bit of a .gnu.version entry: a non-default version (`name@VER`, not `@@`). */
const VERSYM_HIDDEN = 0x8000;

export interface ElfSection {
  readonly index: number;
  readonly name: string;
  readonly type: number;
  readonly flags: number;
  readonly addr: number;
  readonly offset: number;
  readonly size: number;
  readonly link: number;
  readonly info: number;
  readonly addralign: number;
  readonly entsize: number;
}

export interface ElfSegment {
  readonly type: number;
  readonly flags: number;
  readonly offset: number;
  readonly vaddr: number;
  readonly filesz: number;
  readonly memsz: number;
}

export interface ElfSymbol {
  readonly name: string;
  readonly value: number;
  readonly size: number;
  /** STT_* (low nibble of st_info). */
  readonly type: number;
  /** STB_* (high nibble of st_info). */
  readonly bind: number;
  readonly shndx: number;
  /** Dynamic symbols only: a non-default symbol version (`memcpy@GLIBC_2.2.5`). */
  readonly versionHidden: boolean;
}

export interface ElfNote {
  readonly name: string;
  readonly type: number;
  readonly desc: Buffer;
  /** The section holding the note ('' when it came from a PT_NOTE segment). */
  readonly section: string;
}

/** Two's-complement-free u64 read as a number (exact below 2^53, which ELF files here are). */
function u64(buf: Buffer, off: number): number {
  return buf.readUInt32LE(off) + buf.readUInt32LE(off + 4) * 0x1_0000_0000;
}

export class ElfFile {
  private fd: number | null;

  private constructor(
    readonly path: string,
    fd: number,
    readonly fileSize: number,
    /** ET_EXEC, ET_DYN, ... */
    readonly type: number,
    readonly machine: number,
    readonly sections: readonly ElfSection[],
    readonly segments: readonly ElfSegment[],
  ) {
    this.fd = fd;
  }

  /**
   * Open and read the headers. Throws SymbolError: missing, not-regular, io, not-elf,
   * unsupported-elf, truncated. The caller must close() the file (try/finally).
   */
  static open(path: string): ElfFile {
    let fd: number;
    try {
      fd = openSync(path, 'r');
    } catch (err) {
      throw fsError(path, err);
    }
    try {
      const st = fstatSync(fd);
      if (!st.isFile()) throw new SymbolError('not-regular', path, 'not a regular file');
      const size = st.size;
      const read = (offset: number, length: number): Buffer => readExact(fd, path, size, offset, length);
      if (size < 4) throw new SymbolError('not-elf', path, 'not an ELF file');
      const ident = read(0, Math.min(64, size));
      if (ident[0] !== 0x7f || ident[1] !== 0x45 || ident[2] !== 0x4c || ident[3] !== 0x46) {
        throw new SymbolError('not-elf', path, 'not an ELF file');
      }
      if (ident.length < 64) throw new SymbolError('truncated', path, 'truncated ELF header');
      if (ident[4] !== 2) throw new SymbolError('unsupported-elf', path, '32-bit ELF files are not supported');
      if (ident[5] !== 1) throw new SymbolError('unsupported-elf', path, 'big-endian ELF files are not supported');
      const h = ident;
      const type = h.readUInt16LE(16);
      const machine = h.readUInt16LE(18);
      const phoff = u64(h, 32);
      const shoff = u64(h, 40);
      const phentsize = h.readUInt16LE(54);
      let phnum = h.readUInt16LE(56);
      const shentsize = h.readUInt16LE(58);
      let shnum = h.readUInt16LE(60);
      let shstrndx = h.readUInt16LE(62);

      // Extended numbering: counts that do not fit 16 bits live in section header 0.
      if (shoff !== 0 && shentsize >= 64 && (shnum === 0 || shstrndx === SHN_XINDEX || phnum === 0xffff)) {
        const s0 = read(shoff, 64);
        if (shnum === 0) shnum = u64(s0, 32);
        if (shstrndx === SHN_XINDEX) shstrndx = s0.readUInt32LE(40);
        if (phnum === 0xffff) phnum = s0.readUInt32LE(44);
      }

      const segments: ElfSegment[] = [];
      if (phoff !== 0 && phnum > 0) {
        if (phentsize < 56) throw new SymbolError('truncated', path, 'bad program header size');
        const ph = read(phoff, phnum * phentsize);
        for (let i = 0; i < phnum; i++) {
          const o = i * phentsize;
          segments.push({
            type: ph.readUInt32LE(o),
            flags: ph.readUInt32LE(o + 4),
            offset: u64(ph, o + 8),
            vaddr: u64(ph, o + 16),
            filesz: u64(ph, o + 32),
            memsz: u64(ph, o + 40),
          });
        }
      }

      const raw: Omit<ElfSection, 'name'>[] = [];
      const nameOffsets: number[] = [];
      if (shoff !== 0 && shnum > 0) {
        if (shentsize < 64) throw new SymbolError('truncated', path, 'bad section header size');
        const sh = read(shoff, shnum * shentsize);
        for (let i = 0; i < shnum; i++) {
          const o = i * shentsize;
          nameOffsets.push(sh.readUInt32LE(o));
          raw.push({
            index: i,
            type: sh.readUInt32LE(o + 4),
            flags: u64(sh, o + 8),
            addr: u64(sh, o + 16),
            offset: u64(sh, o + 24),
            size: u64(sh, o + 32),
            link: sh.readUInt32LE(o + 40),
            info: sh.readUInt32LE(o + 44),
            addralign: u64(sh, o + 48),
            entsize: u64(sh, o + 56),
          });
        }
      }
      let names: Buffer | null = null;
      const strSec = raw[shstrndx];
      if (strSec && strSec.type !== SHT_NOBITS && shstrndx !== 0) names = read(strSec.offset, strSec.size);
      const sections = raw.map((s, i) => ({ ...s, name: names ? cString(names, nameOffsets[i]!) : '' }));
      return new ElfFile(path, fd, size, type, machine, sections, segments);
    } catch (err) {
      closeSync(fd);
      throw err;
    }
  }

  close(): void {
    if (this.fd !== null) {
      closeSync(this.fd);
      this.fd = null;
    }
  }

  /** Read `length` bytes at `offset`; throws SymbolError('truncated') past the end. */
  read(offset: number, length: number): Buffer {
    if (this.fd === null) throw new Error(`ElfFile ${this.path} is closed`);
    return readExact(this.fd, this.path, this.fileSize, offset, length);
  }

  section(name: string): ElfSection | undefined {
    return this.sections.find((s) => s.name === name);
  }

  /** Bytes of a section; null for NOBITS sections (e.g. in separate debug files). */
  sectionData(s: ElfSection): Buffer | null {
    if (s.type === SHT_NOBITS) return null;
    return this.read(s.offset, s.size);
  }

  /**
   * Every symbol of the first section of type SHT_SYMTAB or SHT_DYNSYM, or null when
   * there is none (or it has no bytes in this file). Dynamic symbols carry the
   * .gnu.version hidden bit. `keep(type, shndx)` filters before names are decoded.
   */
  symbols(kind: 'symtab' | 'dynsym', keep?: (type: number, shndx: number) => boolean): ElfSymbol[] | null {
    const cols = this.symbolColumns(kind, false);
    if (!cols) return null;
    const out: ElfSymbol[] = [];
    for (let i = 0; i < cols.count; i++) {
      const info = cols.info[i]!;
      if (keep && !keep(info & 0xf, cols.shndx[i]!)) continue;
      out.push({
        name: cols.name(i),
        type: info & 0xf,
        bind: info >> 4,
        shndx: cols.shndx[i]!,
        value: cols.value[i]!,
        size: cols.size[i]!,
        versionHidden: cols.hidden[i] === 1,
      });
    }
    return out;
  }

  /**
   * A symbol table as columns (no object per symbol; names decoded on demand), for the
   * bulk readers: libc has ~10k symbols and a CLI run is a cold process, where building
   * objects and strings for all of them costs tens of milliseconds. With
   * `functionsOnly`, rows are only STT_FUNC / STT_GNU_IFUNC symbols that are defined, or
   * undefined with a value: a non-PIE executable's canonical PLT stub for an imported
   * function (python3 has XML_Parse at its PLT entry), which bpftrace lists too.
   */
  symbolColumns(kind: 'symtab' | 'dynsym', functionsOnly: boolean): SymbolColumns | null {
    const want = kind === 'symtab' ? SHT_SYMTAB : SHT_DYNSYM;
    const sec = this.sections.find((s) => s.type === want);
    if (!sec || sec.type === SHT_NOBITS) return null;
    const strSec = this.sections[sec.link];
    if (!strSec || strSec.type === SHT_NOBITS) return null;
    const entsize = sec.entsize || 24;
    if (entsize < 24 || entsize % 4 !== 0) throw new SymbolError('truncated', this.path, `bad symbol entry size in ${sec.name}`);
    const data = this.read(sec.offset, sec.size);
    const strtab = this.read(strSec.offset, strSec.size);
    let versym: Uint16Array | null = null;
    if (kind === 'dynsym') {
      const vs = this.sections.find((s) => s.type === SHT_GNU_VERSYM && s.link === sec.index);
      if (vs && vs.type !== SHT_NOBITS) {
        const b = aligned(this.read(vs.offset, vs.size), 2);
        versym = new Uint16Array(b.buffer, b.byteOffset, b.length >> 1);
      }
    }
    const total = Math.floor(sec.size / entsize);
    const b32 = aligned(data, 4);
    const w32 = new Uint32Array(b32.buffer, b32.byteOffset, b32.length >> 2);
    const words = entsize >> 2;
    const nameOff = new Uint32Array(total);
    const value = new Float64Array(total);
    const size = new Float64Array(total);
    const info = new Uint8Array(total);
    const shndx = new Uint16Array(total);
    const hidden = new Uint8Array(total);
    let n = 0;
    // Symbol 0 is the reserved null symbol.
    for (let i = 1; i < total; i++) {
      const w = i * words;
      const inf = data[i * entsize + 4]!;
      const sh = w32[w + 1]! >>> 16; // st_shndx: the high half of the word holding st_info
      if (functionsOnly) {
        const t = inf & 0xf;
        if (t !== STT_FUNC && t !== STT_GNU_IFUNC) continue;
        if (sh === SHN_UNDEF ? w32[w + 2] === 0 && w32[w + 3] === 0 : sh >= SHN_LORESERVE && sh !== SHN_XINDEX) continue;
      }
      nameOff[n] = w32[w]!;
      value[n] = w32[w + 2]! + w32[w + 3]! * 0x1_0000_0000;
      size[n] = w32[w + 4]! + w32[w + 5]! * 0x1_0000_0000;
      info[n] = inf;
      shndx[n] = sh;
      hidden[n] = versym !== null && i < versym.length && (versym[i]! & VERSYM_HIDDEN) !== 0 ? 1 : 0;
      n++;
    }
    const cut = <T extends Uint8Array | Uint16Array | Uint32Array | Float64Array>(a: T) => a.subarray(0, n) as T;
    return new SymbolColumns(n, cut(nameOff), cut(value), cut(size), cut(info), cut(shndx), cut(hidden), strtab);
  }

  /** Does the file have a .symtab with more than its null entry (not stripped)? */
  hasSymtab(): boolean {
    return this.sections.some((s) => s.type === SHT_SYMTAB && s.size > 24);
  }

  /**
   * Notes from SHT_NOTE sections (optionally only the one named `sectionName`), or from
   * PT_NOTE segments when the file has no section headers.
   */
  notes(sectionName?: string): ElfNote[] {
    const out: ElfNote[] = [];
    const secs = this.sections.filter((s) => s.type === SHT_NOTE && (!sectionName || s.name === sectionName));
    if (secs.length > 0 || this.sections.length > 0) {
      for (const s of secs) parseNotes(this.read(s.offset, s.size), s.addralign === 8 ? 8 : 4, s.name, out);
      return out;
    }
    for (const p of this.segments) {
      if (p.type === PT_NOTE) parseNotes(this.read(p.offset, p.filesz), 4, '', out);
    }
    return out;
  }

  /** The GNU build-id as lowercase hex, or null. */
  buildId(): string | null {
    const preferred = this.section('.note.gnu.build-id');
    const notes = preferred ? this.notes('.note.gnu.build-id') : this.notes();
    for (const n of notes) {
      if (n.name === 'GNU' && n.type === NT_GNU_BUILD_ID && n.desc.length > 0) return n.desc.toString('hex');
    }
    return null;
  }

  /** .gnu_debuglink: the separate debug file's name and the CRC32 of its contents. */
  debugLink(): { file: string; crc: number } | null {
    const s = this.section('.gnu_debuglink');
    if (!s || s.type === SHT_NOBITS || s.size < 5) return null;
    const data = this.read(s.offset, s.size);
    const end = data.indexOf(0);
    if (end <= 0) return null;
    const crcOff = (end + 4) & ~3;
    if (crcOff + 4 > data.length) return null;
    return { file: data.toString('utf8', 0, end), crc: data.readUInt32LE(crcOff) };
  }

  /** The PT_LOAD segments, in file order. */
  loadSegments(): ElfSegment[] {
    return this.segments.filter((p) => p.type === PT_LOAD);
  }
}

/** Column-oriented symbols (see ElfFile.symbolColumns). */
export class SymbolColumns {
  private text: string | null | undefined;

  constructor(
    readonly count: number,
    readonly nameOff: Uint32Array,
    readonly value: Float64Array,
    readonly size: Float64Array,
    /** st_info: type in the low nibble, binding in the high one. */
    readonly info: Uint8Array,
    readonly shndx: Uint16Array,
    /** 1 for a non-default symbol version. */
    readonly hidden: Uint8Array,
    readonly strtab: Buffer,
  ) {}

  /** The name of row `i`. */
  name(i: number): string {
    return this.nameAt(this.nameOff[i]!);
  }

  /** The string at a string-table offset. */
  nameAt(off: number): string {
    if (off >= this.strtab.length) return '';
    // One latin1 string for an all-ASCII table (the norm) makes each name a cheap slice.
    if (this.text === undefined) this.text = isAscii(this.strtab) ? this.strtab.toString('latin1') : null;
    if (this.text !== null) {
      const end = this.text.indexOf('\u0000', off);
      return this.text.slice(off, end < 0 ? this.text.length : end);
    }
    return cString(this.strtab, off);
  }

  /** Every string-table offset at which `name` (NUL-terminated) starts. */
  offsetsOf(name: string): Set<number> {
    const needle = Buffer.from(`${name}\u0000`, 'utf8');
    const out = new Set<number>();
    for (let p = this.strtab.indexOf(needle); p >= 0; p = this.strtab.indexOf(needle, p + 1)) out.add(p);
    return out;
  }
}

/** Virtual address -> file offset through the PT_LOAD segment holding it (file-backed part). */
export function vaddrToOffset(segments: readonly ElfSegment[], vaddr: number): number | null {
  for (const p of segments) {
    if (p.type === PT_LOAD && vaddr >= p.vaddr && vaddr < p.vaddr + p.filesz) return vaddr - p.vaddr + p.offset;
  }
  return null;
}

/** File offset -> virtual address through the PT_LOAD segment holding it. */
export function offsetToVaddr(segments: readonly ElfSegment[], offset: number): number | null {
  for (const p of segments) {
    if (p.type === PT_LOAD && offset >= p.offset && offset < p.offset + p.filesz) return offset - p.offset + p.vaddr;
  }
  return null;
}

function readExact(fd: number, path: string, size: number, offset: number, length: number): Buffer {
  if (length === 0) return Buffer.alloc(0);
  if (offset < 0 || length < 0 || offset + length > size) {
    throw new SymbolError('truncated', path, 'truncated ELF file (a header points past its end)');
  }
  const buf = Buffer.allocUnsafe(length);
  let done = 0;
  while (done < length) {
    const n = readSync(fd, buf, done, length - done, offset + done);
    if (n === 0) throw new SymbolError('truncated', path, 'truncated ELF file');
    done += n;
  }
  return buf;
}

/** The same bytes at an offset aligned for a typed-array view (copied when needed). */
function aligned(buf: Buffer, align: number): Buffer {
  return buf.byteOffset % align === 0 ? buf : Buffer.from(buf);
}

function cString(buf: Buffer, off: number): string {
  let end = buf.indexOf(0, off);
  if (end < 0) end = buf.length;
  return buf.toString('utf8', off, end);
}

function parseNotes(data: Buffer, align: number, section: string, out: ElfNote[]): void {
  const pad = (n: number) => (n + align - 1) & ~(align - 1);
  let o = 0;
  while (o + 12 <= data.length) {
    const namesz = data.readUInt32LE(o);
    const descsz = data.readUInt32LE(o + 4);
    const type = data.readUInt32LE(o + 8);
    const nameStart = o + 12;
    // The name is always padded to 4; the descriptor to the note alignment.
    const descStart = nameStart + ((namesz + 3) & ~3);
    if (descStart + descsz > data.length) break;
    const nameEnd = namesz > 0 && data[nameStart + namesz - 1] === 0 ? nameStart + namesz - 1 : nameStart + namesz;
    out.push({
      name: data.toString('utf8', nameStart, nameEnd),
      type,
      desc: data.subarray(descStart, descStart + descsz),
      section,
    });
    o = descStart + pad(descsz);
  }
}
