// How long OUR code holds the extension host's thread at a time (issue: never more than 50 ms),
// as opposed to the host's event-loop delay, which also counts every other extension. Our code
// runs in callbacks VS Code calls (providers, commands, events: wrapped with `wrap`) and in the
// callbacks those schedule (awaits, timers, worker messages): async_hooks marks every async
// resource created while our code runs and times its callbacks. Hooks slow every callback of the
// host a little, so this is on only in the editor tests (BACKPLAY_METRICS_FILE).
import { createHook, type AsyncHook } from 'async_hooks';
import { performance } from 'perf_hooks';

export class OwnBusyTime {
  /**
   * Async resources created while our code ran (their callbacks are ours too): what a stretch in
   * their callback began in, and the wrapped callback their chain goes back to.
   */
  private readonly ours = new Map<number, { where: string; root: string }>();
  private readonly hook: AsyncHook;
  private depth = 0;
  private enteredAt = 0;
  /** What the current stretch began in (a wrapped function's name or an async resource's type), and its chain's root. */
  private enteredWith = '';
  private enteredRoot = '';
  private longest = { ms: 0, where: '' };

  constructor(private readonly now: () => number = () => performance.now()) {
    this.hook = createHook({
      init: (asyncId, type) => {
        // The resource's type and the wrapped callback the chain began in (not the whole chain: a
        // timer that re-arms itself would grow it without end).
        if (this.depth > 0) this.ours.set(asyncId, { where: `${type} from ${this.enteredRoot}`, root: this.enteredRoot });
      },
      before: (asyncId) => {
        const origin = this.ours.get(asyncId);
        if (origin !== undefined) this.enter(origin.where, origin.root);
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
  wrap<A extends unknown[], R>(fn: (...args: A) => R, name = fn.name || 'callback'): (...args: A) => R {
    return (...args: A) => {
      this.enter(name, name);
      try {
        return fn(...args);
      } finally {
        this.leave();
      }
    };
  }

  /**
   * The longest stretch our code held the thread since the last call, in ms, and what it began in
   * (e.g. `PROMISE from provideInlineCompletionItems`); starts a new period.
   */
  takeLongest(): { ms: number; where: string } {
    const longest = this.longest;
    this.longest = { ms: 0, where: '' };
    return longest;
  }

  dispose(): void {
    this.hook.disable();
    this.ours.clear();
  }

  private enter(where: string, root: string): void {
    if (this.depth++ === 0) {
      this.enteredAt = this.now();
      this.enteredWith = where;
      this.enteredRoot = root;
    }
  }

  private leave(): void {
    if (this.depth === 0) return; // an `after` whose `before` came before the hook was enabled
    if (--this.depth > 0) return;
    const ms = this.now() - this.enteredAt;
    if (ms > this.longest.ms) this.longest = { ms, where: this.enteredWith };
  }
}
