// The engine in-process: tokenizer, frozen model, head and the decoding loop behind the Engine
// contract. Runs wherever it is created; the editor creates it inside the worker (worker.ts).
import * as fs from 'node:fs';
import * as path from 'node:path';
import type {
  CompleteOptions,
  Completion,
  CompletionRequest,
  CorrectionHead,
  DraftSlot,
  Engine,
  EngineInfo,
  EngineOptions,
  FrozenModel,
  HeadTrainOptions,
  HeadTrainProgress,
  HeadTrainReport,
} from './types';
import { DEFAULT_BLOCK_LENGTH, DEFAULT_SURROUNDING_TOKENS, DEFAULT_THRESHOLD } from './defaults';
import { AbortError, denoise } from './decode/loop';
import { createPolicy } from './decode/policies';
import { fitWindow, SUFFIX_SHARE } from './decode/window';
import { createOrtScorer } from './decode/ortScorer';
import type { Scorer } from './decode/scores';
import { loadHead } from './head/ortHead';
import { trainHead as trainLookbackHead } from './head/trainer';
import { evaluate, taskRequest } from './evaluate';
import { lineTasks } from './lineTasks';
import { readHeadNote, writeHeadNote } from './headNote';
import { modelIdentity, readModelConfig, type ModelConfig } from './modelConfig';
import { OnnxFrozenModel } from './modelSession';
import { sessionOptions, type Logger } from './ortSession';
import { BpeTokenizer, encodeHead, encodeTail, lineBreakIds, type TextTokenizer } from './tokenizer';

export const SHIPPED_HEAD_FILE = 'head.onnx';

type DisposableHead = CorrectionHead & { dispose?: () => Promise<void> };
/** Loads a head file for the model's provider and hidden size; throws a clear error when it does not fit. */
export type HeadLoader = (file: string, provider: string, hiddenSize: number) => Promise<DisposableHead>;
/** Held-out completions that score a retrained head against the old one (exact match). */
const HELD_OUT_COMPLETIONS = 40;

/** The parts an engine is made of; tests pass fakes, `LocalEngine.load` the real ones. */
export interface EngineParts {
  modelDir: string;
  config: ModelConfig;
  tokenizer: TextTokenizer;
  model: FrozenModel & { release?: () => Promise<void> };
  provider: string;
  loadHead?: HeadLoader;
  scorer?: Scorer & { release?: () => Promise<void> };
}

export class LocalEngine implements Engine {
  private head: DisposableHead | undefined;
  private headInfo: EngineInfo['head'] = { source: 'none' };
  private readonly slotText = new Map<number, string>();
  private lineBreaks: number[] | undefined;

  constructor(private readonly parts: EngineParts) {}

  static async load(options: EngineOptions, extras: { log?: Logger } = {}): Promise<LocalEngine> {
    const modelDir = path.resolve(options.modelDir);
    if (!fs.existsSync(modelDir)) throw new Error(`model folder not found: ${modelDir}`);
    const config = readModelConfig(modelDir);
    const tokenizer = BpeTokenizer.load(modelDir);
    const model = await OnnxFrozenModel.load(modelDir, options.device, extras.log, config.useInt8);
    const engine = new LocalEngine({
      modelDir,
      config,
      tokenizer,
      model,
      provider: model.provider,
      loadHead: (file, provider, hiddenSize) => loadHead(file, sessionOptions(provider, 1), hiddenSize),
      scorer: await createOrtScorer(),
    });
    try {
      await engine.setHead(options.headPath).catch(async (err: Error) => {
        if (!options.headPath) throw err;
        // A retrained head that is gone or no longer fits (another model) must not cost the user
        // every completion: fall back to the folder's own head and say why.
        extras.log?.(`head ${options.headPath} not loaded (${err.message}); using the model folder's own`);
        await engine.setHead(undefined);
        engine.headInfo = { ...engine.headInfo, rejected: err.message };
      });
      await engine.warmUp();
    } catch (err) {
      await engine.dispose();
      throw err;
    }
    return engine;
  }

