import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { languageDoc } from '../../src/builtins/docs.js';
import { BUILTINS } from '../../src/builtins/index.js';

const DOC = join(import.meta.dirname, '..', '..', 'docs', 'language.md');

describe('docs/language.md', () => {
  it('is generated from BUILTINS and PROVIDERS', () => {
    const text = languageDoc();
    if (process.env.UPDATE_GOLDEN === '1' || !existsSync(DOC)) writeFileSync(DOC, text);
    expect(readFileSync(DOC, 'utf8')).toBe(text);
  });

  it.each(['printf', 'count', 'hist', 'lhist', 'str', 'ksym', 'kstack', 'join', 'strftime'])('documents %s', (name) => {
    expect(BUILTINS.some((b) => b.name === name && b.doc.length > 10)).toBe(true);
    expect(languageDoc()).toContain(name);
  });
});
