// How much a look-back step costs next to a model forward pass (the head must cost <= 10% of it),
// and how fast the head trains in TypeScript. Prints one JSON line.
//   npx tsc -p . && node out/bench/head-speed.js [--model DIR] [--seq 512] [--rows 24] [--threads 1] [--runs 20] [--width 64]
// head_ms_ort scores every position; head_ms_ort_rows only the last --rows (as the engine asks for
// its canvas: keys and values still over the whole sequence).
// Without --model (or when the folder has no model.onnx) the model column is left out and the head
// reads random hidden states of size --hidden (default 256).
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { parseArgs } from 'node:util';
import * as ort from 'onnxruntime-node';
import { weightedBce } from '../src/engine/head/loss';
import { HeadModel, zeroParams } from '../src/engine/head/model';
import { headToOnnx } from '../src/engine/head/onnx';
import { OrtHead } from '../src/engine/head/ortHead';
import { makeRng } from '../src/engine/head/random';
import { medianMs } from './timing';

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      model: { type: 'string' },
      seq: { type: 'string', default: '512' },
      rows: { type: 'string', default: '24' },
      threads: { type: 'string', default: '1' },
      runs: { type: 'string', default: '20' },
      width: { type: 'string', default: '64' },
      hidden: { type: 'string', default: '256' },
      'train-seq': { type: 'string', default: '200' },
    },
  });
  const seq = Number(values.seq);
  const threads = Number(values.threads);
  const runs = Number(values.runs);
  const width = Number(values.width);
  const modelDir = values.model;
  const sessionOptions: ort.InferenceSession.SessionOptions = { executionProviders: ['cpu'], intraOpNumThreads: threads, interOpNumThreads: 1 };
  const result: Record<string, unknown> = { seq, threads, runs };

  let hidden: Float32Array;
  let d = Number(values.hidden);
  const modelFile = modelDir ? ['model.int8.onnx', 'model.onnx'].map((f) => path.join(modelDir, f)).filter((f) => fs.existsSync(f)) : [];
  if (modelFile.length > 0) {
    for (const file of modelFile) {
      const session = await ort.InferenceSession.create(file, sessionOptions);
      const ids = new BigInt64Array(seq);
      for (let i = 0; i < seq; i++) ids[i] = BigInt(3 + ((i * 7919) % 3000));
      const feeds = { input_ids: new ort.Tensor('int64', ids, [1, seq]) };
      result[`model_ms_${path.basename(file, '.onnx')}`] = await medianMs(runs, () => session.run(feeds));
      const out = await session.run(feeds);
      hidden = out.hidden.data as Float32Array;
      d = out.hidden.dims[2];
      await session.release();
    }
  }
  hidden ??= Float32Array.from({ length: seq * d }, (_, i) => Math.sin(i * 0.37) * 3);
  hidden = hidden!;
  result.hidden_size = d;

  const config = { inputSize: d, width, numHeads: 4, mlpWidth: 4 * width };
  const head = HeadModel.create(config, makeRng(1));
  result.head_params = head.parameterCount();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'head-speed-'));
  const file = path.join(dir, 'head.onnx');
  fs.writeFileSync(file, headToOnnx(head));
  const ortHead = await OrtHead.load(file, sessionOptions, d);
  result.head_ms_ort = await medianMs(runs, () => ortHead.pWrong(hidden, 1, seq));
  const rows = { start: Math.max(0, seq - Number(values.rows)), end: seq };
  result.rows = rows.end - rows.start;
  result.head_ms_ort_rows = await medianMs(runs, () => ortHead.pWrong(hidden, 1, seq, rows));
  await ortHead.dispose();
  fs.rmSync(dir, { recursive: true, force: true });

  // Training cost in TypeScript: forward + backward of one sequence of the trainer's usual length.
  const trainSeq = Math.min(seq, Number(values['train-seq']));
  const x = hidden.subarray(0, trainSeq * d);
  const labels = Uint8Array.from({ length: trainSeq }, (_, i) => (i % 17 === 0 ? 1 : 0));
  const mask = new Uint8Array(trainSeq).fill(1);
  result.head_ms_ts_forward = await medianMs(Math.min(runs, 10), () => head.forward(x, 1, trainSeq));
  result.train_seq = trainSeq;
  result.head_ms_ts_train_step = await medianMs(Math.min(runs, 10), () => {
    const { logits, cache } = head.forward(x, 1, trainSeq);
    const g = zeroParams(config);
    head.backward(cache, weightedBce(logits, labels, mask, 3).grad, g);
  });
  for (const key of Object.keys(result)) {
    if (!key.startsWith('model_ms_')) continue;
    result[`head_share_of_${key}`] = (result.head_ms_ort as number) / (result[key] as number);
    result[`head_rows_share_of_${key}`] = (result.head_ms_ort_rows as number) / (result[key] as number);
  }
  console.log(JSON.stringify(result));
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
