import * as assert from 'node:assert/strict';
import { fitWindow } from '../../src/engine/decode/window';
import { editSimilarity, exactMatch, pairedDifference, percentile, trimLineEnds } from '../../src/engine/metrics';

describe('eval metrics', () => {
  it('exact match ignores trailing whitespace of each line, nothing else', () => {
    assert.equal(trimLineEnds('a  \n b\t\n'), 'a\n b\n');
    assert.ok(exactMatch('return x;  \n}', 'return x;\n}'));
    assert.ok(!exactMatch('return x;', ' return x;'));
    assert.ok(!exactMatch('return x;', 'return x;\n'));
  });

  it('edit similarity is 1 - levenshtein / max length, and 1 for two empty strings', () => {
    assert.equal(editSimilarity('', ''), 1);
    assert.equal(editSimilarity('abcd', 'abcd'), 1);
    assert.equal(editSimilarity('abcd', 'abce'), 0.75);
    assert.equal(editSimilarity('abcd', ''), 0);
    assert.equal(editSimilarity('ab', 'abcd'), 0.5);
  });

  it('percentiles interpolate between ranks', () => {
    assert.equal(percentile([5, 1, 3], 50), 3);
    assert.equal(percentile([1, 2, 3, 4], 50), 2.5);
    assert.equal(percentile([10, 20], 95), 19.5);
    assert.ok(Number.isNaN(percentile([], 50)));
  });

  it('a paired difference pairs task with task: a constant gap has no spread, an uneven one has the interval of its differences', () => {
    // Tasks of very different difficulty, b always 0.01 below a: the gap is certain.
    const a = [0.9, 0.1, 0.5, 0.3];
    const same = pairedDifference(a, a.map((x) => x - 0.01));
    assert.ok(Math.abs(same.mean - 0.01) < 1e-12 && Math.abs(same.high - same.low) < 1e-12);
    // Differences 1, -1, 1, -1: mean 0, sample sd 2/sqrt(3), interval 0 +- 1.96 * sd / 2.
    const d = pairedDifference([1, 0, 1, 0], [0, 1, 0, 1]);
    const half = (1.96 * (2 / Math.sqrt(3))) / 2;
    assert.equal(d.mean, 0);
    assert.ok(Math.abs(d.high - half) < 1e-12 && Math.abs(d.low + half) < 1e-12);
    assert.throws(() => pairedDifference([1], [1, 2]), /differ in length/);
  });
});

describe('context window', () => {
  const range = (a: number, b: number) => Array.from({ length: b - a }, (_, i) => a + i);

  it('keeps everything when it fits', () => {
    const w = fitWindow(range(0, 10), range(100, 105), 8, 64);
    assert.deepEqual(w, { prefixIds: range(0, 10), suffixIds: range(100, 105), slots: 8 });
  });

  it('keeps the end of the prefix and the start of the suffix, the suffix at most a quarter', () => {
    const w = fitWindow(range(0, 1000), range(2000, 3000), 24, 128);
    assert.equal(w.prefixIds.length + w.suffixIds.length + w.slots, 128);
    assert.equal(w.suffixIds.length, Math.floor((128 - 24) / 4));
    assert.equal(w.prefixIds[w.prefixIds.length - 1], 999);
    assert.equal(w.suffixIds[0], 2000);
  });

  it('gives a short prefix\'s room to the suffix', () => {
    const w = fitWindow(range(0, 4), range(100, 1000), 24, 128);
    assert.equal(w.prefixIds.length, 4);
    assert.equal(w.suffixIds.length, 128 - 24 - 4);
  });

  it('caps the canvas at the context', () => {
    const w = fitWindow(range(0, 50), range(0, 50), 500, 64);
    assert.deepEqual([w.prefixIds.length, w.suffixIds.length, w.slots], [0, 0, 64]);
  });
});
