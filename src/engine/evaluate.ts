// The eval behind `backplay eval` and the benchmark sweep: complete every task, score it, summarise.
import * as fs from 'node:fs';
import type { Completion, CompletionRequest, Engine } from './types';
import { BLOCK_MAX_NEW_TOKENS, DEFAULT_MAX_NEW_TOKENS, defaultRequest } from './defaults';
import { editSimilarity, exactMatch, mean, percentile } from './metrics';

export interface EvalTask {
  prefix: string;
  suffix: string;
  middle: string;
  /** Optional grouping for the per-kind breakdown (e.g. line, span, block). */
  kind?: string;
}

export interface EvalScores {
  tasks: number;
  exact_match: number;
  edit_similarity: number;
  ms_p50: number;
  ms_p95: number;
  steps_mean: number;
  forward_passes_mean: number;
  head_calls_mean: number;
  remasks_mean: number;
  /** Mean share of the time spent in each part of a completion. */
  timings_mean_ms: { tokenize: number; model: number; head: number; score: number; other: number };
}

export interface EvalSummary extends EvalScores {
  sampler: string;
  tokens_per_step: number;
  correction: boolean;
  provider: string;
  by_kind: Record<string, EvalScores>;
  /** The tasks with a one-line canvas (all but `block`): the latency target is stated for these. */
  one_line: EvalScores;
  /** Each task's scores in task order, for paired comparisons of two runs on the same tasks. */
  per_task: { exact_match: number[]; edit_similarity: number[] };
}

/** Canvas size for a task: multi-line (`block`) tasks get a larger one, as an editor asks for a block. */
export function canvasFor(task: EvalTask): number {
  return task.kind === 'block' ? BLOCK_MAX_NEW_TOKENS : DEFAULT_MAX_NEW_TOKENS;
}

/** Line tasks are asked as an editor asks for one line: the completion ends at its first line break. */
export function singleLineFor(task: EvalTask): boolean {
  return task.kind !== 'block';
}

/** The default request for a task, with its canvas and line mode; `overrides` win. */
export function taskRequest(task: EvalTask, overrides: Partial<CompletionRequest> = {}): CompletionRequest {
  return defaultRequest(task.prefix, task.suffix, { maxNewTokens: canvasFor(task), singleLine: singleLineFor(task), ...overrides });
}

export function readTasks(file: string, limit?: number): EvalTask[] {
  const tasks: EvalTask[] = [];
  const lines = fs.readFileSync(file, 'utf8').split('\n');
  lines.forEach((line, i) => {
    if (line.trim() === '') return;
    let raw: Partial<EvalTask>;
    try {
      raw = JSON.parse(line) as Partial<EvalTask>;
    } catch (err) {
      throw new Error(`${file}:${i + 1}: not JSON (${(err as Error).message})`);
    }
    if (typeof raw.prefix !== 'string' || typeof raw.suffix !== 'string' || typeof raw.middle !== 'string') {
      throw new Error(`${file}:${i + 1}: a task needs string fields prefix, suffix and middle`);
    }
    tasks.push({ prefix: raw.prefix, suffix: raw.suffix, middle: raw.middle, kind: typeof raw.kind === 'string' ? raw.kind : undefined });
  });
  return limit === undefined ? tasks : tasks.slice(0, limit);
}

interface Outcome {
  task: EvalTask;
  completion: Completion;
  /** The task's scores, computed once: the summary, each kind's and per_task all read them. */
  exact: number;
  edit: number;
}

function score(outcomes: Outcome[]): EvalScores {
  const pick = (f: (o: Outcome) => number) => outcomes.map(f);
  const ms = pick((o) => o.completion.ms);
  return {
    tasks: outcomes.length,
    exact_match: mean(pick((o) => o.exact)),
    edit_similarity: mean(pick((o) => o.edit)),
    ms_p50: percentile(ms, 50),
    ms_p95: percentile(ms, 95),
    steps_mean: mean(pick((o) => o.completion.steps)),
    forward_passes_mean: mean(pick((o) => o.completion.forwardPasses)),
    head_calls_mean: mean(pick((o) => o.completion.headCalls)),
    remasks_mean: mean(pick((o) => o.completion.remasks)),
    timings_mean_ms: {
      tokenize: mean(pick((o) => o.completion.timings.tokenizeMs)),
      model: mean(pick((o) => o.completion.timings.modelMs)),
      head: mean(pick((o) => o.completion.timings.headMs)),
      score: mean(pick((o) => o.completion.timings.scoreMs)),
      other: mean(pick((o) => o.completion.timings.otherMs)),
    },
  };
}

/** Completes the tasks one after another (latency is measured per completion, as the editor sees it). */
export async function evaluate(
  engine: Engine,
  tasks: EvalTask[],
  requestFor: (task: EvalTask) => CompletionRequest,
  onTask?: (done: number, total: number) => void,
): Promise<EvalSummary> {
  const outcomes: Outcome[] = [];
  for (const task of tasks) {
    const completion = await engine.complete(requestFor(task));
    outcomes.push({
      task,
      completion,
      exact: exactMatch(task.middle, completion.text) ? 1 : 0,
      edit: editSimilarity(task.middle, completion.text),
    });
    onTask?.(outcomes.length, tasks.length);
  }
  const kinds = [...new Set(outcomes.map((o) => o.task.kind ?? 'all'))];
  const by_kind: Record<string, EvalScores> = {};
  for (const kind of kinds) by_kind[kind] = score(outcomes.filter((o) => (o.task.kind ?? 'all') === kind));
  const first = tasks.length > 0 ? requestFor(tasks[0]) : undefined;
  return {
    ...score(outcomes),
    sampler: first?.sampler ?? '',
    tokens_per_step: first?.tokensPerStep ?? 0,
    correction: (first?.correction.maxRemask ?? 0) > 0,
    provider: outcomes[0]?.completion.provider ?? '',
    by_kind,
    one_line: score(outcomes.filter((o) => canvasFor(o.task) === DEFAULT_MAX_NEW_TOKENS)),
    per_task: {
      exact_match: outcomes.map((o) => o.exact),
      edit_similarity: outcomes.map((o) => Number(o.edit.toFixed(4))),
    },
  };
}
