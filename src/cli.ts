// Command-line front end to the engine (DESIGN.md, "CLI"): complete, eval, train-head.
// Runs the engine in-process (no worker): a CLI has no UI thread to protect.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parseArgs } from 'node:util';
import { collectSourceFiles } from './engine/collectFiles';
import { cursorMidLine, DEFAULT_CORRECTION, DEFAULT_MAX_NEW_TOKENS, defaultRequest } from './engine/defaults';
import { SAMPLER_NAMES } from './engine/decode/policies';
import { canvasFor, evaluate, readTasks, singleLineFor, type EvalTask } from './engine/evaluate';
import { LocalEngine } from './engine/localEngine';
import { renderDraft } from './engine/renderDraft';
import type { CompletionRequest, DeviceName, HeadTrainProgress, SamplerName } from './engine/types';

const USAGE = `usage:
  backplay complete --file F --line L --column C [--tokens-per-step K] [--no-correction] [--trace]
                    [--sampler NAME] [--model DIR] [--head FILE] [--device D] [--max-new-tokens N] [--context-tokens N] [--seed S]
  backplay eval --tasks FILE.jsonl [--tokens-per-step K] [--correction on|off] [--sampler NAME]
                [--model DIR] [--head FILE] [--limit N] [--device D] [--max-new-tokens N] [--context-tokens N] [--threshold T]
                [--tau T] [--max-remask K] [--stride D] [--fifo B] [--json]
  backplay train-head --dir WORKSPACE_DIR --out FILE [--model DIR] [--device D] [--seed S] [--time-budget-s S]
samplers: ${SAMPLER_NAMES.join(', ')}; devices: auto, cpu, webgpu, cuda, dml, coreml`;

const DEVICES: readonly DeviceName[] = ['auto', 'cpu', 'webgpu', 'cuda', 'dml', 'coreml'];

/** The package root: the nearest folder above this file with a package.json (dist/ and out/src/ both work). */
function packageRoot(): string {
  let dir = __dirname;
  while (!fs.existsSync(path.join(dir, 'package.json')) && path.dirname(dir) !== dir) dir = path.dirname(dir);
  return dir;
}

class UsageError extends Error {}

function int(value: string | undefined, name: string, fallback: number, min = 0): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < min) throw new UsageError(`--${name} must be an integer >= ${min}, got "${value}"`);
  return n;
}

function num(value: string | undefined, name: string, fallback: number): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isFinite(n)) throw new UsageError(`--${name} must be a number, got "${value}"`);
  return n;
}

function sampler(value: string | undefined): SamplerName {
  const name = value ?? 'backplay';
  if (!(SAMPLER_NAMES as readonly string[]).includes(name)) throw new UsageError(`unknown sampler "${name}"; use one of ${SAMPLER_NAMES.join(', ')}`);
  return name as SamplerName;
}

function device(value: string | undefined): DeviceName {
  const name = value ?? 'auto';
  if (!(DEVICES as readonly string[]).includes(name)) throw new UsageError(`unknown device "${name}"; use one of ${DEVICES.join(', ')}`);
  return name as DeviceName;
}

const common = {
  model: { type: 'string' },
  head: { type: 'string' },
  device: { type: 'string' },
  sampler: { type: 'string' },
  'tokens-per-step': { type: 'string' },
  'max-new-tokens': { type: 'string' },
  'context-tokens': { type: 'string' },
  seed: { type: 'string' },
  verbose: { type: 'boolean' },
} as const;

type Values = Record<string, string | boolean | undefined>;

async function loadEngine(values: Values): Promise<LocalEngine> {
  const modelDir = (values.model as string | undefined) ?? path.join(packageRoot(), 'models', 'backplay-base');
  const engine = await LocalEngine.load(
    { modelDir, device: device(values.device as string | undefined), headPath: values.head as string | undefined },
    { log: values.verbose ? (m) => console.error(m) : undefined },
  );
  // The editor falls back to the model's own head; a command asked for this head, so it fails instead
  // of measuring another one.
  const { head } = await engine.info();
  if (head.rejected) {
    await engine.dispose();
    throw new Error(`--head ${String(values.head)} was not loaded: ${head.rejected}`);
  }
  return engine;
}

