import * as assert from 'node:assert/strict';
import { createOrtScorer } from '../../src/engine/decode/ortScorer';
import { scoreSlots } from '../../src/engine/decode/scores';
import { makeRng } from '../../src/engine/head/random';

describe('slot scoring', () => {
  const vocab = 300;
  const seq = 10;
  const mask = 1;
  const rng = makeRng(5);
  const logits = Float32Array.from({ length: seq * vocab }, () => 4 * rng.normal());
  for (let pos = 0; pos < seq; pos++) logits[pos * vocab + mask] = 50; // the mask is always the largest logit
  const current = Int32Array.from([mask, 7, mask, 9, mask]);
  const which = [0, 1, 2, 3, 4];

  it('predicts the argmax without the mask, with its softmax probability', () => {
    const s = scoreSlots(logits, vocab, 3, current, mask, which);
    for (const slot of which) {
      const row = logits.subarray((3 + slot) * vocab, (4 + slot) * vocab);
      let best = -1;
      for (let v = 0; v < vocab; v++) if (v !== mask && (best < 0 || row[v] > row[best])) best = v;
      let sum = 0;
      for (let v = 0; v < vocab; v++) if (v !== mask) sum += Math.exp(row[v] - row[best]);
      assert.equal(s.predicted[slot], best);
      assert.ok(Math.abs(s.confidence[slot] - 1 / sum) < 1e-6);
    }
    const row1 = logits.subarray(4 * vocab, 5 * vocab);
    let sum1 = 0;
    for (let v = 0; v < vocab; v++) if (v !== mask) sum1 += Math.exp(row1[v]);
    assert.ok(Math.abs(s.currentProb[1] - Math.exp(row1[7]) / sum1) < 1e-6);
  });

  it('onnxruntime scoring gives the same predictions and probabilities as the JS one', async () => {
    const ort = await createOrtScorer();
    try {
      const a = scoreSlots(logits, vocab, 3, current, mask, which);
      const b = await ort(logits, vocab, 3, current, mask, which);
      assert.deepEqual(Array.from(b.predicted), Array.from(a.predicted));
      for (const slot of which) {
        assert.ok(Math.abs(a.confidence[slot] - b.confidence[slot]) < 1e-5);
        assert.ok(Math.abs(a.currentProb[slot] - b.currentProb[slot]) < 1e-5);
      }
      const none = await ort(logits, vocab, 3, current, mask, []);
      assert.deepEqual(Array.from(none.predicted), [-1, -1, -1, -1, -1]);
    } finally {
      await ort.release();
    }
  });

  it('NaN logits (a broken model) give a zero-confidence end token instead of throwing', async () => {
    const broken = new Float32Array(2 * vocab).fill(NaN);
    const js = scoreSlots(broken, vocab, 0, Int32Array.from([mask, mask]), mask, [0, 1]);
    assert.deepEqual([js.predicted[0], js.confidence[0]], [0, 0]);
    const ort = await createOrtScorer();
    try {
      const o = await ort(broken, vocab, 0, Int32Array.from([mask, mask]), mask, [0, 1]);
      assert.deepEqual([o.predicted[0], o.confidence[0]], [0, 0]);
    } finally {
      await ort.release();
    }
  });
});
