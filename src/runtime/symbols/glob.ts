// Wildcard matching for attach-point names: `*` (any run of characters, also empty),
// `?` (one character) and `{a,b,c}` (alternatives, not nested; an unclosed `{` is
// literal). Input: a pattern and a name; output: whether the whole name matches.
// bpftrace 0.17's lexer only lets `*` through in attach points; `?` and `{}` cost nothing
// here (no C symbol contains them) and newer bpftrace accepts them. Must not: know about
// ELF or probes.

const CACHE = new Map<string, RegExp>();

export function hasWildcard(pattern: string): boolean {
  return /[*?]/.test(pattern) || /\{[^}]*\}/.test(pattern);
}

function escape(ch: string): string {
  return ch.replace(/[\\^$.|+()[\]{}*?]/g, '\\$&');
}

export function globToRegExp(pattern: string): RegExp {
  const cached = CACHE.get(pattern);
  if (cached) return cached;
  let src = '^';
  let groupEnd = -1; // index of the `}` closing the open group, -1 outside a group
  for (let i = 0; i < pattern.length; i++) {
    const ch = pattern[i]!;
    if (ch === '*') src += '.*';
    else if (ch === '?') src += '.';
    else if (ch === '{' && groupEnd < 0 && pattern.indexOf('}', i + 1) > 0) {
      groupEnd = pattern.indexOf('}', i + 1);
      src += '(?:';
    } else if (i === groupEnd) {
      src += ')';
      groupEnd = -1;
    } else if (ch === ',' && groupEnd >= 0) src += '|';
    else src += escape(ch);
  }
  const re = new RegExp(src + '$', 's');
  CACHE.set(pattern, re);
  return re;
}

export function matchGlob(pattern: string, name: string): boolean {
  if (!hasWildcard(pattern)) return pattern === name;
  return globToRegExp(pattern).test(name);
}
