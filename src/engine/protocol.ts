// Messages between the engine client (extension host / CLI) and the engine worker thread.
import type {
  Completion,
  CompletionRequest,
  DraftSnapshot,
  EngineInfo,
  HeadTrainOptions,
  HeadTrainProgress,
  HeadTrainReport,
} from './types';

export type ToWorker =
  | { type: 'complete'; id: number; request: CompletionRequest }
  | { type: 'cancel'; id: number }
  | { type: 'info'; id: number }
  | { type: 'setHead'; id: number; path: string | undefined }
  | { type: 'trainHead'; id: number; options: HeadTrainOptions }
  /** Test hook: makes the worker die the way a native crash would (tests the restart path). */
  | { type: 'crash'; id: number };

export type FromWorker =
  | { type: 'draft'; id: number; snapshot: DraftSnapshot }
  | { type: 'progress'; id: number; progress: HeadTrainProgress }
  | { type: 'log'; message: string }
  | { type: 'done'; id: number; value: Completion | EngineInfo | HeadTrainReport | null }
  | { type: 'failed'; id: number; error: { name: string; message: string } };
