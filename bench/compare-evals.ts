// Two evals of the same tasks compared task by task (e.g. a new model against the shipped one):
// edit-similarity difference with its 95% interval, and the tasks only one of the two got exactly
// right; over all tasks and over the line kinds (the tasks with a one-line canvas).
//   node dist/cli.js eval ... --json > NEW.json; node dist/cli.js eval ... --json > OLD.json   (same --tasks and --limit)
//   npx tsc -p . && node out/bench/compare-evals.js NEW.json OLD.json [--tasks bench/tasks/heldout.jsonl]
// Either side may also be one row of a sweep file, as FILE.json:SAMPLER:K (e.g. docs/sweep.json:backplay:4).
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parseArgs } from 'node:util';
import { canvasFor, readTasks, type EvalSummary } from '../src/engine/evaluate';
import { DEFAULT_MAX_NEW_TOKENS } from '../src/engine/defaults';
import { pairedDifference } from '../src/engine/metrics';

const ROOT = path.resolve(__dirname, '../..');

/** An `eval --json` output, or one row (sampler, k) of a bench/sweep.ts file. */
function readSummary(spec: string): EvalSummary {
  const row = /^(.+\.json):([\w-]+):(\d+)$/.exec(spec);
  if (row) {
    const [, file, sampler, k] = row;
    const rows = (JSON.parse(fs.readFileSync(file, 'utf8')) as { rows: (EvalSummary & { k: number })[] }).rows;
    const found = rows.find((r) => r.sampler === sampler && r.k === Number(k));
    if (!found?.per_task) throw new Error(`${file} has no row ${sampler} k=${k} with per-task scores`);
    return found;
  }
  // `eval --json` prints progress first; the summary is the last line.
  return JSON.parse(fs.readFileSync(spec, 'utf8').trim().split('\n').pop()!) as EvalSummary;
}

function main(): void {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: { tasks: { type: 'string', default: path.join(ROOT, 'bench/tasks/heldout.jsonl') } },
  });
  if (positionals.length !== 2) throw new Error('usage: compare-evals NEW.json OLD.json [--tasks FILE]');
  const [a, b] = positionals.map(readSummary);
  const n = a.per_task.edit_similarity.length;
  if (b.per_task.edit_similarity.length !== n) throw new Error('the two evals cover different numbers of tasks');
  const tasks = readTasks(values.tasks, n);
  const groups: Record<string, number[]> = {
    all: tasks.map((_, i) => i),
    'line kinds': tasks.flatMap((t, i) => (canvasFor(t) === DEFAULT_MAX_NEW_TOKENS ? [i] : [])),
  };
  for (const [name, idx] of Object.entries(groups)) {
    const pick = (xs: number[]) => idx.map((i) => xs[i]);
    const d = pairedDifference(pick(a.per_task.edit_similarity), pick(b.per_task.edit_similarity));
    const onlyA = idx.filter((i) => a.per_task.exact_match[i] > b.per_task.exact_match[i]).length;
    const onlyB = idx.filter((i) => b.per_task.exact_match[i] > a.per_task.exact_match[i]).length;
    console.log(
      `${name} (${idx.length} tasks): edit similarity ${d.mean >= 0 ? '+' : ''}${d.mean.toFixed(4)} (95% interval ${d.low.toFixed(4)} to ${d.high.toFixed(4)}); exact match only in ${positionals[0]}: ${onlyA}, only in ${positionals[1]}: ${onlyB}`,
    );
  }
}

if (require.main === module) {
  try {
    main();
  } catch (err) {
    console.error(`compare-evals: ${(err as Error).message}`);
    process.exit(1);
  }
}
