// The inline-completion logic, free of vscode so it runs under plain mocha with a fake engine:
// language gate, cache, debounce, context window, one engine request at a time (a newer one aborts
// the older one inside the engine), draft streaming, post-processing and timing.
// inlineProvider.ts adapts VS Code's provider call to `provide`.
import type { Completion, CompletionRequest, DraftSnapshot, Engine } from '../engine/types';
import { AdaptiveDebounce } from './adaptiveDebounce';
import { CompletionCache } from './completionCache';
import { cutWindow, DEFAULT_WINDOW, WindowLimits } from './contextWindow';
import { buildCursorContext, CursorContext, dropLastLine, IndentStyle, insideWord, isMidLine, postProcess } from './postprocess';
import { BackPlaySettings, effectiveSampler, isLanguageEnabled, SettingsScope } from './settings';

/** The part of vscode.CancellationToken we use (structurally compatible with it). */
export interface CancellationLike {
  readonly isCancellationRequested: boolean;
  onCancellationRequested(listener: () => void): { dispose(): void };
}

export interface InlineRequest {
  /** The whole document and the cursor's offset in it. */
  text: string;
  offset: number;
  languageId: string;
  /** The document's URI (as a string): settings are read for it and the draft is drawn only in its editor. */
  uri?: string;
  indent: IndentStyle;
  /** `invoke`: the user asked (no debounce); `automatic`: typing. */
  trigger: 'automatic' | 'invoke';
}

/** Timings of one completion, measured from the provider's call after the debounce. */
export interface CompletionMetrics {
  /** Wall clock (epoch ms) of the provider call after the debounce: lets the editor tests time what the screen shows. */
  startedAt: number;
  debounceMs: number;
  /** Provider call (after debounce) to the first draft handed to the UI; undefined when no draft came. */
  firstDraftMs?: number;
  /** Provider call (after debounce) to the post-processed suggestion. */
  finalMs: number;
  engineMs: number;
  steps: number;
  forwardPasses: number;
  remasks: number;
  provider: string;
  /** Length of the suggestion shown after post-processing (0: nothing worth showing). */
  shownChars: number;
}

/** The last completion, step by step, for the trace view. */
export interface CompletionTrace {
  request: Omit<CompletionRequest, 'prefix' | 'suffix'> & { prefixTail: string; suffixHead: string };
  snapshots: DraftSnapshot[];
  completion: Completion;
  shown: string;
}

export interface ControllerEvents {
  /** A new draft of request `id`; `singleLine` when the suggestion will be cut to the cursor's line. */
  onDraft?(id: number, snapshot: DraftSnapshot, singleLine: boolean, uri: string | undefined): void;
  /** Request `id` is over (finished, cancelled or failed): its draft must go. */
  onDraftEnd?(id: number): void;
  onThinking?(): void;
  /** No request is running any more (the last one finished, was cancelled or failed). */
  onIdle?(): void;
  onResult?(metrics: CompletionMetrics, completion: Completion): void;
  onError?(error: unknown): void;
  onTrace?(trace: CompletionTrace): void;
}

export interface ControllerDeps {
  getEngine(): Promise<Engine | undefined>;
  /** The settings for a document (language and folder overrides apply), or the window's without a scope. */
  getSettings(scope?: SettingsScope): BackPlaySettings;
  events?: ControllerEvents;
  window?: WindowLimits;
  /** Seed of every request: the same spot gives the same suggestion. */
  seed?: number;
  now?: () => number;
}

const TRACE_CONTEXT_CHARS = 200;

export class CompletionController {
  readonly cache = new CompletionCache();
  private readonly debounce = new AdaptiveDebounce();
  private inFlight: AbortController | undefined;
  private nextId = 1;

  constructor(private readonly deps: ControllerDeps) {}

  /** The suggestion to show at the cursor, or undefined (disabled, cancelled, nothing useful, error). */
  async provide(req: InlineRequest, token: CancellationLike): Promise<string | undefined> {
    const settings = this.deps.getSettings({ uri: req.uri, languageId: req.languageId });
    if (!isLanguageEnabled(settings, req.languageId)) return undefined;
    const ctx = buildCursorContext(req.text, req.offset, req.indent);
    // Typing inside a word (`fo|o`): a suggestion would split it; only an explicit request gets one.
    if (req.trigger === 'automatic' && insideWord(ctx)) return undefined;
    const window = cutWindow(req.text, req.offset, this.deps.window ?? DEFAULT_WINDOW);
    // The model was trained on LF text: a CRLF document's window is given to it as LF. The editor
    // turns the suggestion's LF back into the document's line ending when it inserts it.
    const prefix = window.prefix.replace(/\r\n/g, '\n');
    const suffix = window.suffix.replace(/\r\n/g, '\n');
    const cached = this.cache.get(prefix, suffix);
    // An empty result is cached too; an explicit request asks the model again rather than showing nothing.
    if (cached !== undefined && (cached !== '' || req.trigger === 'automatic')) return cached || undefined;

    const debounceMs = req.trigger === 'automatic' ? this.debounce.next(Date.now(), settings.debounceMs) : 0;
    if (!(await waitUnlessCancelled(debounceMs, token))) return undefined;
    const engine = await this.deps.getEngine();
    if (!engine || token.isCancellationRequested) return undefined;
    return this.run(engine, settings, { prefix, suffix, languageId: req.languageId }, ctx, debounceMs, token, req.uri);
  }

