// What a look-back re-mask leads to: each sampler configuration completes the same held-out tasks
// and, for every slot it re-masks, we note whether the slot is committed again with the same token
// text or another one. Prints one JSON line: per configuration the re-masks, rewritten same /
// different, forward passes per task, exact match, edit similarity, and the paired edit-similarity
// difference against the first configuration (with its 95% interval).
//   npx tsc -p . && node out/bench/rewrites.js [--model DIR] [--head FILE] [--tasks FILE] [--limit 500] [--k 2]
//     [--configs '[["confidence",{}],["backplay",{"tau":0.7}]]']
// A configuration is a sampler and overrides of the correction settings (defaults.ts DEFAULT_CORRECTION).
import * as path from 'path';
import { parseArgs } from 'util';
import { DEFAULT_CORRECTION } from '../src/engine/defaults';
import { readTasks, taskRequest } from '../src/engine/evaluate';
import { LocalEngine } from '../src/engine/localEngine';
import { editSimilarity, exactMatch, mean, pairedDifference } from '../src/engine/metrics';
import type { CorrectionSettings, DraftSnapshot, SamplerName } from '../src/engine/types';

const REPO = path.resolve(__dirname, '..', '..');
const DEFAULT_CONFIGS = '[["confidence",{}],["self-remask",{}],["backplay",{}]]';

/** Counts, over one completion's snapshots, re-masked slots committed again with the same text or another. */
export function rewriteCounter(): { onDraft: (snapshot: DraftSnapshot) => void; same: number; different: number; remasks: number } {
  const flaggedText = new Map<number, string>();
  const counts = {
    same: 0,
    different: 0,
    remasks: 0,
    onDraft: (snapshot: DraftSnapshot) =>
      snapshot.slots.forEach((slot, i) => {
        if (slot.state === 'flagged') {
          flaggedText.set(i, slot.text);
          counts.remasks++;
        } else if (slot.state === 'rewritten' && flaggedText.has(i)) {
          if (flaggedText.get(i) === slot.text) counts.same++;
          else counts.different++;
          flaggedText.delete(i);
        }
      }),
  };
  return counts;
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      model: { type: 'string', default: path.join(REPO, 'models', 'backplay-base') },
      head: { type: 'string' },
      tasks: { type: 'string', default: path.join(REPO, 'bench', 'tasks', 'heldout.jsonl') },
      limit: { type: 'string', default: '500' },
      k: { type: 'string', default: '2' },
      configs: { type: 'string', default: DEFAULT_CONFIGS },
    },
  });
  const configs = JSON.parse(values.configs) as [SamplerName, Partial<CorrectionSettings>][];
  const tasks = readTasks(values.tasks, Number(values.limit));
  const engine = await LocalEngine.load({ modelDir: path.resolve(values.model), headPath: values.head && path.resolve(values.head), device: 'cpu' });
  const { head } = await engine.info();
  if (head.rejected) throw new Error(`the head was not loaded: ${head.rejected}`); // the engine would fall back to the shipped one
  const results = [];
  let firstEdits: number[] | undefined;
  for (const [sampler, overrides] of configs) {
    const totals = { remasks: 0, rewrittenSame: 0, rewrittenDifferent: 0 };
    const exact: number[] = [], edit: number[] = [], passes: number[] = [];
    for (const task of tasks) {
      const counter = rewriteCounter();
      const request = taskRequest(task, { sampler, tokensPerStep: Number(values.k), correction: { ...DEFAULT_CORRECTION, ...overrides } });
      const completion = await engine.complete(request, { onDraft: counter.onDraft });
      totals.remasks += counter.remasks;
      totals.rewrittenSame += counter.same;
      totals.rewrittenDifferent += counter.different;
      exact.push(exactMatch(task.middle, completion.text) ? 1 : 0);
      edit.push(editSimilarity(task.middle, completion.text));
      passes.push(completion.forwardPasses);
    }
    firstEdits ??= edit;
    results.push({ sampler, correction: overrides, ...totals, forward_passes: mean(passes), exact_match: mean(exact), edit_similarity: mean(edit), edit_vs_first: pairedDifference(edit, firstEdits) });
    process.stderr.write(`${sampler} ${JSON.stringify(overrides)} done\n`);
  }
  await engine.dispose();
  console.log(JSON.stringify({ model: path.resolve(values.model), head: values.head, tasks: tasks.length, tokens_per_step: Number(values.k), results }));
}

if (require.main === module) {
  main().catch((err) => {
    console.error(err);
    process.exit(1);
  });
}
