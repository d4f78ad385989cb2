// Attach point text -> provider and parts.
// Input: the exact text of one attach point token, e.g. `uprobe:"/a b/c":func`.
// Output: `provider` (the text before the first `:` outside quotes, or the whole text for
// `BEGIN`) and `parts` (the rest split on `:` outside quotes, quotes removed).
// Must not: validate providers, resolve aliases or substitute `$1` (analyze does that).

export interface SplitAttachPoint {
  readonly provider: string;
  readonly parts: readonly string[];
  /** A quoted section was not closed (the scanner has already reported P008). */
  readonly unterminated: boolean;
}

export function splitAttachPoint(text: string): SplitAttachPoint {
  const segments: string[] = [];
  let cur = '';
  let i = 0;
  let unterminated = false;
  while (i < text.length) {
    const c = text[i]!;
    if (c === ':') {
      segments.push(cur);
      cur = '';
      i++;
    } else if (c === '"') {
      let j = i + 1;
      while (j < text.length && text[j] !== '"') {
        // Inside quotes a backslash keeps the next character (`\"`, `\\`).
        if (text[j] === '\\' && j + 1 < text.length) {
          cur += text[j + 1];
          j += 2;
        } else {
          cur += text[j];
          j++;
        }
      }
      if (j >= text.length) unterminated = true;
      i = j + 1;
    } else {
      cur += c;
      i++;
    }
  }
  segments.push(cur);
  const [provider, ...parts] = segments;
  return { provider: provider ?? '', parts, unterminated };
}
