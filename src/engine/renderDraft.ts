// One draft snapshot as one terminal line, for `backplay complete --trace`: masked slots as ▒,
// slots flagged by the head in red (with the token that was re-masked), rewritten ones in green,
// slots committed in this step in bold. Line breaks show as ↵ so that every step stays one line.
import type { DraftSnapshot, SlotState } from './types';

const ANSI: Record<SlotState, [string, string]> = {
  masked: ['\x1b[2m', '\x1b[0m'],
  committed: ['\x1b[1m', '\x1b[0m'],
  stable: ['', ''],
  flagged: ['\x1b[41;97m', '\x1b[0m'],
  rewritten: ['\x1b[32m', '\x1b[0m'],
};

export const MASK_GLYPH = '▒';

function visible(text: string): string {
  return text.replace(/\r?\n/g, '↵').replace(/\t/g, '→');
}

export function renderDraft(snapshot: DraftSnapshot, color: boolean): string {
  const body = snapshot.slots
    .map((slot) => {
      const text = slot.state === 'masked' ? MASK_GLYPH : visible(slot.text);
      if (!color) return slot.state === 'flagged' ? `[${text}]` : text;
      const [on, off] = ANSI[slot.state];
      return on + text + off;
    })
    .join('');
  const counts = (state: SlotState) => snapshot.slots.filter((s) => s.state === state).length;
  const flagged = counts('flagged');
  return `step ${String(snapshot.step).padStart(3)} ${snapshot.elapsedMs.toFixed(0).padStart(5)} ms │ ${body}${flagged ? `  (${flagged} re-masked)` : ''}`;
}