function baseRequest(values: Values, prefix: string, suffix: string, correction: boolean, task?: EvalTask): CompletionRequest {
  const contextTokens = values['context-tokens'] as string | undefined;
  return defaultRequest(prefix, suffix, {
    sampler: sampler(values.sampler as string | undefined),
    tokensPerStep: int(values['tokens-per-step'] as string | undefined, 'tokens-per-step', 2, 1),
    maxNewTokens: int(values['max-new-tokens'] as string | undefined, 'max-new-tokens', task ? canvasFor(task) : DEFAULT_MAX_NEW_TOKENS, 0),
    singleLine: task ? singleLineFor(task) : cursorMidLine(suffix),
    contextTokens: contextTokens === undefined ? undefined : int(contextTokens, 'context-tokens', 0, 1),
    seed: int(values.seed as string | undefined, 'seed', 0),
    threshold: num(values.threshold as string | undefined, 'threshold', 0.9),
    correction: {
      tau: num(values.tau as string | undefined, 'tau', DEFAULT_CORRECTION.tau),
      maxRemask: correction ? int(values['max-remask'] as string | undefined, 'max-remask', DEFAULT_CORRECTION.maxRemask) : 0,
      stride: int(values.stride as string | undefined, 'stride', DEFAULT_CORRECTION.stride, 1),
      fifo: int(values.fifo as string | undefined, 'fifo', DEFAULT_CORRECTION.fifo),
    },
  });
}

/** Splits a file at a 1-based line and column (columns in UTF-16 code units, as editors count them). */
export function splitAt(text: string, line: number, column: number): { prefix: string; suffix: string } {
  const lines = text.split('\n');
  if (line < 1 || line > lines.length) throw new UsageError(`--line ${line} is outside the file (1..${lines.length})`);
  const lineText = lines[line - 1].replace(/\r$/, '');
  if (column < 1 || column > lineText.length + 1) throw new UsageError(`--column ${column} is outside line ${line} (1..${lineText.length + 1})`);
  let offset = 0;
  for (let i = 0; i < line - 1; i++) offset += lines[i].length + 1;
  offset += column - 1;
  return { prefix: text.slice(0, offset), suffix: text.slice(offset) };
}

async function complete(argv: string[]): Promise<void> {
  const { values } = parseArgs({
    args: argv,
    options: { ...common, file: { type: 'string' }, line: { type: 'string' }, column: { type: 'string' }, 'no-correction': { type: 'boolean' }, trace: { type: 'boolean' } },
  });
  if (!values.file || !values.line || !values.column) throw new UsageError('complete needs --file, --line and --column');
  const text = fs.readFileSync(values.file, 'utf8');
  const { prefix, suffix } = splitAt(text, int(values.line, 'line', 1, 1), int(values.column, 'column', 1, 1));
  const request = baseRequest(values, prefix, suffix, !values['no-correction']);
  const engine = await loadEngine(values);
  try {
    const color = process.stdout.isTTY === true && !process.env.NO_COLOR;
    const c = await engine.complete(request, {
      onDraft: values.trace ? (d) => console.log(renderDraft(d, color)) : undefined,
    });
    if (values.trace) console.log('─'.repeat(40));
    process.stdout.write(c.text.endsWith('\n') ? c.text : `${c.text}\n`);
    const info = await engine.info();
    const t = c.timings;
    console.error(
      `${request.sampler}, ${request.tokensPerStep} tokens/step, head ${info.head.source}: ${c.steps} steps, ${c.forwardPasses} forward passes, ` +
        `${c.headCalls} head calls, ${c.remasks} re-masked, ${c.ms.toFixed(1)} ms on ${c.provider} ` +
        `(tokenizer ${t.tokenizeMs.toFixed(1)}, model ${t.modelMs.toFixed(1)}, head ${t.headMs.toFixed(1)}, scoring ${t.scoreMs.toFixed(1)}, other ${t.otherMs.toFixed(1)})`,
    );
  } finally {
    await engine.dispose();
  }
}