  /** Aborts the engine request in flight, if any (e.g. the engine is being replaced). */
  abortInFlight(): void {
    this.inFlight?.abort();
    this.inFlight = undefined;
  }

  private async run(
    engine: Engine,
    settings: BackPlaySettings,
    spot: { prefix: string; suffix: string; languageId: string },
    ctx: CursorContext,
    debounceMs: number,
    token: CancellationLike,
    uri: string | undefined,
  ): Promise<string | undefined> {
    const now = this.deps.now ?? (() => performance.now());
    const events = this.deps.events ?? {};
    const id = this.nextId++;
    this.inFlight?.abort(); // a newer request makes the older one pointless
    const abort = new AbortController();
    this.inFlight = abort;
    const onCancel = token.onCancellationRequested(() => abort.abort());
    const singleLine = isMidLine(ctx);
    const request: CompletionRequest = {
      ...spot,
      maxNewTokens: settings.maxNewTokens,
      singleLine,
      tokensPerStep: settings.tokensPerStep,
      sampler: effectiveSampler(settings),
      correction: {
        tau: settings.correction.tau,
        maxRemask: settings.correction.maxRemask,
        stride: settings.correction.stride,
        fifo: settings.correction.fifo,
      },
      seed: this.deps.seed ?? 0,
    };
    const snapshots: DraftSnapshot[] = [];
    const started = now();
    const startedAt = Date.now();
    let firstDraftMs: number | undefined;
    events.onThinking?.();
    try {
      const completion = await engine.complete(request, {
        signal: abort.signal,
        supersede: true,
        onDraft: (snapshot) => {
          if (abort.signal.aborted) return;
          firstDraftMs ??= now() - started;
          snapshots.push(snapshot);
          if (settings.liveDraft) events.onDraft?.(id, snapshot, singleLine, uri);
        },
      });
      // A multi-line completion the canvas cut short ends in a partial line: show its whole lines
      // only (a lone partial line stays: it can still be accepted word by word).
      const whole = dropLastLine(completion.text);
      const raw = completion.truncated && !singleLine && /\S/.test(whole) ? whole : completion.text;
      const shown = postProcess(raw, ctx);
      // Cached even when this request was cancelled meanwhile: the user may come back to the spot.
      this.cache.set(spot.prefix, spot.suffix, shown);
      if (abort.signal.aborted || token.isCancellationRequested) return undefined;
      const metrics: CompletionMetrics = {
        startedAt,
        debounceMs,
        firstDraftMs,
        finalMs: now() - started,
        engineMs: completion.ms,
        steps: completion.steps,
        forwardPasses: completion.forwardPasses,
        remasks: completion.remasks,
        provider: completion.provider,
        shownChars: shown.length,
      };
      events.onResult?.(metrics, completion);
      const { prefix, suffix, ...settingsPart } = request;
      events.onTrace?.({
        request: { ...settingsPart, prefixTail: prefix.slice(-TRACE_CONTEXT_CHARS), suffixHead: suffix.slice(0, TRACE_CONTEXT_CHARS) },
        snapshots,
        completion,
        shown,
      });
      return shown || undefined;
    } catch (error) {
      if (!abort.signal.aborted && !isAbortError(error)) events.onError?.(error);
      return undefined;
    } finally {
      onCancel.dispose();
      if (this.inFlight === abort) this.inFlight = undefined;
      events.onDraftEnd?.(id);
      if (!this.inFlight) events.onIdle?.();
    }
  }
}

export function isAbortError(error: unknown): boolean {
  return error instanceof Error && error.name === 'AbortError';
}

/** Resolves true after `ms`, or false as soon as the token is cancelled. */
export function waitUnlessCancelled(ms: number, token: CancellationLike): Promise<boolean> {
  if (token.isCancellationRequested) return Promise.resolve(false);
  if (ms <= 0) return Promise.resolve(true);
  return new Promise((resolve) => {
    const timer = setTimeout(() => {
      sub.dispose();
      resolve(true);
    }, ms);
    const sub = token.onCancellationRequested(() => {
      clearTimeout(timer);
      sub.dispose();
      resolve(false);
    });
  });
}
