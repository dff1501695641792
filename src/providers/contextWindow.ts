// The text around the cursor that goes to the engine. The engine fits its canvas in tokens; here
// we only cut characters, generously (code averages 3-4 characters a token), at line boundaries so
// the model never sees half a line at the window's edge.

export interface ContextWindow {
  prefix: string;
  suffix: string;
}

export interface WindowLimits {
  maxPrefixChars: number;
  maxSuffixChars: number;
}

/** Enough for the model's context (a few hundred tokens) with room to spare for the engine's own cut. */
export const DEFAULT_WINDOW: WindowLimits = { maxPrefixChars: 4096, maxSuffixChars: 1536 };

export function cutWindow(text: string, offset: number, limits: WindowLimits = DEFAULT_WINDOW): ContextWindow {
  let prefixStart = Math.max(0, offset - limits.maxPrefixChars);
  if (prefixStart > 0) {
    const nl = text.indexOf('\n', prefixStart);
    // Keep the cut at a line start, unless the cursor's own line is longer than the whole window.
    if (nl >= 0 && nl < offset) prefixStart = nl + 1;
  }
  let suffixEnd = Math.min(text.length, offset + limits.maxSuffixChars);
  if (suffixEnd < text.length) {
    const nl = text.lastIndexOf('\n', suffixEnd);
    if (nl > offset) suffixEnd = nl;
  }
  return { prefix: text.slice(prefixStart, offset), suffix: text.slice(offset, suffixEnd) };
}

/** Characters read beyond the window on each side, so that cutWindow can still cut at a line boundary. */
export const SLICE_SLACK_CHARS = 1024;

/**
 * The part of a document of `length` characters that the provider reads around `offset`: enough for
 * cutWindow, so that a keystroke in a huge file never copies the whole file (`getText()`).
 */
export function documentSlice(offset: number, length: number, limits: WindowLimits = DEFAULT_WINDOW): { start: number; end: number } {
  return {
    start: Math.max(0, offset - limits.maxPrefixChars - SLICE_SLACK_CHARS),
    end: Math.min(length, offset + limits.maxSuffixChars + SLICE_SLACK_CHARS),
  };
}
