// What the int8 copy of a model costs in quality: masked-token cross-entropy of model.onnx and
// model.int8.onnx on the same held-out windows with the same masks, and how often their top tokens agree.
//   npx tsc -p . && node out/bench/int8-quality.js models/backplay-base [--val training/data/tokens/val.bin]
//        [--windows 16] [--seq 256] [--rate 0.5]
import * as fs from 'fs';
import * as path from 'path';
import { parseArgs } from 'node:util';
import * as ort from 'onnxruntime-node';
import { seededRng } from '../src/engine/rng';

interface Scores {
  ce: number;
  top: Int32Array;
}

async function score(modelPath: string, ids: BigInt64Array, targets: Int32Array, seq: number, vocab: number): Promise<Scores> {
  const session = await ort.InferenceSession.create(modelPath, { executionProviders: ['cpu'] });
  const windows = ids.length / seq;
  let total = 0;
  let count = 0;
  const top = new Int32Array(targets.length).fill(-1);
  for (let w = 0; w < windows; w++) {
    const feed = new ort.Tensor('int64', ids.slice(w * seq, (w + 1) * seq), [1, seq]);
    const logits = (await session.run({ input_ids: feed })).logits.data as Float32Array;
    for (let i = 0; i < seq; i++) {
      const target = targets[w * seq + i];
      if (target < 0) continue;
      const row = logits.subarray(i * vocab, (i + 1) * vocab);
      let max = -Infinity;
      let best = 0;
      for (let j = 0; j < vocab; j++) if (row[j] > max) (max = row[j]), (best = j);
      let sum = 0;
      for (let j = 0; j < vocab; j++) sum += Math.exp(row[j] - max);
      total += Math.log(sum) + max - row[target];
      count++;
      top[w * seq + i] = best;
    }
  }
  await session.release();
  return { ce: total / count, top };
}

async function main(): Promise<void> {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: {
      val: { type: 'string', default: 'training/data/tokens/val.bin' },
      windows: { type: 'string', default: '16' },
      seq: { type: 'string', default: '256' },
      rate: { type: 'string', default: '0.5' },
    },
  });
  const dir = positionals[0];
  if (!dir) throw new Error('usage: node out/bench/int8-quality.js MODEL_DIR [--val FILE] [--windows N] [--seq T] [--rate R]');
  const config = JSON.parse(fs.readFileSync(path.join(dir, 'config.json'), 'utf8'));
  const valPath = values.val;
  const windows = Number(values.windows);
  const seq = Number(values.seq);
  const rate = Number(values.rate);
  const buf = fs.readFileSync(valPath);
  const val = new Uint16Array(buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength));
  const rand = seededRng(1234);
  const ids = new BigInt64Array(windows * seq);
  const targets = new Int32Array(windows * seq).fill(-1);
  for (let w = 0; w < windows; w++) {
    const start = Math.floor(((val.length - seq) * w) / windows);
    for (let i = 0; i < seq; i++) {
      const token = val[start + i];
      if (rand() < rate) {
        ids[w * seq + i] = BigInt(config.mask_token_id);
        targets[w * seq + i] = token;
      } else {
        ids[w * seq + i] = BigInt(token);
      }
    }
  }
  const fp32 = await score(path.join(dir, 'model.onnx'), ids, targets, seq, config.vocab_size);
  const int8 = await score(path.join(dir, 'model.int8.onnx'), ids, targets, seq, config.vocab_size);
  let agree = 0;
  let n = 0;
  for (let i = 0; i < targets.length; i++) {
    if (targets[i] < 0) continue;
    n++;
    if (fp32.top[i] === int8.top[i]) agree++;
  }
  console.log(JSON.stringify({ model: dir, windows, seq, mask_rate: rate, masked_tokens: n, ce_fp32: fp32.ce, ce_int8: int8.ce, top1_agreement: agree / n }));
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
