// Default decoding settings, shared by the CLI, the eval and the editor side.
import type { CompletionRequest, CorrectionSettings } from './types';

/** K = 2 and d = 2 are the paper's one reported setting; tau and the FIFO size are ours (BACKPLAY.md section 4). */
export const DEFAULT_CORRECTION: CorrectionSettings = { tau: 0.5, maxRemask: 2, stride: 2, fifo: 8 };

export const DEFAULT_BLOCK_LENGTH = 32;
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
    seed: 0,
    ...overrides,
  };
}
