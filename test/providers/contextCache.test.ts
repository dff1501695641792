import * as assert from 'assert';
import { CompletionCache } from '../../src/providers/completionCache';
import { cutWindow, documentSlice } from '../../src/providers/contextWindow';
import { atCursor } from './fixtures';

describe('context window', () => {
  it('keeps everything when the file is small', () => {
    const { text, offset } = atCursor('a\nb = |c\nd');
    assert.deepStrictEqual(cutWindow(text, offset), { prefix: 'a\nb = ', suffix: 'c\nd' });
  });

  it('cuts the prefix at a line start and the suffix at a line end', () => {
    const { text, offset } = atCursor('line one\nline two\nthree |four\nline five\nline six');
    const w = cutWindow(text, offset, { maxPrefixChars: 12, maxSuffixChars: 12 });
    assert.strictEqual(w.prefix, 'three ');
    assert.strictEqual(w.suffix, 'four');
  });

  it('cuts inside the line when the cursor line alone is longer than the window', () => {
    const { text, offset } = atCursor(`x\n${'a'.repeat(50)}|`);
    assert.strictEqual(cutWindow(text, offset, { maxPrefixChars: 10, maxSuffixChars: 10 }).prefix, 'a'.repeat(10));
  });

  it('reads only a slice of a huge document, and cuts the same window from it as from the whole text', () => {
    const lines = Array.from({ length: 40_000 }, (_, i) => `const v${i} = ${'x'.repeat(i % 90)};`);
    const text = lines.join('\n');
    for (const offset of [0, 17, 5_000, Math.floor(text.length / 2), text.length - 3, text.length]) {
      const { start, end } = documentSlice(offset, text.length);
      assert.ok(end - start <= 8_000, `slice of ${end - start} characters`);
      assert.deepStrictEqual(cutWindow(text.slice(start, end), offset - start), cutWindow(text, offset), `at ${offset}`);
    }
  });
});

describe('completion cache', () => {
  it('returns an exact hit, and nothing for another suffix', () => {
    const cache = new CompletionCache();
    cache.set('const x = ', ';\n', '42');
    assert.strictEqual(cache.get('const x = ', ';\n'), '42');
    assert.strictEqual(cache.get('const x = ', ')\n'), undefined);
  });

  it('keeps showing the rest of a suggestion while the user types what it says', () => {
    const cache = new CompletionCache();
    cache.set('return ', '\n}', 'a + b;');
    assert.strictEqual(cache.get('return a', '\n}'), ' + b;');
    assert.strictEqual(cache.get('return a + ', '\n}'), 'b;');
    assert.strictEqual(cache.get('return x', '\n}'), undefined, 'typing something else is a miss');
    assert.strictEqual(cache.get('return a + b;', '\n}'), undefined, 'fully typed: nothing left to suggest');
  });

  it('still knows the spot when the window edges moved with the cursor (a long file)', () => {
    const cache = new CompletionCache();
    const before = 'x'.repeat(2000) + '\nlet r = ';
    cache.set(before, '\n' + 'y'.repeat(700), 'compute(a, b);');
    // Typing shifted the prefix window's start by a line and the suffix window's end by one.
    assert.strictEqual(cache.get(before.slice(40) + 'comp', '\n' + 'y'.repeat(701)), 'ute(a, b);');
    assert.strictEqual(cache.get(before.slice(40).replace('let r', 'let s') + 'comp', '\n' + 'y'.repeat(700)), undefined, 'another spot');
  });

  it('keeps the suggestion when the editor auto-closes a bracket the suggestion writes further on', () => {
    const cache = new CompletionCache();
    cache.set('x = ', '\nnext();', 'foo(a, b);');
    assert.strictEqual(cache.get('x = foo(', ')\nnext();'), 'a, b);');
    cache.set('y = ', '\nnext();', 'foo;');
    assert.strictEqual(cache.get('y = f', ']\nnext();'), undefined, 'a closer the rest does not write is another spot');
  });

  it('forgets the least recently used entries beyond its size', () => {
    const cache = new CompletionCache(2);
    cache.set('a', '', '1');
    cache.set('b', '', '2');
    cache.get('a', '');
    cache.set('c', '', '3');
    assert.strictEqual(cache.get('a', ''), '1');
    assert.strictEqual(cache.get('b', ''), undefined);
  });
});
