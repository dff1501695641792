// The engine as the extension host (or the CLI) sees it: every call is a message to one worker
// thread that owns the model. A crashed worker fails the calls in flight with a clear error and is
// started again on the next call. Head training runs in a second worker of its own, so that
// completions keep coming while it runs (the trainer's JS math would hold the first worker for
// hundreds of milliseconds at a time).
import * as path from 'node:path';
import { Worker } from 'node:worker_threads';
import { AbortError } from './decode/loop';
import type { FromWorker, ToWorker } from './protocol';
import type {
  CompleteOptions,
  Completion,
  CompletionRequest,
  DraftSnapshot,
  Engine,
  EngineInfo,
  EngineOptions,
  HeadTrainOptions,
  HeadTrainProgress,
  HeadTrainReport,
} from './types';

interface Pending {
  resolve(value: unknown): void;
  reject(error: Error): void;
  onDraft?: (snapshot: DraftSnapshot) => void;
  onProgress?: (progress: HeadTrainProgress) => void;
}

export interface WorkerEngineOptions {
  /** Defaults to worker.js next to this file (dist/ for the bundle, out/src/engine/ for tsc). */
  workerFile?: string;
  log?: (message: string) => void;
}

export class WorkerEngine implements Engine {
  private worker: Worker | undefined;
  private nextId = 1;
  private readonly pending = new Map<number, Pending>();
  /** Completions still running, so that a newer request can supersede them. */
  private readonly running = new Set<number>();
  private headPath: string | undefined;
  private disposed = false;
  /** The worker running trainHead, while it runs. */
  private trainer: WorkerEngine | undefined;

  constructor(
    private readonly options: EngineOptions,
    private readonly extra: WorkerEngineOptions = {},
  ) {}

  private ensureWorker(): Worker {
    if (this.disposed) throw new Error('the BackPlay engine was disposed');
    if (this.worker) return this.worker;
    const spawnStart = performance.now();
    // A restarted worker must come back with the head that was last set, not the shipped one.
    const worker = new Worker(this.extra.workerFile ?? path.join(__dirname, 'worker.js'), {
      workerData: { ...this.options, headPath: this.headPath ?? this.options.headPath },
    });
    // The spawn runs on the caller's thread (the extension host's): worth seeing in the log.
    this.extra.log?.(`worker spawned in ${(performance.now() - spawnStart).toFixed(1)} ms of the calling thread`);
    worker.on('message', (message: FromWorker) => this.onMessage(message));
    worker.on('error', (err) => this.onDeath(worker, `the engine worker crashed: ${err.message}`));
    worker.on('exit', (code) => this.onDeath(worker, `the engine worker exited (code ${code})`));
    this.worker = worker;
    return worker;
  }

  private onMessage(message: FromWorker): void {
    if (message.type === 'log') {
      this.extra.log?.(message.message);
      return;
    }
    const pending = this.pending.get(message.id);
    if (!pending) return;
    switch (message.type) {
      case 'draft':
        pending.onDraft?.(message.snapshot);
        break;
      case 'progress':
        pending.onProgress?.(message.progress);
        break;
      case 'done':
        this.settle(message.id);
        pending.resolve(message.value);
        break;
      case 'failed': {
        this.settle(message.id);
        const error = message.error.name === 'AbortError' ? new AbortError() : new Error(message.error.message);
        pending.reject(error);
        break;
      }
    }
  }

  private settle(id: number): void {
    this.pending.delete(id);
    this.running.delete(id);
  }

  private onDeath(worker: Worker, reason: string): void {
    if (this.worker !== worker) return;
    this.worker = undefined;
    const error = new Error(`${reason}; it restarts on the next request`);
    for (const [id, pending] of this.pending) {
      this.settle(id);
      pending.reject(error);
    }
  }

  /** call, with an abort of `signal` forwarded to the worker as a 'cancel' message for this request. */
  private callCancellable<T>(
    message: ToWorker & { id: number },
    signal: AbortSignal | undefined,
    handlers: Omit<Pending, 'resolve' | 'reject'>,
  ): Promise<T> {
    const onAbort = () => this.worker?.postMessage({ type: 'cancel', id: message.id } satisfies ToWorker);
    signal?.addEventListener('abort', onAbort, { once: true });
    return this.call<T>(message, handlers).finally(() => signal?.removeEventListener('abort', onAbort));
  }

  private call<T>(message: ToWorker, handlers: Omit<Pending, 'resolve' | 'reject'> = {}): Promise<T> {
    let worker: Worker;
    try {
      worker = this.ensureWorker();
    } catch (err) {
      return Promise.reject(err);
    }
    return new Promise<T>((resolve, reject) => {
      this.pending.set(message.id, { resolve: resolve as (v: unknown) => void, reject, ...handlers });
      worker.postMessage(message);
    });
  }

  complete(request: CompletionRequest, options: CompleteOptions = {}): Promise<Completion> {
    if (options.signal?.aborted) return Promise.reject(new AbortError());
    if (options.supersede) for (const older of this.running) this.worker?.postMessage({ type: 'cancel', id: older } satisfies ToWorker);
    const id = this.nextId++;
    this.running.add(id);
    return this.callCancellable<Completion>({ type: 'complete', id, request }, options.signal, { onDraft: options.onDraft });
  }

  info(): Promise<EngineInfo> {
    return this.call<EngineInfo>({ type: 'info', id: this.nextId++ });
  }

  async setHead(headPath: string | undefined): Promise<void> {
    await this.call<null>({ type: 'setHead', id: this.nextId++, path: headPath });
    this.headPath = headPath;
  }

  /** Trains in a worker of its own that starts with the head in use here (the report's "before"), and ends with the run. */
  async trainHead(
    options: HeadTrainOptions,
    hooks: { onProgress?: (p: HeadTrainProgress) => void; signal?: AbortSignal } = {},
  ): Promise<HeadTrainReport> {
    if (this.disposed) throw new Error('the BackPlay engine was disposed');
    if (this.trainer) throw new Error('a correction head is already training');
    const trainer = new WorkerEngine({ ...this.options, headPath: this.headPath ?? this.options.headPath }, this.extra);
    this.trainer = trainer;
    try {
      return await trainer.callCancellable<HeadTrainReport>({ type: 'trainHead', id: trainer.nextId++, options }, hooks.signal, {
        onProgress: hooks.onProgress,
      });
    } finally {
      this.trainer = undefined;
      await trainer.dispose();
    }
  }

  /** Test hook: kills the worker as a native crash would. */
  crashForTest(): Promise<never> {
    return this.call<never>({ type: 'crash', id: this.nextId++ });
  }

  async dispose(): Promise<void> {
    this.disposed = true;
    await this.trainer?.dispose();
    const worker = this.worker;
    this.worker = undefined;
    for (const [id, pending] of this.pending) {
      this.settle(id);
      pending.reject(new Error('the BackPlay engine was disposed'));
    }
    await worker?.terminate();
  }
}

export function createWorkerEngine(options: EngineOptions, extra?: WorkerEngineOptions): WorkerEngine {
  return new WorkerEngine(options, extra);
}
