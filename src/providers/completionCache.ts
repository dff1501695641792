// Recent completions, so that a suggestion keeps showing while the user types what it says (and
// coming back to a spot costs nothing). Least recently used entries go first.
import { LRUCache } from 'lru-cache';
import { AUTO_CLOSED_RUN, isSubsequence } from './postprocess';

interface Entry {
  prefix: string;
  suffix: string;
  text: string;
}

/**
 * Characters of the window compared to recognise a spot after typing. Not the whole window: its
 * far edges move as the cursor does (cutWindow cuts at line boundaries a fixed distance away).
 */
const ANCHOR_CHARS = 512;

export class CompletionCache {
  private readonly entries: LRUCache<string, Entry>;

  constructor(max = 64) {
    this.entries = new LRUCache<string, Entry>({ max });
  }

  set(prefix: string, suffix: string, text: string): void {
    this.entries.set(key(prefix, suffix), { prefix, suffix, text });
  }

  /**
   * The completion for this spot: an exact hit, or an earlier completion whose beginning the user
   * has since typed (then only the part not typed yet). Undefined when nothing fits.
   */
  get(prefix: string, suffix: string): string | undefined {
    const exact = this.entries.get(key(prefix, suffix));
    if (exact) return exact.text;
    for (const entry of this.entries.values()) {
      const rest = untypedRest(entry, prefix, suffix);
      if (rest !== undefined) {
        this.entries.get(key(entry.prefix, entry.suffix)); // mark as recently used
        return rest;
      }
    }
    return undefined;
  }

  clear(): void {
    this.entries.clear();
  }
}

/**
 * What is left of `entry.text` if (prefix, suffix) is its spot after the user typed the start of it:
 * the text before the typed part ends as the entry's prefix did, and the text after the cursor
 * starts as it did, possibly behind brackets or quotes the editor closed by itself (the rest of the
 * suggestion must then hold them, in order, so that it can replace them).
 */
function untypedRest(entry: Entry, prefix: string, suffix: string): string | undefined {
  // What the editor may have inserted after the cursor by itself while the user typed: one or two closers.
  const closed = (AUTO_CLOSED_RUN.exec(suffix)?.[0] ?? '').slice(0, 2);
  for (let n = 1; n < entry.text.length; n++) {
    if (!prefix.endsWith(entry.text.slice(0, n))) continue;
    if (prefix.slice(0, prefix.length - n).slice(-ANCHOR_CHARS) !== entry.prefix.slice(-ANCHOR_CHARS)) continue;
    const rest = entry.text.slice(n);
    for (const extra of ['', closed.slice(0, 1), closed]) {
      if (extra && !isSubsequence(extra, rest)) continue;
      if (suffix.slice(extra.length).slice(0, ANCHOR_CHARS) === entry.suffix.slice(0, ANCHOR_CHARS)) return rest;
    }
  }
  return undefined;
}

function key(prefix: string, suffix: string): string {
  return `${prefix}\u0000${suffix}`;
}
