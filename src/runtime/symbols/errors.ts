// Typed errors of the symbols layer (ELF reading, library and program resolution,
// function and USDT lookup). Input: a reason code, the path concerned and a short human
// sentence. The lead maps them to diagnostics: N006 ("cannot read the symbols of
// {path}: {reason}") for file-level reasons, N007 for `not-found`, N015 for
// `no-library`, N016 for `no-usdt`, E007 for `no-program`. Must not: render diagnostics
// or know about spans; `message` is the {reason} text only, without the path.

export type SymbolErrorReason =
  /** The file does not exist (ENOENT / ENOTDIR). */
  | 'missing'
  /** It exists but is not a regular file (a directory, a device). */
  | 'not-regular'
  /** Reading it failed for another reason (EACCES, EIO ...). */
  | 'io'
  /** No ELF magic. */
  | 'not-elf'
  /** ELF, but not a 64-bit little-endian one. */
  | 'unsupported-elf'
  /** Headers point past the end of the file. */
  | 'truncated'
  /** No .symtab and no function in .dynsym: nothing to attach to by name. */
  | 'stripped'
  /** The function name (or USDT probe) does not exist in the file. */
  | 'not-found'
  /** An address that lies in no function and no executable segment. */
  | 'bad-address'
  /** `func+N` with N outside the function, or not at an instruction boundary. */
  | 'bad-offset'
  /** `func+N` could not be checked (no disassembler installed). */
  | 'unchecked-offset'
  /** A library name that neither /proc/PID/maps, ld.so.cache nor the standard dirs know. */
  | 'no-library'
  /** A program name not found in PATH. */
  | 'no-program'
  /** A USDT probe that the file does not contain. */
  | 'no-usdt';

export class SymbolError extends Error {
  constructor(
    readonly reason: SymbolErrorReason,
    /** The file (or the name, for no-library / no-program) the problem is about. */
    readonly path: string,
    message: string,
  ) {
    super(message);
    this.name = 'SymbolError';
  }
}

/** Turn a Node fs error about `path` into a SymbolError; anything else is rethrown. */
export function fsError(path: string, err: unknown): SymbolError {
  const code = (err as NodeJS.ErrnoException | null)?.code;
  if (code === 'ENOENT' || code === 'ENOTDIR') return new SymbolError('missing', path, 'no such file');
  if (code === 'EISDIR') return new SymbolError('not-regular', path, 'is a directory');
  if (code === 'EACCES' || code === 'EPERM') return new SymbolError('io', path, 'permission denied');
  if (typeof code === 'string') return new SymbolError('io', path, `${code}: ${(err as Error).message}`);
  throw err;
}
