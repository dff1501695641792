// Default decoding settings, shared by the CLI, the eval and the editor side.
import type { CompletionRequest, CorrectionSettings } from './types';

/** K = 2 and d = 2 are the paper's one reported setting; tau and the FIFO size are ours (BACKPLAY.md section 4). */
export const DEFAULT_CORRECTION: CorrectionSettings = { tau: 0.5, maxRemask: 2, stride: 2, fifo: 8 };

export const DEFAULT_BLOCK_LENGTH = 32;
/**
 * Tokens per forward pass (prefix + canvas + suffix). Measured on the 4-layer d=256 base shape,
 * int8, 2 threads, busy machine (node out/bench/forward.js MODEL --seq S, p10 of 15 runs):
 * seq 128 about 10 ms, 256 about 24 ms, 512 about 112 ms. 12 passes per completion at 128 fit the
 * 150 ms budget; 512 would not.
 */
export const DEFAULT_CONTEXT_TOKENS = 128;
/** Fast-dLLM's threshold. */
export const DEFAULT_THRESHOLD = 0.9;

export function defaultRequest(prefix: string, suffix: string, overrides: Partial<CompletionRequest> = {}): CompletionRequest {
  return {
    prefix,
    suffix,
    maxNewTokens: 24,
    tokensPerStep: 2,
    sampler: 'backplay',
    correction: { ...DEFAULT_CORRECTION },
    threshold: DEFAULT_THRESHOLD,
    blockLength: DEFAULT_BLOCK_LENGTH,
    contextTokens: DEFAULT_CONTEXT_TOKENS,
    seed: 0,
    ...overrides,
  };
}
