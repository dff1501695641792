// Fits `prefix [MASK]*n suffix` into the model's context: keeps the end of the prefix (what the
// cursor follows) and the start of the suffix (what the completion must join).

export interface Window {
  prefixIds: number[];
  suffixIds: number[];
  slots: number;
}

/** The suffix never takes more than this share of the context left after the canvas, unless the prefix leaves room. */
export const SUFFIX_SHARE = 0.25;

export function fitWindow(prefixIds: number[], suffixIds: number[], slots: number, maxSeqLen: number): Window {
  const canvas = Math.max(0, Math.min(slots, maxSeqLen));
  const room = maxSeqLen - canvas;
  const suffixKeep = Math.min(suffixIds.length, Math.max(room - prefixIds.length, Math.floor(room * SUFFIX_SHARE)));
  const prefixKeep = Math.min(prefixIds.length, room - suffixKeep);
  return {
    prefixIds: prefixKeep > 0 ? prefixIds.slice(prefixIds.length - prefixKeep) : [],
    suffixIds: suffixIds.slice(0, suffixKeep),
    slots: canvas,
  };
}