async function evalCommand(argv: string[]): Promise<void> {
  const { values } = parseArgs({
    args: argv,
    options: {
      ...common,
      tasks: { type: 'string' },
      correction: { type: 'string' },
      limit: { type: 'string' },
      json: { type: 'boolean' },
      threshold: { type: 'string' },
      tau: { type: 'string' },
      'max-remask': { type: 'string' },
      stride: { type: 'string' },
      fifo: { type: 'string' },
    },
  });
  if (!values.tasks) throw new UsageError('eval needs --tasks FILE.jsonl');
  const correction = values.correction ?? 'on';
  if (correction !== 'on' && correction !== 'off') throw new UsageError(`--correction must be on or off, got "${correction}"`);
  const limit = values.limit === undefined ? undefined : int(values.limit, 'limit', 0);
  const tasks = readTasks(values.tasks, limit);
  baseRequest(values, '', '', correction === 'on'); // checks the options before the model loads
  const engine = await loadEngine(values);
  try {
    const summary = await evaluate(
      engine,
      tasks,
      (task) => baseRequest(values, task.prefix, task.suffix, correction === 'on', task),
      (done, total) => {
        if (done % 50 === 0 || done === total) process.stderr.write(`eval: ${done}/${total}\n`);
      },
    );
    if (values.json) {
      console.log(JSON.stringify(summary));
    } else {
      console.log(
        `${summary.tasks} tasks, ${summary.sampler}, ${summary.tokens_per_step} tokens/step: exact match ${(100 * summary.exact_match).toFixed(1)}%, ` +
          `edit similarity ${summary.edit_similarity.toFixed(3)}, ms p50 ${summary.ms_p50.toFixed(1)} p95 ${summary.ms_p95.toFixed(1)}, ` +
          `steps ${summary.steps_mean.toFixed(2)}, forward passes ${summary.forward_passes_mean.toFixed(2)}, head calls ${summary.head_calls_mean.toFixed(2)}, re-masks ${summary.remasks_mean.toFixed(2)}`,
      );
    }
  } finally {
    await engine.dispose();
  }
}

/** Prints training progress when the phase changes or every 5%, not on every example. */
function progressPrinter(): (p: HeadTrainProgress) => void {
  let last = { phase: '', fraction: -1 };
  return (p) => {
    if (p.phase === last.phase && p.fraction < last.fraction + 0.05 && p.fraction < 1) return;
    last = { phase: p.phase, fraction: p.fraction };
    console.error(`${p.phase} ${(100 * p.fraction).toFixed(0)}% ${p.message}`);
  };
}

async function trainHead(argv: string[]): Promise<void> {
  const { values } = parseArgs({
    args: argv,
    options: { ...common, dir: { type: 'string' }, out: { type: 'string' }, 'time-budget-s': { type: 'string' } },
  });
  if (!values.dir || !values.out) throw new UsageError('train-head needs --dir WORKSPACE_DIR and --out FILE');
  const { files, summary } = collectSourceFiles(values.dir);
  console.error(`train-head: ${files.length} source files (${summary.bytes} bytes) from ${values.dir}; skipped ${JSON.stringify(summary.skipped)}`);
  if (files.length === 0) throw new Error(`no source files to learn from under ${values.dir}`);
  const engine = await loadEngine(values);
  try {
    const budget = values['time-budget-s'] === undefined ? undefined : 1000 * num(values['time-budget-s'], 'time-budget-s', 0);
    const report = await engine.trainHead(
      { files, outPath: path.resolve(values.out), seed: int(values.seed, 'seed', 0), timeBudgetMs: budget },
      { onProgress: progressPrinter() },
    );
    console.log(JSON.stringify(report));
  } finally {
    await engine.dispose();
  }
}

async function main(argv: string[]): Promise<void> {
  const [command, ...rest] = argv;
  switch (command) {
    case 'complete':
      return complete(rest);
    case 'eval':
      return evalCommand(rest);
    case 'train-head':
      return trainHead(rest);
    case undefined:
    case 'help':
    case '--help':
    case '-h':
      console.log(USAGE);
      return;
    default:
      throw new UsageError(`unknown command "${command}"`);
  }
}

if (require.main === module) {
  main(process.argv.slice(2)).catch((err: Error) => {
    console.error(`backplay: ${err.message}`);
    const usage = err instanceof UsageError || String((err as NodeJS.ErrnoException).code).startsWith('ERR_PARSE_ARGS');
    if (usage) console.error(USAGE);
    process.exit(usage ? 2 : 1);
  });
}
