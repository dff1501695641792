// Completion tasks made from source files: complete the rest of a line from where its code starts.
// Used to check a retrained head on held-out files by completion exact match.
import type { EvalTask } from './evaluate';

/** Up to `max` tasks spread evenly over the files' non-trivial lines (deterministic). */
export function lineTasks(files: { text: string }[], max: number): EvalTask[] {
  const candidates: EvalTask[] = [];
  for (const { text } of files) {
    let offset = 0;
    for (const line of text.split('\n')) {
      const indent = line.length - line.trimStart().length;
      const body = line.slice(indent).trimEnd();
      if (body.length >= 8 && !body.startsWith('//') && !body.startsWith('*')) {
        const at = offset + indent;
        candidates.push({ prefix: text.slice(0, at), middle: body, suffix: text.slice(at + body.length), kind: 'line' });
      }
      offset += line.length + 1;
    }
  }
  if (candidates.length <= max) return candidates;
  const step = candidates.length / max;
  return Array.from({ length: max }, (_, i) => candidates[Math.floor(i * step)]);
}
