// onnxruntime thread settings for the model and the head, side by side: 1 or 2 intra-op threads,
// with and without spinning (busy-waiting between operators). Prints one JSON line per setting
// and sequence length. The engine's choice (ortSession.ts) comes from these figures; run it once on
// a quiet machine and once with another process on a core (e.g. a training run), where the
// difference shows most.
//   npx tsc -p . && node out/bench/threads.js [--model models/backplay-base] [--seq 128,168,512] [--runs 40]
import * as path from 'path';
import { parseArgs } from 'util';
import * as ort from 'onnxruntime-node';
import { NO_SPINNING } from '../src/engine/ortSession';
import { readModelConfig } from '../src/engine/modelConfig';
import { medianMs } from './timing';

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      model: { type: 'string', default: 'models/backplay-base' },
      seq: { type: 'string', default: '128,168,512' },
      runs: { type: 'string', default: '40' },
    },
  });
  const dir = values.model;
  const modelFile = path.join(dir, readModelConfig(dir).useInt8 ? 'model.int8.onnx' : 'model.onnx');
  const runs = Number(values.runs);
  for (const seq of values.seq.split(',').map(Number)) {
    for (const threads of [1, 2]) {
      for (const spinning of [true, false]) {
        const options: ort.InferenceSession.SessionOptions = {
          executionProviders: ['cpu'],
          graphOptimizationLevel: 'all',
          intraOpNumThreads: threads,
          ...(spinning ? {} : { extra: NO_SPINNING }),
        };
        const model = await ort.InferenceSession.create(modelFile, options);
        const head = await ort.InferenceSession.create(path.join(dir, 'head.onnx'), options);
        const ids = BigInt64Array.from({ length: seq }, (_, i) => BigInt(3 + ((i * 7919) % 4000)));
        const feeds = { input_ids: new ort.Tensor('int64', ids, [1, seq]) };
        const hidden = (await model.run(feeds)).hidden;
        const modelMs = await medianMs(runs, () => model.run(feeds), 3);
        // The head scores the last 24 positions, as the engine asks for its canvas (head/onnx.ts).
        const rows = new ort.Tensor('int64', BigInt64Array.from([BigInt(Math.max(0, seq - 24)), BigInt(seq)]), [2]);
        const headMs = await medianMs(runs, () => head.run({ hidden, rows }), 3);
        console.log(JSON.stringify({ model: path.basename(modelFile), seq, threads, spinning, model_ms: +modelMs.toFixed(2), head_ms: +headMs.toFixed(3) }));
        await model.release();
        await head.release();
      }
    }
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
