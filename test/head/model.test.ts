import * as assert from 'assert';
import { Adam } from '../../src/engine/head/adam';
import { Floats } from '../../src/engine/head/gemm';
import { weightedBce } from '../../src/engine/head/loss';
import { HeadConfig, HeadModel, PARAM_NAMES, initParams, zeroParams } from '../../src/engine/head/model';
import { makeRng } from '../../src/engine/head/random';

const tiny: HeadConfig = { inputSize: 6, width: 8, numHeads: 2, mlpWidth: 12 };

/** Float64 head with every weight (gains and biases too) moved away from its init, so no gradient is trivially zero. */
function randomHead(seed: number): HeadModel {
  const rng = makeRng(seed);
  const params = initParams(tiny, rng, 'float64');
  for (const name of PARAM_NAMES) {
    const p = params[name];
    for (let i = 0; i < p.length; i++) p[i] = name.endsWith('gamma') ? 1 + 0.3 * rng.normal() : p[i] + 0.3 * rng.normal();
  }
  return new HeadModel(tiny, params);
}

function randomArray(n: number, seed: number, scale = 1): Float64Array {
  const rng = makeRng(seed);
  return Float64Array.from({ length: n }, () => rng.normal() * scale);
}

describe('head model: forward and backward', () => {
  const batch = 2, seq = 5;
  const hidden = randomArray(batch * seq * tiny.inputSize, 11, 2);
  const labels = Uint8Array.from({ length: batch * seq }, (_, i) => (i % 3 === 0 ? 1 : 0));
  const mask = Uint8Array.from({ length: batch * seq }, (_, i) => (i === 4 ? 0 : 1));
  const lossOf = (head: HeadModel, x: Floats): number =>
    weightedBce(head.forward(x, batch, seq).logits, labels, mask, 3).loss;

  /** max |analytic - numeric| / max(|analytic|, |numeric|, 1e-3) over one tensor, by central differences. */
  function maxRelError(analytic: Floats, values: Floats, f: () => number): number {
    const eps = 1e-6;
    let worst = 0;
    for (let i = 0; i < values.length; i++) {
      const keep = values[i];
      values[i] = keep + eps;
      const up = f();
      values[i] = keep - eps;
      const down = f();
      values[i] = keep;
      const numeric = (up - down) / (2 * eps);
      const err = Math.abs(analytic[i] - numeric) / Math.max(Math.abs(analytic[i]), Math.abs(numeric), 1e-3);
      worst = Math.max(worst, err);
    }
    return worst;
  }

  const head = randomHead(3);
  const { logits, cache } = head.forward(hidden, batch, seq);
  const { grad } = weightedBce(logits, labels, mask, 3);
  const grads = zeroParams(tiny, 'float64');
  const dInput = head.backward(cache, grad, grads, true)!;

  for (const name of PARAM_NAMES) {
    it(`matches central differences for ${name}`, () => {
      let sq = 0;
      for (const g of grads[name]) sq += g * g;
      const norm = Math.sqrt(sq);
      // The key bias adds the same q.bk to every score of a row, which softmax cancels: its true
      // gradient is zero, so there the check is that both gradients vanish.
      if (name === 'attn.bk') assert.ok(norm < 1e-12, `attn.bk gradient ${norm}`);
      else assert.ok(norm > 1e-8, `gradient of ${name} is zero: the check would prove nothing`);
      const err = maxRelError(grads[name], head.params[name], () => lossOf(head, hidden));
      assert.ok(err < 1e-5, `${name}: relative error ${err}`);
    });
  }

  it('matches central differences for the input hidden states', () => {
    const x = Float64Array.from(hidden);
    const err = maxRelError(dInput, x, () => lossOf(head, x));
    assert.ok(err < 1e-5, `input: relative error ${err}`);
  });

  it('gives the same logits in float32 as in float64', () => {
    const f32 = new HeadModel(tiny, Object.fromEntries(
      PARAM_NAMES.map((n) => [n, Float32Array.from(head.params[n])]),
    ) as Record<(typeof PARAM_NAMES)[number], Float32Array>);
    const a = f32.forward(Float32Array.from(hidden), batch, seq).logits;
    for (let i = 0; i < a.length; i++) assert.ok(Math.abs(a[i] - logits[i]) < 1e-4, `logit ${i}: ${a[i]} vs ${logits[i]}`);
  });

  it('rejects an input of the wrong size', () => {
    assert.throws(() => head.forward(new Float64Array(7), 1, 1), /expected 1x1x6/);
  });

  it('learns a position-dependent labelling with Adam (loss falls well below its start)', () => {
    const model = HeadModel.create(tiny, makeRng(5));
    const x = Float32Array.from(randomArray(4 * 6 * tiny.inputSize, 9));
    // Label = sign of the first input feature: learnable from the hidden states alone.
    const y = Uint8Array.from({ length: 24 }, (_, i) => (x[i * tiny.inputSize] > 0 ? 1 : 0));
    const all = new Uint8Array(24).fill(1);
    const adam = new Adam(model.params, { lr: 1e-2 });
    let first = 0, last = 0;
    for (let step = 0; step < 150; step++) {
      const out = model.forward(x, 4, 6);
      const bce = weightedBce(out.logits, y, all, 1);
      const g = zeroParams(tiny);
      model.backward(out.cache, bce.grad, g);
      adam.step(g);
      if (step === 0) first = bce.loss;
      last = bce.loss;
    }
    assert.ok(last < first * 0.2, `loss ${first} -> ${last}`);
  });
});

describe('weighted BCE', () => {
  it('weights positives, ignores masked-out positions and agrees with the textbook formula', () => {
    const logits = Float64Array.from([0.5, -1, 2, 3]);
    const labels = Uint8Array.from([1, 0, 1, 0]);
    const mask = Uint8Array.from([1, 1, 1, 0]);
    const r = weightedBce(logits, labels, mask, 4);
    const s = (x: number): number => 1 / (1 + Math.exp(-x));
    const expected = (-4 * Math.log(s(0.5)) - Math.log(1 - s(-1)) - 4 * Math.log(s(2))) / 3;
    assert.ok(Math.abs(r.loss - expected) < 1e-12, `${r.loss} vs ${expected}`);
    assert.strictEqual(r.count, 3);
    assert.strictEqual(r.grad[3], 0);
    assert.ok(Math.abs(r.grad[0] - (4 * (s(0.5) - 1)) / 3) < 1e-12);
  });
});
