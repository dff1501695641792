import * as assert from 'assert';
import { rewriteCounter } from '../../bench/rewrites';
import type { DraftSlot, SlotState } from '../../src/engine/types';

const snapshot = (step: number, slots: [string, SlotState][]) => ({
  step,
  slots: slots.map(([text, state]): DraftSlot => ({ text, state })),
  text: '',
  elapsedMs: 0,
});

describe('re-mask outcome counter (bench/rewrites.ts)', () => {
  it('pairs each flagged slot with its next rewrite: same text or another', () => {
    const c = rewriteCounter();
    c.onDraft(snapshot(1, [['a', 'committed'], ['b', 'committed'], ['', 'masked']]));
    c.onDraft(snapshot(2, [['a', 'flagged'], ['b', 'flagged'], ['c', 'committed']]));
    c.onDraft(snapshot(3, [['', 'masked'], ['x', 'rewritten'], ['c', 'stable']])); // slot 1 rewritten to another token
    c.onDraft(snapshot(4, [['a', 'rewritten'], ['x', 'rewritten'], ['c', 'stable']])); // slot 0 back to 'a'; slot 1 is not counted twice
    assert.deepStrictEqual([c.remasks, c.same, c.different], [2, 1, 1]);
  });
});
