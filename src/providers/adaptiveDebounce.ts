// How long to wait after a keystroke before asking the model. While the user types faster than
// the configured debounce, every request would be cancelled by the next key after the engine had
// started: wasted CPU that also slows the request that counts. So the wait follows the recent
// typing rhythm (a bit longer than the typical gap between keys), never below the setting and
// never above three times it. Pure: time comes in as numbers.

/** Gaps longer than this are pauses, not typing rhythm. */
const PAUSE_MS = 1_000;
/** Weight of the newest gap in the running average. */
const ALPHA = 0.3;

export class AdaptiveDebounce {
  private lastAt: number | undefined;
  private averageGap: number | undefined;

  /** Records a keystroke-triggered request at `now` and returns the wait for it. */
  next(now: number, baseMs: number): number {
    if (this.lastAt !== undefined) {
      const gap = now - this.lastAt;
      if (gap < PAUSE_MS) this.averageGap = this.averageGap === undefined ? gap : ALPHA * gap + (1 - ALPHA) * this.averageGap;
    }
    this.lastAt = now;
    if (this.averageGap === undefined) return baseMs;
    return Math.round(Math.min(3 * baseMs, Math.max(baseMs, 1.2 * this.averageGap)));
  }
}