  /**
   * One throwaway completion at load: the first real one would otherwise pay for onnxruntime's
   * first-run allocations and the tokenizer's lazy setup (about 10x a normal step here).
   */
  async warmUp(): Promise<void> {
    await this.complete({
      prefix: 'function warmUp() {\n  return ',
      suffix: ';\n}\n',
      maxNewTokens: 8,
      tokensPerStep: 4,
      sampler: this.head ? 'backplay' : 'confidence',
      correction: { tau: 0.5, maxRemask: 1, stride: 1, fifo: 1 },
      seed: 0,
    });
  }

  async setHead(file: string | undefined): Promise<void> {
    const { loadHead, modelDir, provider, config } = this.parts;
    const shipped = path.join(modelDir, SHIPPED_HEAD_FILE);
    const target = file ?? (fs.existsSync(shipped) ? shipped : undefined);
    if (!target || !loadHead) {
      await this.replaceHead(undefined, { source: 'none' });
      return;
    }
    if (!fs.existsSync(target)) throw new Error(`head file not found: ${target}`);
    const trainedFor = file ? readHeadNote(file)?.model : undefined;
    if (trainedFor !== undefined && trainedFor !== modelIdentity(config)) {
      throw new Error(`the head was trained for model ${trainedFor}, not ${modelIdentity(config)}`);
    }
    // Loaded before the old one is released: a head that does not fit leaves the current one in service.
    const head = await loadHead(target, provider, config.hiddenSize);
    await this.replaceHead(head, file ? { source: 'custom', path: target } : { source: 'shipped', path: target });
  }

  /** For tests and the trainer: use this head object directly. */
  async useHead(head: CorrectionHead | undefined): Promise<void> {
    await this.replaceHead(head, head ? { source: 'custom' } : { source: 'none' });
  }

  private async replaceHead(head: LocalEngine['head'], info: EngineInfo['head']): Promise<void> {
    const old = this.head;
    this.head = head;
    this.headInfo = info;
    if (old && old !== head) await old.dispose?.();
  }

  async info(): Promise<EngineInfo> {
    return { provider: this.parts.provider, modelName: this.parts.config.name, head: this.headInfo };
  }

  complete(request: CompletionRequest, options: CompleteOptions = {}): Promise<Completion> {
    return this.completeWith(this.head, request, options);
  }

  private async completeWith(head: CorrectionHead | undefined, request: CompletionRequest, options: CompleteOptions = {}): Promise<Completion> {
    const t0 = performance.now();
    const { config, tokenizer } = this.parts;
    checkRequest(request);
    if (options.signal?.aborted) throw new AbortError();

    const wanted = Math.floor(request.maxNewTokens);
    const context = Math.max(1, Math.min(config.maxSeqLen, Math.floor(request.contextTokens ?? wanted + DEFAULT_SURROUNDING_TOKENS)));
    const slots = Math.min(wanted, context);
    const room = context - slots;
    const tokenizeStart = performance.now();
    const prefixIds = encodeTail(tokenizer, request.prefix, room);
    // Only as much suffix as fitWindow can keep: tokenizing is a few percent of a completion.
    const suffixIds = encodeHead(tokenizer, request.suffix, Math.max(room - prefixIds.length, Math.floor(room * SUFFIX_SHARE)));
    const window = fitWindow(prefixIds, suffixIds, slots, context);
    let tokenizeMs = performance.now() - tokenizeStart;

    const special = { mask: config.maskTokenId, eom: config.eomTokenId, eot: config.eotTokenId };
    const onDraft = options.onDraft;
    const result = await denoise({
      model: this.parts.model,
      head: request.sampler === 'backplay' ? head : undefined,
      policy: createPolicy(request.sampler, { threshold: request.threshold ?? DEFAULT_THRESHOLD }),
      special,
      prefixIds: window.prefixIds,
      suffixIds: window.suffixIds,
      slots: window.slots,
      endTokens: request.singleLine ? (this.lineBreaks ??= lineBreakIds(tokenizer)) : undefined,
      tokensPerStep: request.tokensPerStep,
      blockLength: request.blockLength ?? DEFAULT_BLOCK_LENGTH,
      correction: request.correction,
      seed: request.seed,
      signal: options.signal,
      scorer: this.parts.scorer,
      onStep:
        onDraft &&
        ((step, ids, states) => {
          const draftSlots: DraftSlot[] = Array.from(ids, (id, s) => ({
            text: states[s] === 'masked' ? '' : this.tokenText(id, special),
            state: states[s],
          }));
          const visible: number[] = [];
          for (let s = 0; s < ids.length; s++) {
            if (ids[s] === special.eom || ids[s] === special.eot) break;
            if (states[s] !== 'masked' && states[s] !== 'flagged') visible.push(ids[s]);
          }
          onDraft({ step, slots: draftSlots, text: tokenizer.decode(visible), elapsedMs: performance.now() - t0 });
        }),
    });

    const decodeStart = performance.now();
    const text = tokenizer.decode(result.ids);
    tokenizeMs += performance.now() - decodeStart;
    const ms = performance.now() - t0;
    return {
      text,
      truncated: result.filled,
      steps: result.steps,
      forwardPasses: result.forwardPasses,
      headCalls: result.headCalls,
      remasks: result.remasks,
      ms,
      timings: {
        tokenizeMs,
        modelMs: result.modelMs,
        headMs: result.headMs,
        scoreMs: result.scoreMs,
        otherMs: Math.max(0, ms - tokenizeMs - result.modelMs - result.headMs - result.scoreMs),
      },
      provider: this.parts.provider,
    };
  }

