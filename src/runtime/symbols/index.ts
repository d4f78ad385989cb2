// The symbols layer in one import: ELF functions and file offsets for uprobes, library
// and program resolution, USDT notes, kernel (kallsyms) and user (maps + ELF, build-id)
// symbolization, and the `-l` listing helpers. Each module states its own contract.

export { SymbolError, type SymbolErrorReason } from './errors.js';
export { ElfFile, type ElfNote, type ElfSection, type ElfSegment, type ElfSymbol } from './elf.js';
export { globToRegExp, hasWildcard, matchGlob } from './glob.js';
export {
  DEBUG_ROOTS,
  ElfSymbolTable,
  clearElfCache,
  elfFunctions,
  elfSymbols,
  isLoadable,
  listUprobes,
  matchFunctions,
  resolveOffset,
  type ElfFunction,
  type FunctionHit,
  type ResolveOptions,
  type ResolvedUprobe,
} from './elf-functions.js';
export {
  LD_CACHE_PATH,
  STANDARD_LIB_DIRS,
  parseLdCache,
  readLdCache,
  resolveLibrary,
  resolveProgram,
  resolveUprobeTarget,
  sonameMatcher,
  type LdCacheEntry,
  type LibraryOptions,
  type UprobeTarget,
} from './libraries.js';
export {
  findUsdt,
  listUsdt,
  matchUsdt,
  parseUsdtArg,
  parseUsdtArgs,
  usdtProbes,
  type UsdtArg,
  type UsdtProbe,
  type UsdtProbeGroup,
} from './usdt.js';
export { KallsymsTable, KernelSymbols, hexAddr, parseKallsyms, type KernelSymbol } from './kernel-symbols.js';
export { UserSymbols, normalizeBuildId, readBuildId, type MappedFile, type UserSymbol } from './user-symbols.js';
export { parseMaps, readMaps, type MapsEntry } from './proc-maps.js';
