import * as assert from 'node:assert/strict';
import { AbortError, CLOSE_AT, denoise, type DecodeInput } from '../../src/engine/decode/loop';
import { createPolicy } from '../../src/engine/decode/policies';
import type { SamplerName, SlotState } from '../../src/engine/types';
import { EOM, FakeHead, FakeModel, MASK, SPECIAL } from './fixtures/fakeModel';

const PREFIX = [5, 6, 7];
const SUFFIX = [8];

function input(model: FakeModel, overrides: Partial<DecodeInput> & { sampler?: SamplerName } = {}): DecodeInput {
  return {
    model,
    policy: createPolicy(overrides.sampler ?? 'confidence', { threshold: 0.9 }),
    special: SPECIAL,
    prefixIds: PREFIX,
    suffixIds: SUFFIX,
    slots: 8,
    tokensPerStep: 1,
    blockLength: 32,
    correction: { tau: 0.5, maxRemask: 2, stride: 2, fifo: 4 },
    seed: 1,
    ...overrides,
  };
}

const want8 = [3, 4, 5, 6, 7, 8, 9, 10];
const conf8 = [0.9, 0.8, 0.7, 0.6, 0.55, 0.5, 0.45, 0.4];

describe('denoising loop', () => {
  for (const k of [1, 2, 3, 4, 8]) {
    it(`commits ${k} token(s) per step: ceil(8/${k}) steps and passes`, async () => {
      const model = new FakeModel(PREFIX.length, want8, conf8);
      const out = await denoise(input(model, { tokensPerStep: k }));
      assert.deepEqual(out.ids, want8);
      assert.equal(out.filled, true, 'every slot holds content: the canvas ran out');
      assert.equal(out.steps, Math.ceil(8 / k));
      assert.equal(out.forwardPasses, Math.ceil(8 / k));
      assert.equal(model.calls, Math.ceil(8 / k));
    });
  }

  it('feeds the model prefix, masks and suffix, and commits the most confident slot first', async () => {
    const model = new FakeModel(PREFIX.length, want8, [0.5, 0.6, 0.95, 0.6, 0.6, 0.6, 0.6, 0.6]);
    const states: SlotState[][] = [];
    await denoise(input(model, { onStep: (_s, _ids, st) => states.push(st) }));
    assert.deepEqual(Array.from(model.inputs[0]), [...PREFIX, ...Array(8).fill(MASK), ...SUFFIX]);
    assert.equal(states[0][2], 'committed');
    assert.equal(states[0].filter((s) => s === 'masked').length, 7);
    assert.equal(states[1][2], 'stable');
  });

  it('never commits the mask token even when its logit is the largest', async () => {
    const model = new FakeModel(PREFIX.length, want8, conf8);
    const out = await denoise(input(model, { tokensPerStep: 8 }));
    assert.ok(!out.ids.includes(MASK));
  });

  it('ends the middle at the first open slot once the end is likely there, and pads the rest without steps', async () => {
    const want = [3, 4, EOM, EOM, EOM, EOM, EOM, EOM];
    const model = new FakeModel(PREFIX.length, want, [0.6, 0.7, 0.99, 0.99, 0.99, 0.99, 0.99, 0.99]);
    const steps: { ids: number[]; states: SlotState[] }[] = [];
    const out = await denoise(input(model, { onStep: (_s, ids, states) => steps.push({ ids: Array.from(ids), states }) }));
    assert.deepEqual(out.ids, [3, 4]);
    assert.equal(out.filled, false);
    // Padding, however sure, waits for the content: slot 1, slot 0, then the end at slot 2.
    assert.equal(out.steps, 3);
    assert.deepEqual(steps[0].states, ['masked', 'committed', 'masked', 'masked', 'masked', 'masked', 'masked', 'masked']);
    assert.deepEqual(steps[2].ids, [3, 4, EOM, EOM, EOM, EOM, EOM, EOM]);
  });

  it(`ends the middle only when the end is at least ${CLOSE_AT} likely at the first open slot`, async () => {
    const sure = await denoise(input(new FakeModel(PREFIX.length, [EOM, EOM], [CLOSE_AT + 0.1, 0.9]), { slots: 2 }));
    assert.deepEqual([sure.ids, sure.steps], [[], 1]);
    const unsure = await denoise(input(new FakeModel(PREFIX.length, [EOM, EOM], [CLOSE_AT - 0.1, 0.9]), { slots: 2 }));
    assert.equal(unsure.ids.length, 1, 'the first slot gets the best content token; the second then ends the middle');
    assert.ok(![EOM, MASK].includes(unsure.ids[0]));
  });

  it('leaves padding less sure than the content for later steps', async () => {
    const want = [3, 4, 5, EOM, EOM, EOM, EOM, EOM];
    const model = new FakeModel(PREFIX.length, want, [0.9, 0.9, 0.9, 0.5, 0.5, 0.5, 0.5, 0.5]);
    const states: SlotState[][] = [];
    const out = await denoise(input(model, { onStep: (_s, _ids, st) => states.push(st) }));
    assert.deepEqual(out.ids, [3, 4, 5]);
    assert.deepEqual(states[0].slice(3), ['masked', 'masked', 'masked', 'masked', 'masked']);
    // Content first (3 steps), then the closing eom, which pads the rest.
    assert.equal(out.steps, 4);
  });

  it('end tokens (a one-line request: the line breaks) end the middle as end-of-middle does', async () => {
    const NEWLINE = 11;
    const want = [3, 4, NEWLINE, 6, 7, 8, 9, 10];
    const conf = [0.9, 0.9, 0.9, 0.8, 0.8, 0.8, 0.8, 0.8];
    const oneLine = await denoise(input(new FakeModel(PREFIX.length, want, conf), { endTokens: [NEWLINE] }));
    assert.deepEqual([oneLine.ids, oneLine.steps], [[3, 4], 3]);
    const anyLength = await denoise(input(new FakeModel(PREFIX.length, want, conf)));
    assert.deepEqual(anyLength.ids, want);
  });

  it('decodes block by block: no slot of block 2 before block 1 is full', async () => {
    const model = new FakeModel(PREFIX.length, want8, [0.5, 0.5, 0.5, 0.5, 0.99, 0.99, 0.99, 0.99]);
    const order: number[] = [];
    await denoise(
      input(model, {
        blockLength: 4,
        onStep: (_s, _ids, st) => st.forEach((x, slot) => x === 'committed' && order.push(slot)),
      }),
    );
    assert.deepEqual(order.slice(0, 4).sort(), [0, 1, 2, 3]);
  });

  it('threshold commits every slot above the threshold, and at least one', async () => {
    const model = new FakeModel(PREFIX.length, want8.slice(0, 4), [0.95, 0.5, 0.92, 0.3]);
    const committed: number[][] = [];
    const out = await denoise(
      input(model, {
        sampler: 'threshold',
        slots: 4,
        onStep: (_s, _ids, st) => committed.push(st.flatMap((x, slot) => (x === 'committed' ? [slot] : []))),
      }),
    );
    assert.deepEqual(committed, [[0, 2], [1], [3]]);
    assert.equal(out.steps, 3);
  });

  it('backplay re-masks what the head flags, on look-back steps only, among slots visible to the head', async () => {
    const model = new FakeModel(PREFIX.length, want8, conf8);
    // The head flags slots 0, 1 and 2 on its first call only; slot 2 is committed in that very step,
    // so the head saw a mask there and must not re-mask it.
    const head = new FakeHead(PREFIX.length, (slot, call) => (call === 1 && slot >= 0 && slot <= 2 ? 0.9 - 0.1 * slot : 0));
    const states: SlotState[][] = [];
    const out = await denoise(
      input(model, {
        sampler: 'backplay',
        head,
        correction: { tau: 0.5, maxRemask: 2, stride: 3, fifo: 4 },
        onStep: (_s, _ids, st) => states.push(st),
      }),
    );
    assert.deepEqual(states[0].slice(0, 3), ['committed', 'masked', 'masked']);
    assert.deepEqual(states[2].slice(0, 3), ['flagged', 'flagged', 'committed']);
    // The head scores the candidates' span only (slots 0-1), not the whole sequence.
    assert.deepEqual(head.rowsAsked[0], { start: PREFIX.length, end: PREFIX.length + 2 });
    assert.equal(out.remasks, 2);
    assert.equal(out.steps, 8 + 2);
    assert.equal(out.headCalls, Math.floor(out.steps / 3));
    assert.equal(head.calls, out.headCalls);
    assert.equal(states[states.length - 1][0], 'rewritten');
    assert.deepEqual(out.ids, want8);
  });

  it('backplay re-masks at most maxRemask slots, the most likely wrong first, and only above tau', async () => {
    const model = new FakeModel(PREFIX.length, want8, conf8);
    const head = new FakeHead(PREFIX.length, (slot, call) => (call === 1 ? [0.6, 0.9, 0.4][slot] ?? 0 : 0));
    const states: SlotState[][] = [];
    const out = await denoise(
      input(model, {
        sampler: 'backplay',
        head,
        correction: { tau: 0.5, maxRemask: 1, stride: 4, fifo: 4 },
        onStep: (_s, _ids, st) => states.push(st),
      }),
    );
    assert.deepEqual(states[3].slice(0, 4), ['stable', 'flagged', 'stable', 'committed']);
    assert.equal(out.remasks, 1);
  });

  it('backplay respects the FIFO: a slot re-masked recently is not re-masked again', async () => {
    const model = new FakeModel(PREFIX.length, want8, conf8);
    const head = new FakeHead(PREFIX.length, (slot) => (slot === 0 ? 0.99 : 0));
    const withFifo = await denoise(input(model, { sampler: 'backplay', head, correction: { tau: 0.5, maxRemask: 1, stride: 1, fifo: 100 } }));
    assert.equal(withFifo.remasks, 1);
    const model2 = new FakeModel(PREFIX.length, want8, conf8);
    const head2 = new FakeHead(PREFIX.length, (slot) => (slot === 0 ? 0.99 : 0));
    const noFifo = await denoise(input(model2, { sampler: 'backplay', head: head2, correction: { tau: 0.5, maxRemask: 1, stride: 1, fifo: 0 } }));
    assert.ok(noFifo.remasks > 1, `remasks ${noFifo.remasks}`);
  });

  it('ends even when the head flags everything every step (bounded by 3x the canvas)', async () => {
    const model = new FakeModel(PREFIX.length, want8, conf8);
    const head = new FakeHead(PREFIX.length, () => 1);
    const out = await denoise(input(model, { sampler: 'backplay', head, correction: { tau: 0.5, maxRemask: 8, stride: 1, fifo: 0 } }));
    assert.ok(out.steps <= 3 * 8, `steps ${out.steps}`);
    assert.deepEqual(out.ids, want8);
  });

  it('self-remask re-masks the committed slot the model now finds least likely', async () => {
    const keep = [0.99, 0.1, 0.99, 0.99, 0.99, 0.99, 0.99, 0.99];
    const model = new FakeModel(PREFIX.length, want8, conf8, keep);
    const states: SlotState[][] = [];
    const out = await denoise(input(model, { sampler: 'self-remask', correction: { tau: 0.5, maxRemask: 2, stride: 3, fifo: 4 }, onStep: (_s, _i, st) => states.push(st) }));
    assert.equal(states[2][1], 'flagged');
    assert.equal(states[2][0], 'stable');
    assert.ok(out.remasks >= 1);
    assert.equal(out.headCalls, 0);
  });

  it('random-remask is reproducible with a seed and re-masks within its budget', async () => {
    const run = async (seed: number) => {
      const trace: string[] = [];
      const out = await denoise(
        input(new FakeModel(PREFIX.length, want8, conf8), {
          sampler: 'random-remask',
          seed,
          correction: { tau: 0.5, maxRemask: 1, stride: 2, fifo: 2 },
          onStep: (_s, _i, st) => trace.push(st.join(',')),
        }),
      );
      return { out, trace: trace.join('|') };
    };
    const a = await run(7);
    const b = await run(7);
    assert.equal(a.trace, b.trace);
    assert.ok(a.out.remasks >= 1);
    assert.ok(a.out.remasks <= Math.ceil(a.out.steps / 2));
    const seeds = await Promise.all([1, 2, 3, 4, 5].map(run));
    assert.ok(new Set(seeds.map((r) => r.trace)).size > 1, 'different seeds never differ');
  });

  it('confidence sampling is deterministic', async () => {
    const a = await denoise(input(new FakeModel(PREFIX.length, want8, conf8), { tokensPerStep: 3 }));
    const b = await denoise(input(new FakeModel(PREFIX.length, want8, conf8), { tokensPerStep: 3 }));
    assert.deepEqual(a, { ...b, modelMs: a.modelMs, headMs: a.headMs, scoreMs: a.scoreMs });
  });

  it('stops within one forward pass of a cancellation', async () => {
    const model = new FakeModel(PREFIX.length, want8, conf8);
    const controller = new AbortController();
    await assert.rejects(
      denoise(input(model, { signal: controller.signal, onStep: (step) => step === 2 && controller.abort() })),
      AbortError,
    );
    assert.equal(model.calls, 2);
  });

  it('an empty canvas returns at once with no forward pass', async () => {
    const model = new FakeModel(PREFIX.length, [], []);
    const out = await denoise(input(model, { slots: 0 }));
    assert.deepEqual(out.ids, []);
    assert.equal(model.calls, 0);
  });
});
