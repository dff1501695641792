// Default decoding settings, shared by the CLI, the eval and the editor side.
import type { CompletionRequest, CorrectionSettings } from './types';

/** K = 2 and d = 2 are the paper's one reported setting; tau and the FIFO size are ours (BACKPLAY.md section 4). */
export const DEFAULT_CORRECTION: CorrectionSettings = { tau: 0.5, maxRemask: 2, stride: 2, fifo: 8 };

export const DEFAULT_BLOCK_LENGTH = 32;
/** Canvas of a one-line completion, and of a multi-line one (the block tasks' middles: p50 27, p90 50 tokens). */
export const DEFAULT_MAX_NEW_TOKENS = 24;
export const BLOCK_MAX_NEW_TOKENS = 64;
/**
 * Prefix + suffix tokens around the canvas when the request does not set contextTokens: a one-line
 * completion then runs over 128 tokens. Measured on the 4-layer d=256 base shape, int8, 2 threads,
 * busy machine (node out/bench/forward.js MODEL --seq S, p10 of 15 runs): seq 128 about 10 ms,
 * 256 about 24 ms, 512 about 112 ms per pass; 12 passes over 512 would not fit a 150 ms budget.
 */
export const DEFAULT_SURROUNDING_TOKENS = 104;
/** Fast-dLLM's threshold. */
export const DEFAULT_THRESHOLD = 0.9;

/** True when code follows the cursor on its line: an editor then shows a one-line suggestion. */
export function cursorMidLine(suffix: string): boolean {
  const lineEnd = suffix.indexOf('\n');
  return /\S/.test(lineEnd < 0 ? suffix : suffix.slice(0, lineEnd));
}

export function defaultRequest(prefix: string, suffix: string, overrides: Partial<CompletionRequest> = {}): CompletionRequest {
  return {
    prefix,
    suffix,
    maxNewTokens: DEFAULT_MAX_NEW_TOKENS,
    tokensPerStep: 2,
    sampler: 'backplay',
    correction: { ...DEFAULT_CORRECTION },
    threshold: DEFAULT_THRESHOLD,
    blockLength: DEFAULT_BLOCK_LENGTH,
    seed: 0,
    ...overrides,
  };
}
