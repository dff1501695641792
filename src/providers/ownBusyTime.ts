// How long OUR code holds the extension host's thread at a time (issue: never more than 50 ms),
// as opposed to the host's event-loop delay, which also counts every other extension. Our code
// runs in callbacks VS Code calls (providers, commands, events: wrapped with `wrap`) and in the
// callbacks those schedule (awaits, timers, worker messages): async_hooks marks every async
// resource created while our code runs and times its callbacks. Hooks slow every callback of the
// host a little, so this is on only in the editor tests (BACKPLAY_METRICS_FILE).
import { createHook, type AsyncHook } from 'async_hooks';
import { performance } from 'perf_hooks';

export class OwnBusyTime {
  /** Async resources created while our code ran: their callbacks are ours too. */
  private readonly ours = new Set<number>();
  private readonly hook: AsyncHook;
  private depth = 0;
  private enteredAt = 0;
  private longest = 0;

  constructor(private readonly now: () => number = () => performance.now()) {
    this.hook = createHook({
      init: (asyncId) => {
        if (this.depth > 0) this.ours.add(asyncId);
      },
      before: (asyncId) => {
        if (this.ours.has(asyncId)) this.enter();
      },
      after: (asyncId) => {
        if (this.ours.has(asyncId)) this.leave();
      },
      destroy: (asyncId) => {
        this.ours.delete(asyncId); // promises too: with a destroy hook, V8 reports them when collected
      },
    });
  }

  start(): void {
    this.hook.enable();
  }

  /** `fn` as VS Code should call it: its synchronous run, and everything it schedules, is timed as ours. */
  wrap<A extends unknown[], R>(fn: (...args: A) => R): (...args: A) => R {
    return (...args: A) => {
      this.enter();
      try {
        return fn(...args);
      } finally {
        this.leave();
      }
    };
  }

  /** The longest stretch our code held the thread since the last call, in ms; starts a new period. */
  takeLongestMs(): number {
    const longest = this.longest;
    this.longest = 0;
    return longest;
  }

  dispose(): void {
    this.hook.disable();
    this.ours.clear();
  }

  private enter(): void {
    if (this.depth++ === 0) this.enteredAt = this.now();
  }

  private leave(): void {
    if (this.depth === 0) return; // an `after` whose `before` came before the hook was enabled
    if (--this.depth === 0) this.longest = Math.max(this.longest, this.now() - this.enteredAt);
  }
}
