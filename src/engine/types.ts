// The engine's public contract (DESIGN.md, "Engine API"). Everything the editor side, the CLI and
// the benchmarks know about the engine goes through these types; nothing here imports vscode.

/** Names of the decoding policies; they share one denoising loop and differ in what they commit and re-mask. */
export type SamplerName = 'confidence' | 'threshold' | 'random-remask' | 'self-remask' | 'backplay';

/** Settings of the look-back correction (BACKPLAY.md section 4). */
export interface CorrectionSettings {
  /** Flag a position only when the head's P(wrong) is above this. */
  tau: number;
  /** At most this many positions re-masked per look-back step. */
  maxRemask: number;
  /** A look-back step every `stride` steps. */
  stride: number;
  /** Positions re-masked recently are not re-masked again while in this FIFO of this capacity. */
  fifo: number;
}

export interface CompletionRequest {
  prefix: string;
  suffix: string;
  languageId?: string;
  /** Size of the masked canvas: the most tokens the completion may have. */
  maxNewTokens: number;
  /** The completion ends at its first line break (the editor shows one line, e.g. mid-line). */
  singleLine?: boolean;
  /** Tokens committed per step (k). */
  tokensPerStep: number;
  sampler: SamplerName;
  correction: CorrectionSettings;
  /** Confidence threshold of the `threshold` sampler. */
  threshold?: number;
  /** Semi-autoregressive block length. */
  blockLength?: number;
  /**
   * Most tokens the model sees per pass (prefix + canvas + suffix), capped by the model's
   * max_seq_len; default: the canvas plus 104. A pass costs more than linearly in it, so this is
   * the main latency knob.
   */
  contextTokens?: number;
  seed: number;
}

/** State of one canvas slot in a draft snapshot, as the UI shows it. */
export type SlotState =
  | 'masked' // still [MASK]
  | 'committed' // committed in this very step
  | 'stable' // committed in an earlier step and unchanged since
  | 'flagged' // the head (or the policy) flagged it and it was re-masked in this step
  | 'rewritten'; // committed again after having been re-masked

export interface DraftSlot {
  text: string;
  state: SlotState;
}

export interface DraftSnapshot {
  step: number;
  slots: DraftSlot[];
  /** The completion text as it would be cut right now (masked slots left out). */
  text: string;
  elapsedMs: number;
}

export interface Completion {
  text: string;
  /** The canvas ran out before the model ended the completion: its last line may be cut short. */
  truncated: boolean;
  steps: number;
  forwardPasses: number;
  headCalls: number;
  remasks: number;
  ms: number;
  /** Where the time went: tokenizer, model runs, head runs, slot scoring, everything else. */
  timings: { tokenizeMs: number; modelMs: number; headMs: number; scoreMs: number; otherMs: number };
  /** The execution provider that ran the model (cpu, webgpu, cuda, dml, coreml). */
  provider: string;
}

export interface CompleteOptions {
  onDraft?: (snapshot: DraftSnapshot) => void;
  signal?: AbortSignal;
  /** Cancel every older completion still running on this engine (a newer keystroke makes them moot). */
  supersede?: boolean;
}

/** Execution providers a user can ask for; `auto` probes the GPU ones first and falls back to cpu. */
export type DeviceName = 'auto' | 'cpu' | 'webgpu' | 'cuda' | 'dml' | 'coreml';

export interface EngineOptions {
  /** A folder in the model directory format (DESIGN.md). */
  modelDir: string;
  /** A head file to use instead of the model folder's own (e.g. one retrained on a workspace). */
  headPath?: string;
  device: DeviceName;
}

export interface EngineInfo {
  provider: string;
  modelName: string;
  /** Which head is in use: the model folder's own, a retrained one (its path), or none. */
  head: {
    source: 'shipped' | 'custom' | 'none';
    path?: string;
    /** Why the requested head (EngineOptions.headPath) was not loaded and the model folder's own is used instead. */
    rejected?: string;
  };
}

export interface HeadTrainOptions {
  /** Source files to learn from, already collected and filtered by the caller. */
  files: { path: string; text: string }[];
  /** Where the new head is written (atomically: a cut-off run leaves the old file intact). */
  outPath: string;
  seed: number;
  /**
   * Training epochs stop once this many milliseconds have passed since the start, converged or not.
   * Making the look-back examples before and scoring both heads after are not cut short: a tiny
   * budget still costs them (8 s asked took 33 s once), 480 s on 20,000 lines took 415 s in all.
   */
  timeBudgetMs?: number;
}

export interface HeadEvaluation {
  /** Fraction of the frozen model's wrong tokens the head flags (at tau), and of right ones it flags wrongly. */
  errorsCaught: number;
  falseFlags: number;
  /** Completion exact match on held-out snippets with this head in the backplay sampler. */
  exactMatch: number;
}

export interface HeadTrainReport {
  outPath: string;
  trainFiles: number;
  heldOutFiles: number;
  examples: number;
  epochs: number;
  ms: number;
  before: HeadEvaluation;
  after: HeadEvaluation;
}

export interface HeadTrainProgress {
  phase: 'collect' | 'examples' | 'train' | 'evaluate' | 'save';
  fraction: number;
  message: string;
}

export interface Engine {
  complete(request: CompletionRequest, options?: CompleteOptions): Promise<Completion>;
  info(): Promise<EngineInfo>;
  /** Swap the head in without restarting (undefined: back to the model folder's own head). */
  setHead(path: string | undefined): Promise<void>;
  trainHead(
    options: HeadTrainOptions,
    hooks?: { onProgress?: (p: HeadTrainProgress) => void; signal?: AbortSignal },
  ): Promise<HeadTrainReport>;
  dispose(): Promise<void>;
}

/** One forward pass of the frozen model over a batch of token sequences (DESIGN.md, model format). */
export interface ForwardResult {
  /** [batch, seq, vocab], row-major. */
  logits: Float32Array;
  /** [batch, seq, hidden], row-major: the input of the last transformer block, read by the head. */
  hidden: Float32Array;
  batch: number;
  seq: number;
  vocab: number;
  hiddenSize: number;
}

/** The frozen model as the samplers and the head trainer see it: ids in, logits and hidden states out. */
export interface FrozenModel {
  forward(ids: Int32Array, batch: number, seq: number): Promise<ForwardResult>;
}

/** Positions [start, end) of a sequence. */
export interface RowRange {
  start: number;
  end: number;
}

/**
 * The correction head: hidden states in, P(wrong) per position out ([batch, seq]), or only for
 * `rows` ([batch, rows.end - rows.start]; every position still informs them through attention).
 */
export interface CorrectionHead {
  pWrong(hidden: Float32Array, batch: number, seq: number, rows?: RowRange): Promise<Float32Array>;
}
