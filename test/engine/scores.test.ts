import * as assert from 'node:assert/strict';
import { createOrtScorer } from '../../src/engine/decode/ortScorer';
import { scoreSlots } from '../../src/engine/decode/scores';
import { makeRng } from '../../src/engine/head/random';

describe('slot scoring', () => {
  const vocab = 300;
  const seq = 10;
  const mask = 1;
  const tokens = { mask, closing: [0, 2] };
  const rng = makeRng(5);
  const logits = Float32Array.from({ length: seq * vocab }, () => 4 * rng.normal());
  for (let pos = 0; pos < seq; pos++) logits[pos * vocab + mask] = 50; // the mask is always the largest logit
  logits[3 * vocab + 2] = 30; // slot 0: end-of-middle is the largest logit after the mask
  const current = Int32Array.from([mask, 7, mask, 9, mask]);
  const which = [0, 1, 2, 3, 4];

  it('predicts the argmax among content tokens, with its softmax probability, and the closing tokens\' sum', () => {
    const s = scoreSlots(logits, vocab, 3, current, tokens, which);
    for (const slot of which) {
      const row = logits.subarray((3 + slot) * vocab, (4 + slot) * vocab);
      let best = -1;
      for (let v = 0; v < vocab; v++) if (![mask, 0, 2].includes(v) && (best < 0 || row[v] > row[best])) best = v;
      let sum = 0;
      for (let v = 0; v < vocab; v++) if (v !== mask) sum += Math.exp(row[v]);
      assert.equal(s.predicted[slot], best);
      assert.ok(Math.abs(s.confidence[slot] - Math.exp(row[best]) / sum) < 1e-6);
      assert.ok(Math.abs(s.closeProb[slot] - (Math.exp(row[0]) + Math.exp(row[2])) / sum) < 1e-6);
    }
    assert.ok(s.closeProb[0] > 0.99);
    const row1 = logits.subarray(4 * vocab, 5 * vocab);
    let sum1 = 0;
    for (let v = 0; v < vocab; v++) if (v !== mask) sum1 += Math.exp(row1[v]);
    assert.ok(Math.abs(s.currentProb[1] - Math.exp(row1[7]) / sum1) < 1e-6);
  });

  it('onnxruntime scoring gives the same predictions and probabilities as the JS one', async () => {
    const ort = await createOrtScorer();
    try {
      const a = scoreSlots(logits, vocab, 3, current, tokens, which);
      const b = await ort(logits, vocab, 3, current, tokens, which);
      assert.deepEqual(Array.from(b.predicted), Array.from(a.predicted));
      for (const slot of which) {
        assert.ok(Math.abs(a.confidence[slot] - b.confidence[slot]) < 1e-5);
        assert.ok(Math.abs(a.currentProb[slot] - b.currentProb[slot]) < 1e-5);
        assert.ok(Math.abs(a.closeProb[slot] - b.closeProb[slot]) < 1e-5);
      }
      const none = await ort(logits, vocab, 3, current, tokens, []);
      assert.deepEqual(Array.from(none.predicted), [-1, -1, -1, -1, -1]);
    } finally {
      await ort.release();
    }
  });

  it('NaN logits (a broken model) end the middle at once instead of throwing', async () => {
    const broken = new Float32Array(2 * vocab).fill(NaN);
    const js = scoreSlots(broken, vocab, 0, Int32Array.from([mask, mask]), tokens, [0, 1]);
    assert.deepEqual([js.confidence[0], js.closeProb[0]], [0, 1]);
    const ort = await createOrtScorer();
    try {
      const o = await ort(broken, vocab, 0, Int32Array.from([mask, mask]), tokens, [0, 1]);
      assert.deepEqual([o.confidence[0], o.closeProb[0]], [0, 1]);
    } finally {
      await ort.release();
    }
  });
});