  /** Text of one slot for drafts; end-of-middle shows as nothing. */
  private tokenText(id: number, special: { mask: number; eom: number; eot: number }): string {
    if (id === special.eom || id === special.eot || id === special.mask) return '';
    let text = this.slotText.get(id);
    if (text === undefined) {
      text = this.parts.tokenizer.decode([id]);
      this.slotText.set(id, text);
    }
    return text;
  }

  /** Look-back Correction on the given files (the head engineer's trainer); writes options.outPath, does not swap it in. */
  async trainHead(
    options: HeadTrainOptions,
    hooks?: { onProgress?: (p: HeadTrainProgress) => void; signal?: AbortSignal },
  ): Promise<HeadTrainReport> {
    const { model, tokenizer, config, loadHead: load, provider } = this.parts;
    const current = this.head;
    const exactMatch = async (which: 'before' | 'after', headPath: string | undefined, heldOut: { path: string; text: string }[]) => {
      const tasks = lineTasks(heldOut, HELD_OUT_COMPLETIONS);
      if (tasks.length === 0) return NaN;
      const head = which === 'before' ? current : headPath && load ? await load(headPath, provider, config.hiddenSize) : undefined;
      try {
        const summary = await evaluate({ complete: (r) => this.completeWith(head, r) } as Engine, tasks, (t) => taskRequest(t));
        return summary.exact_match;
      } finally {
        if (head && head !== current) await head.dispose?.();
      }
    };
    const report = await trainLookbackHead(
      model,
      tokenizer,
      { ...options, maskId: config.maskTokenId, eomId: config.eomTokenId, oldHead: current, evaluateExactMatch: exactMatch },
      hooks,
    );
    writeHeadNote(report.outPath, { model: modelIdentity(config) });
    const { outPath, trainFiles, heldOutFiles, examples, epochs, ms, before, after } = report;
    return { outPath, trainFiles, heldOutFiles, examples, epochs, ms, before, after };
  }

  async dispose(): Promise<void> {
    await this.replaceHead(undefined, { source: 'none' });
    await this.parts.model.release?.();
    await this.parts.scorer?.release?.();
  }
}

function checkRequest(request: CompletionRequest): void {
  const bad = (what: string) => {
    throw new Error(`invalid completion request: ${what}`);
  };
  if (typeof request.prefix !== 'string' || typeof request.suffix !== 'string') bad('prefix and suffix must be strings');
  if (!(request.maxNewTokens >= 0)) bad('maxNewTokens must be >= 0');
  if (!(request.tokensPerStep >= 1)) bad('tokensPerStep must be >= 1');
  if (request.blockLength !== undefined && !(request.blockLength >= 1)) bad('blockLength must be >= 1');
  if (request.contextTokens !== undefined && !(request.contextTokens >= 1)) bad('contextTokens must be >= 1');
  const c = request.correction;
  if (!c || !(c.stride >= 1) || !(c.maxRemask >= 0) || !(c.fifo >= 0) || !(c.tau >= 0)) bad('correction needs tau >= 0, maxRemask >= 0, stride >= 1, fifo >= 0');
}
