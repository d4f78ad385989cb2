// The library entry (dist/index.js): the compiler's stages for programs that drive them
// directly, such as bench/lib/startup-phases.mjs. The CLI does not load this module.

export { compile } from './compile.js';
export { SourceFile } from './source.js';
export { Diagnostics } from './diagnostics/diagnostic.js';
export { systemEnv } from './analyze/resolve-env.js';
export { settingsFromEnv } from './analyze/settings.js';
export { buildPch, compileC, scriptFileFor } from './runtime/clang.js';
export { Loader } from './runtime/loader.js';
