// Recent completions, so that a suggestion keeps showing while the user types what it says (and
// coming back to a spot costs nothing). Least recently used entries go first.
import { LRUCache } from 'lru-cache';

interface Entry {
  prefix: string;
  suffix: string;
  text: string;
}

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
      if (entry.suffix !== suffix || !prefix.startsWith(entry.prefix)) continue;
      const typed = prefix.slice(entry.prefix.length);
      if (typed.length > 0 && typed.length < entry.text.length && entry.text.startsWith(typed)) {
        this.entries.get(key(entry.prefix, entry.suffix)); // mark as recently used
        return entry.text.slice(typed.length);
      }
    }
    return undefined;
  }

  clear(): void {
    this.entries.clear();
  }
}

function key(prefix: string, suffix: string): string {
  return `${prefix}\u0000${suffix}`;
}
