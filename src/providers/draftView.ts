// How a draft snapshot looks at the cursor: runs of text grouped by slot state. Pure (no vscode
// import); liveDraft.ts turns the runs into editor decorations.
import type { DraftSnapshot, SlotState } from '../engine/types';

export interface DraftRun {
  text: string;
  state: SlotState;
}

/** Placeholder for a slot the model has not filled yet. */
export const MASK_GLYPH = '\u2592'; // ▒
/** A line break inside the draft; the draft is shown on the cursor's line only. */
export const NEWLINE_GLYPH = '\u21b5'; // ↵
/** Enough to see the whole canvas of a typical completion without running off screen. */
const MAX_DRAFT_CHARS = 160;

/**
 * The snapshot as runs of displayable text: masked slots as placeholders, line breaks as a glyph,
 * spaces as non-breaking spaces (injected text would collapse them), adjacent slots of one state merged.
 * Slots that hold nothing (the end-of-middle padding) are left out.
 */
export function draftRuns(snapshot: DraftSnapshot, maxChars = MAX_DRAFT_CHARS): DraftRun[] {
  const runs: DraftRun[] = [];
  let length = 0;
  for (const slot of snapshot.slots) {
    let text = slot.state === 'masked' || (slot.state === 'flagged' && slot.text === '') ? MASK_GLYPH : displayable(slot.text);
    if (!text) continue;
    if (length + text.length > maxChars) text = text.slice(0, Math.max(0, maxChars - length - 1)) + '\u2026';
    const last = runs[runs.length - 1];
    if (last && last.state === slot.state) last.text += text;
    else runs.push({ text, state: slot.state });
    length += text.length;
    if (length >= maxChars) break;
  }
  return runs;
}

function displayable(text: string): string {
  return text.replace(/\r?\n/g, NEWLINE_GLYPH).replace(/\t/g, '  ').replace(/ /g, '\u00a0');
}

/** Identity of what is on screen: an update with the same key would repaint the same thing. */
export function runsKey(runs: DraftRun[]): string {
  return runs.map((r) => `${r.state}:${r.text}`).join('\u0001');
}
