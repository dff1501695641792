import * as assert from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import * as ort from 'onnxruntime-node';
import { Tokenizer } from '@huggingface/tokenizers';
import { tinyModelDir } from './fixtures/tinyModel';

interface ParityCase {
  batch: number;
  seq: number;
  ids: number[];
  logits: string;
  hidden: string;
}
interface Parity {
  vocab: number;
  hidden_size: number;
  cases: ParityCase[];
}

function readF32(file: string): Float32Array {
  const buf = fs.readFileSync(file);
  return new Float32Array(buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength));
}

function maxAbsDiff(a: Float32Array, b: Float32Array): number {
  assert.strictEqual(a.length, b.length);
  let worst = 0;
  for (let i = 0; i < a.length; i++) worst = Math.max(worst, Math.abs(a[i] - b[i]));
  return worst;
}

function argmaxAgreement(a: Float32Array, b: Float32Array, width: number): number {
  let same = 0;
  const rows = a.length / width;
  for (let r = 0; r < rows; r++) {
    let ia = 0;
    let ib = 0;
    for (let j = 1; j < width; j++) {
      if (a[r * width + j] > a[r * width + ia]) ia = j;
      if (b[r * width + j] > b[r * width + ib]) ib = j;
    }
    if (ia === ib) same++;
  }
  return same / rows;
}

async function run(session: ort.InferenceSession, c: ParityCase): Promise<ort.InferenceSession.OnnxValueMapType> {
  const ids = new ort.Tensor('int64', BigInt64Array.from(c.ids.map(BigInt)), [c.batch, c.seq]);
  return session.run({ input_ids: ids });
}

// The training smoke (training/smoke.py) trains a tiny model in both phases and exports it; here
// onnxruntime-node must reproduce PyTorch's outputs, on two input shapes (dynamic axes).
describe('training pipeline: smoke model directory', function () {
  this.timeout(180_000);
  let dir: string;
  let parity: Parity;

  before(async () => {
    dir = await tinyModelDir();
    parity = JSON.parse(fs.readFileSync(path.join(dir, 'parity.json'), 'utf8'));
  });

  it('has the model directory layout and a config with the special ids', () => {
    for (const file of ['model.onnx', 'config.json', 'tokenizer.json']) assert.ok(fs.existsSync(path.join(dir, file)), file);
    const config = JSON.parse(fs.readFileSync(path.join(dir, 'config.json'), 'utf8'));
    for (const key of ['name', 'version', 'mask_token_id', 'eom_token_id', 'max_seq_len', 'hidden_size', 'vocab_size']) {
      assert.ok(config[key] !== undefined && config[key] !== null, key);
    }
    assert.notStrictEqual(config.mask_token_id, config.eom_token_id);
    assert.strictEqual(config.hidden_size, parity.hidden_size);
  });

  it('names the special tokens in its tokenizer with the ids the config gives', () => {
    const config = JSON.parse(fs.readFileSync(path.join(dir, 'config.json'), 'utf8'));
    const tokenizer = new Tokenizer(JSON.parse(fs.readFileSync(path.join(dir, 'tokenizer.json'), 'utf8')), {});
    assert.strictEqual(tokenizer.token_to_id('<|endoftext|>'), config.eot_token_id);
    assert.strictEqual(tokenizer.token_to_id('<|mask|>'), config.mask_token_id);
    assert.strictEqual(tokenizer.token_to_id('<|eom|>'), config.eom_token_id);
    assert.ok(tokenizer.get_vocab(true).size <= config.vocab_size);
  });

  it('matches PyTorch within 1e-3 (logits and hidden) for two different shapes', async () => {
    const session = await ort.InferenceSession.create(path.join(dir, 'model.onnx'), { executionProviders: ['cpu'] });
    assert.deepStrictEqual(session.inputNames, ['input_ids']);
    assert.deepStrictEqual([...session.outputNames].sort(), ['hidden', 'logits']);
    const shapes = new Set(parity.cases.map((c) => `${c.batch}x${c.seq}`));
    assert.ok(shapes.size >= 2, 'parity needs two shapes to prove the axes are dynamic');
    for (const c of parity.cases) {
      const out = await run(session, c);
      assert.deepStrictEqual(out.logits.dims, [c.batch, c.seq, parity.vocab]);
      assert.deepStrictEqual(out.hidden.dims, [c.batch, c.seq, parity.hidden_size]);
      const dLogits = maxAbsDiff(out.logits.data as Float32Array, readF32(path.join(dir, c.logits)));
      const dHidden = maxAbsDiff(out.hidden.data as Float32Array, readF32(path.join(dir, c.hidden)));
      assert.ok(dLogits <= 1e-3, `logits differ by ${dLogits} at ${c.batch}x${c.seq}`);
      assert.ok(dHidden <= 1e-3, `hidden differs by ${dHidden} at ${c.batch}x${c.seq}`);
    }
    await session.release();
  });

  it('has an int8 copy that stays close to PyTorch and mostly agrees on the top token', async () => {
    const file = path.join(dir, 'model.int8.onnx');
    assert.ok(fs.existsSync(file));
    const session = await ort.InferenceSession.create(file, { executionProviders: ['cpu'] });
    for (const c of parity.cases) {
      const out = await run(session, c);
      const ref = readF32(path.join(dir, c.logits));
      const got = out.logits.data as Float32Array;
      assert.ok(maxAbsDiff(got, ref) <= 0.25, `int8 logits drift ${maxAbsDiff(got, ref)}`);
      assert.ok(argmaxAgreement(got, ref, parity.vocab) >= 0.9, 'int8 top tokens disagree with fp32');
    }
    await session.release();
  });
});
