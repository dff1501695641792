// Tunes the look-back settings (tau, K re-masks per look-back, stride d, FIFO size B; the paper
// reports none but K = d = 2) for the backplay sampler on a DEV slice of the tasks, not the slice
// the sweep reports on: tasks [offset, offset + limit) of the file.
//   npm run build && npx tsc -p . && node out/bench/tune.js [--tasks bench/tasks/heldout.jsonl] [--offset 500] [--limit 130]
//       [--k 2,4] [--tau 0.3,0.5,0.7] [--max-remask 1,2,4] [--stride 1,2] [--fifo 8] [--model DIR] [--head FILE] [--json FILE]
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parseArgs } from 'node:util';
import { evaluate, readTasks, taskRequest } from '../src/engine/evaluate';
import { LocalEngine } from '../src/engine/localEngine';
import { pairedDifference } from '../src/engine/metrics';
import type { DeviceName } from '../src/engine/types';

const ROOT = path.resolve(__dirname, '../..');
const list = (s: string) => s.split(',').map(Number);

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      tasks: { type: 'string', default: path.join(ROOT, 'bench/tasks/heldout.jsonl') },
      offset: { type: 'string', default: '500' },
      limit: { type: 'string', default: '130' },
      k: { type: 'string', default: '2,4' },
      tau: { type: 'string', default: '0.3,0.5,0.7' },
      'max-remask': { type: 'string', default: '1,2,4' },
      stride: { type: 'string', default: '1,2' },
      fifo: { type: 'string', default: '8' },
      model: { type: 'string', default: path.join(ROOT, 'models/backplay-base') },
      head: { type: 'string' },
      device: { type: 'string', default: 'cpu' },
      json: { type: 'string' },
    },
  });
  const offset = Number(values.offset);
  const tasks = readTasks(values.tasks).slice(offset, offset + Number(values.limit));
  if (tasks.length === 0) throw new Error(`no tasks at offset ${offset} of ${values.tasks}`);
  const engine = await LocalEngine.load({ modelDir: values.model, device: values.device as DeviceName, headPath: values.head });
  const rows: Record<string, number | string>[] = [];
  try {
    for (const k of list(values.k)) {
      const base = await evaluate(engine, tasks, (t) => taskRequest(t, { sampler: 'confidence', tokensPerStep: k }));
      rows.push({ k, setting: 'confidence', exact_match: base.exact_match, edit_similarity: base.edit_similarity, ms_p50: base.ms_p50, steps: base.steps_mean, remasks: 0 });
      console.error(`k=${k} confidence: ${(100 * base.exact_match).toFixed(1)}%`);
      for (const tau of list(values.tau))
        for (const maxRemask of list(values['max-remask']))
          for (const stride of list(values.stride))
            for (const fifo of list(values.fifo)) {
              const correction = { tau, maxRemask, stride, fifo };
              const s = await evaluate(engine, tasks, (t) => taskRequest(t, { sampler: 'backplay', tokensPerStep: k, correction }));
              const setting = `tau ${tau} K ${maxRemask} d ${stride} B ${fifo}`;
              // Against confidence on the same tasks: the paired gain and its 95% interval.
              const gain = pairedDifference(s.per_task.edit_similarity, base.per_task.edit_similarity);
              rows.push({ k, setting, exact_match: s.exact_match, edit_similarity: s.edit_similarity, es_gain: gain.mean, es_gain_low: gain.low, es_gain_high: gain.high, ms_p50: s.ms_p50, steps: s.steps_mean, remasks: s.remasks_mean });
              console.error(
                `k=${k} ${setting}: ${(100 * s.exact_match).toFixed(1)}%, edit ${s.edit_similarity.toFixed(3)} (vs confidence ${gain.mean.toFixed(3)}, 95% ${gain.low.toFixed(3)} to ${gain.high.toFixed(3)}), p50 ${s.ms_p50.toFixed(1)} ms, steps ${s.steps_mean.toFixed(2)}`,
              );
            }
    }
  } finally {
    await engine.dispose();
  }
  const out = { command: `node out/bench/tune.js ${process.argv.slice(2).join(' ')}`.trim(), tasks: tasks.length, offset, rows };
  if (values.json) fs.writeFileSync(values.json, JSON.stringify(out, null, 1));
  console.log(JSON.stringify(out));
}

if (require.main === module) {
  main().catch((err: Error) => {
    console.error(`tune: ${err.message}`);
    process.exit(1);
  });
}
