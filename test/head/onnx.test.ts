import * as assert from 'assert';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { HeadConfig, HeadModel, PARAM_NAMES } from '../../src/engine/head/model';
import { onnx } from 'onnx-proto';
import * as ort from 'onnxruntime-node';
import { headFromOnnx, headToOnnx, ROWS_INPUT } from '../../src/engine/head/onnx';
import { OrtHead, swapHead } from '../../src/engine/head/ortHead';
import { makeRng } from '../../src/engine/head/random';

const config: HeadConfig = { inputSize: 24, width: 16, numHeads: 4, mlpWidth: 32 };

/** Random weights everywhere (not the init's unit gains and zero biases), so the export of each is exercised. */
function randomHead(seed: number): HeadModel {
  const rng = makeRng(seed);
  const head = HeadModel.create(config, rng);
  for (const name of PARAM_NAMES) {
    const p = head.params[name];
    for (let i = 0; i < p.length; i++) p[i] += 0.3 * rng.normal();
  }
  return head;
}

function randomHidden(n: number, seed: number): Float32Array {
  const rng = makeRng(seed);
  return Float32Array.from({ length: n }, () => 3 * rng.normal() + 0.5);
}

/** onnxruntime's P(wrong) against the TypeScript forward's: the same length, each within 1e-5. */
function assertClose(got: Float32Array, want: ArrayLike<number>): void {
  assert.strictEqual(got.length, want.length);
  const worst = Math.max(0, ...Array.from(want, (w, i) => Math.abs(got[i] - w)));
  assert.ok(worst < 1e-5, `max abs difference ${worst}`);
}

describe('head ONNX export', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'backplay-head-'));
  const head = randomHead(1);
  const file = path.join(dir, 'head.onnx');
  fs.writeFileSync(file, headToOnnx(head));
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  // seq 1 checks the left-neighbour shift where the sequence has no neighbour (an empty slice).
  for (const [batch, seq] of [[1, 7], [3, 20], [2, 1]]) {
    it(`onnxruntime gives the TypeScript forward's P(wrong) at batch ${batch}, seq ${seq}`, async () => {
      const ortHead = await OrtHead.load(file, { executionProviders: ['cpu'] }, config.inputSize);
      try {
        const x = randomHidden(batch * seq * config.inputSize, batch * 100 + seq);
        const expected = head.pWrong(x, batch, seq);
        const got = await ortHead.pWrong(x, batch, seq);
        assert.strictEqual(got.length, batch * seq);
        assertClose(got, expected);
        // The outputs must vary, or agreement would be trivial.
        if (got.length >= 7) assert.ok(Math.max(...got) - Math.min(...got) > 0.05, 'P(wrong) is flat');
      } finally {
        await ortHead.dispose();
      }
    });
  }

  /** The TypeScript forward's P(wrong) for positions [start, end) of each sequence. */
  function expectedRows(x: Float32Array, batch: number, seq: number, start: number, end: number): number[] {
    const all = head.pWrong(x, batch, seq);
    const want: number[] = [];
    for (let b = 0; b < batch; b++) for (let i = start; i < end; i++) want.push(all[b * seq + i]);
    return want;
  }

  it('scores only the rows asked for, with the values of a full run', async () => {
    // The graph itself takes the rows (not the fallback for old heads that cuts them out in JS).
    const session = await ort.InferenceSession.create(file);
    assert.deepStrictEqual(session.inputNames, ['hidden', ROWS_INPUT]);
    await session.release();
    const ortHead = await OrtHead.load(file, { executionProviders: ['cpu'] }, config.inputSize);
    try {
      const [batch, seq] = [2, 20];
      const x = randomHidden(batch * seq * config.inputSize, 7);
      assertClose(await ortHead.pWrong(x, batch, seq, { start: 5, end: 12 }), expectedRows(x, batch, seq, 5, 12));
      assertClose(await ortHead.pWrong(x, batch, seq, { start: 0, end: 1 }), expectedRows(x, batch, seq, 0, 1));
      assert.strictEqual((await ortHead.pWrong(x, batch, seq, { start: 4, end: 4 })).length, 0);
      await assert.rejects(ortHead.pWrong(x, batch, seq, { start: 15, end: 21 }), /not within a sequence of 20/);
    } finally {
      await ortHead.dispose();
    }
  });

  it('cuts the rows out itself for a head file written before the rows input', async () => {
    // The old graph: `rows` a constant that spans every position, not an input.
    const model = onnx.ModelProto.decode(fs.readFileSync(file));
    const graph = model.graph!;
    graph.input = (graph.input ?? []).filter((i) => i.name !== ROWS_INPUT);
    const everyRow = new BigInt64Array([0n, 1000n]);
    graph.initializer = [...(graph.initializer ?? []), { name: ROWS_INPUT, dims: [2], dataType: onnx.TensorProto.DataType.INT64, rawData: new Uint8Array(everyRow.buffer) }];
    const oldFile = path.join(dir, 'no-rows.onnx');
    fs.writeFileSync(oldFile, onnx.ModelProto.encode(model).finish());
    const ortHead = await OrtHead.load(oldFile, { executionProviders: ['cpu'] }, config.inputSize);
    try {
      const [batch, seq] = [2, 9];
      const x = randomHidden(batch * seq * config.inputSize, 8);
      assertClose(await ortHead.pWrong(x, batch, seq, { start: 3, end: 9 }), expectedRows(x, batch, seq, 3, 9));
    } finally {
      await ortHead.dispose();
    }
  });

  it('reads back the exact weights and config it wrote', () => {
    const back = headFromOnnx(fs.readFileSync(file));
    assert.deepStrictEqual(back.config, config);
    for (const name of PARAM_NAMES) assert.deepStrictEqual(back.params[name], head.params[name], name);
  });

  it('refuses at load a head made for another hidden size, naming both sizes', async () => {
    await assert.rejects(OrtHead.load(file, { executionProviders: ['cpu'] }, 256), /size of 24.*hidden size is 256|24.*256/);
  });

  it('swaps heads: a bad file leaves the current head working; a good one replaces it', async () => {
    const current = await OrtHead.load(file, { executionProviders: ['cpu'] }, config.inputSize);
    const bad = path.join(dir, 'bad.onnx');
    fs.writeFileSync(bad, 'not a model');
    await assert.rejects(swapHead(current, bad, { executionProviders: ['cpu'] }, config.inputSize));
    const x = randomHidden(5 * config.inputSize, 3);
    assert.strictEqual((await current.pWrong(x, 1, 5)).length, 5);

    const other = randomHead(2);
    const otherFile = path.join(dir, 'other.onnx');
    fs.writeFileSync(otherFile, headToOnnx(other));
    const next = await swapHead(current, otherFile, { executionProviders: ['cpu'] }, config.inputSize);
    const got = await next.pWrong(x, 1, 5);
    const want = other.pWrong(x, 1, 5);
    assertClose(got, want);
    await assert.rejects(current.pWrong(x, 1, 5), 'the old session should be released');
    await next.dispose();
  });
});
