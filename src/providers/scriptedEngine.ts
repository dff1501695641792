// A deterministic stand-in for the engine: it "denoises" a fixed text with the same snapshot
// shapes as the real one (masked slots, k commits a step, a flagged slot re-masked and rewritten).
// It serves the unit tests and the editor tests of the UI (BACKPLAY_ENGINE=scripted), where a real
// model's output would make assertions about drafts and states fuzzy. Not a model: no tokenizer.
import type {
  CompleteOptions,
  Completion,
  CompletionRequest,
  DraftSlot,
  DraftSnapshot,
  Engine,
  EngineInfo,
  HeadTrainOptions,
  HeadTrainProgress,
  HeadTrainReport,
} from '../engine/types';

export interface ScriptedEngineOptions {
  /** The completion to produce, or a function of the request. */
  text?: string | ((request: CompletionRequest) => string);
  /** Report the completion as cut short by the canvas. */
  truncated?: boolean;
  /** Wall-clock per denoising step, so that drafts are visible in a real editor. */
  stepDelayMs?: number;
  /** Canvas slots beyond the text, left as padding (they end up empty). */
  padSlots?: number;
  /** A head training run takes this long (in steps of 10 progress reports). */
  trainStepMs?: number;
}

const WRONG_GUESS = 'oops';

export function abortError(): Error {
  const error = new Error('The operation was aborted');
  error.name = 'AbortError';
  return error;
}

export class ScriptedEngine implements Engine {
  readonly requests: CompletionRequest[] = [];
  private headPath: string | undefined;

  constructor(private readonly options: ScriptedEngineOptions = {}) {}

  async complete(request: CompletionRequest, options: CompleteOptions = {}): Promise<Completion> {
    this.requests.push(request);
    const started = Date.now();
    const target = typeof this.options.text === 'function' ? this.options.text(request) : (this.options.text ?? 'return a + b;');
    const tokens = target.match(/\s*\S+|\s+/g) ?? [];
    const slots: DraftSlot[] = [...tokens, ...Array<string>(this.options.padSlots ?? 2).fill('')].map(() => ({ text: '', state: 'masked' }));
    const wasRemasked = new Set<number>();
    // Commit order: every other slot first, so drafts visibly fill in parallel, not left to right.
    const order = slots.map((_, i) => i).sort((a, b) => (a % 2) - (b % 2) || a - b);
    const flagAt = request.sampler === 'backplay' && tokens.length > 1 ? 1 : -1; // look-back at step 1
    let step = 0;
    let remasks = 0;
    const emit = () => {
      const snapshot: DraftSnapshot = {
        step,
        slots: slots.map((s) => ({ ...s })),
        text: slots.filter((s) => s.state !== 'masked' && s.state !== 'flagged').map((s) => s.text).join(''),
        elapsedMs: Date.now() - started,
      };
      options.onDraft?.(snapshot);
    };
    const pending = () => order.filter((i) => slots[i].state === 'masked' || slots[i].state === 'flagged');
    let holdFlag = false;
    while (pending().length > 0) {
      if (options.signal?.aborted) throw abortError();
      // A flagged token stays up three steps' time: a screen that skips a frame still shows it.
      await delay((this.options.stepDelayMs ?? 0) * (holdFlag ? 3 : 1), options.signal);
      for (const s of slots) if (s.state === 'committed' || s.state === 'rewritten') s.state = 'stable';
      for (const s of slots) if (s.state === 'flagged') s.state = 'masked';
      for (const i of pending().slice(0, request.tokensPerStep)) {
        slots[i] = { text: i < tokens.length ? tokens[i] : '', state: wasRemasked.has(i) ? 'rewritten' : 'committed' };
      }
      if (step === flagAt) {
        // The first committed token was a wrong guess; the head flags it and it goes back to masked.
        const i = order[0];
        slots[i] = { text: WRONG_GUESS, state: 'flagged' };
        wasRemasked.add(i);
        remasks++;
      }
      holdFlag = step === flagAt;
      emit();
      step++;
    }
    const ms = Date.now() - started;
    return {
      text: target,
      truncated: this.options.truncated ?? false,
      steps: step,
      forwardPasses: step,
      headCalls: flagAt >= 0 ? 1 : 0,
      remasks,
      ms,
      timings: { tokenizeMs: 0, modelMs: ms, headMs: 0, scoreMs: 0, otherMs: 0 },
      provider: 'cpu',
    };
  }

  async info(): Promise<EngineInfo> {
    return {
      provider: 'cpu',
      modelName: 'scripted',
      head: this.headPath ? { source: 'custom', path: this.headPath } : { source: 'shipped' },
    };
  }

  async setHead(path: string | undefined): Promise<void> {
    this.headPath = path;
  }

  async trainHead(
    options: HeadTrainOptions,
    hooks: { onProgress?: (p: HeadTrainProgress) => void; signal?: AbortSignal } = {},
  ): Promise<HeadTrainReport> {
    const started = Date.now();
    for (let i = 0; i < 10; i++) {
      if (hooks.signal?.aborted) throw abortError();
      hooks.onProgress?.({ phase: 'train', fraction: i / 10, message: `epoch ${i + 1}/10` });
      await delay(this.options.trainStepMs ?? 0, hooks.signal);
    }
    const heldOut = Math.max(1, Math.floor(options.files.length / 5));
    return {
      outPath: options.outPath,
      trainFiles: options.files.length - heldOut,
      heldOutFiles: heldOut,
      examples: options.files.length * 10,
      epochs: 10,
      ms: Date.now() - started,
      before: { errorsCaught: 0.3, falseFlags: 0.1, exactMatch: 0.2 },
      after: { errorsCaught: 0.4, falseFlags: 0.1, exactMatch: 0.25 },
    };
  }

  async dispose(): Promise<void> {}
}

function delay(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (ms <= 0) return void setImmediate(resolve);
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(abortError());
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
