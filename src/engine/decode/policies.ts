// The decoding policies. They share one denoising loop (loop.ts) and differ only in which masked
// slots they commit in a step and which committed slots they re-mask on a look-back step.
import type { CorrectionHead, SamplerName } from '../types';
import type { Rng } from '../rng';
import type { SlotScores } from './scores';

export interface CommitContext {
  scores: SlotScores;
  /** Masked slots of the current block, the only ones a step may commit. */
  maskedInBlock: number[];
  tokensPerStep: number;
}

export interface RemaskContext {
  scores: SlotScores;
  /** Generated slots that were visible (not masked) in this step's input and are not in the FIFO. */
  candidates: number[];
  /** Canvas position of slot 0 (hidden states and p_wrong are per canvas position). */
  canvasStart: number;
  /** This step's hidden states [1, seq, hidden] from the same forward pass. */
  hidden: Float32Array;
  seq: number;
  tau: number;
  maxRemask: number;
  rng: Rng;
  /** The correction head, timed and counted by the loop. */
  head?: CorrectionHead;
}

export interface Policy {
  commit(ctx: CommitContext): number[];
  /** Slots to re-mask on a look-back step; absent for policies that never look back. */
  remask?(ctx: RemaskContext): Promise<number[]>;
}

/** The `count` slots with the highest score, in descending order of score (ties: lower slot first). */
export function topSlots(slots: number[], score: (slot: number) => number, count: number): number[] {
  return [...slots].sort((a, b) => score(b) - score(a) || a - b).slice(0, Math.max(0, count));
}

/** The top `maxRemask` candidates whose wrongness is above tau. */
function flagAbove(ctx: RemaskContext, wrongness: (slot: number) => number): number[] {
  const flagged = ctx.candidates.filter((s) => wrongness(s) > ctx.tau);
  return topSlots(flagged, wrongness, ctx.maxRemask);
}

const confidenceCommit = (ctx: CommitContext): number[] =>
  topSlots(ctx.maskedInBlock, (s) => ctx.scores.confidence[s], ctx.tokensPerStep);

export function createPolicy(name: SamplerName, options: { threshold: number }): Policy {
  switch (name) {
    case 'confidence':
      return { commit: confidenceCommit };
    case 'threshold':
      // Fast-dLLM: every masked slot of the block above the threshold, at least the most confident one.
      return {
        commit: (ctx) => {
          const above = ctx.maskedInBlock.filter((s) => ctx.scores.confidence[s] >= options.threshold);
          return above.length > 0 ? above : topSlots(ctx.maskedInBlock, (s) => ctx.scores.confidence[s], 1);
        },
      };
    case 'random-remask':
      // ReMDM-style control: the same re-mask budget as backplay, positions drawn at random.
      return {
        commit: confidenceCommit,
        remask: async (ctx) => {
          const draw = new Map(ctx.candidates.map((s) => [s, ctx.rng()]));
          return topSlots(ctx.candidates, (s) => draw.get(s) ?? 0, ctx.maxRemask);
        },
      };
    case 'self-remask':
      // No head: the model's own probability of the token in place; wrongness = 1 - p.
      return { commit: confidenceCommit, remask: async (ctx) => flagAbove(ctx, (s) => 1 - ctx.scores.currentProb[s]) };
    case 'backplay':
      return {
        commit: confidenceCommit,
        remask: async (ctx) => {
          if (!ctx.head || ctx.candidates.length === 0) return [];
          // Only the candidates' span is scored (the head's cost falls with the rows it scores).
          const first = Math.min(...ctx.candidates);
          const start = ctx.canvasStart + first;
          const end = ctx.canvasStart + Math.max(...ctx.candidates) + 1;
          const pWrong = await ctx.head.pWrong(ctx.hidden, 1, ctx.seq, { start, end });
          return flagAbove(ctx, (s) => pWrong[s - first]);
        },
      };
    default:
      throw new Error(`unknown sampler "${String(name)}"; use confidence, threshold, random-remask, self-remask or backplay`);
  }
}

export const SAMPLER_NAMES: readonly SamplerName[] = ['confidence', 'threshold', 'random-remask', 'self-remask', 'backplay'];
