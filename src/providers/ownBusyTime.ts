// How long OUR code holds the extension host's thread at a time (issue: never more than 50 ms),
// as opposed to the host's event-loop delay, which also counts every other extension. Our code
// runs in callbacks VS Code calls (providers, commands, events: wrapped with `wrap`) and in the
// callbacks those schedule (awaits, timers, worker messages): async_hooks marks every async
// resource created while our code runs and times its callbacks. Hooks slow every callback of the
// host a little, so this is on only in the editor tests (BACKPLAY_METRICS_FILE).
// A stretch is wall-clock time; to tell our work from what only happened during it, the longest
// stretch also says how much of it the thread ran on a CPU and how much it waited for one (Linux's
// scheduler counts, updated every tick: +-4 ms), and how much of it was garbage collection (of the
// whole host's heap, not only our garbage).
import { readFileSync } from 'fs';
import { createHook, type AsyncHook } from 'async_hooks';
import { PerformanceObserver, performance } from 'perf_hooks';

export interface Stretch {
  /** When it began (performance.now()). */
  start: number;
  ms: number;
  /** What it began in, e.g. `PROMISE from provideInlineCompletionItems`. */
  where: string;
  /** Of `ms`, the time this thread ran on a CPU; where the OS says (Linux). */
  cpuMs?: number;
  /** Of `ms`, the time this thread was ready to run but waited for a CPU others held (Linux). */
  waitMs?: number;
}

interface SchedTimes {
  cpuMs: number;
  waitMs: number;
}

/** This thread's total time on a CPU and waiting for one, in ms (Linux's scheduler counts); undefined elsewhere. */
export function threadSchedTimes(): SchedTimes | undefined {
  try {
    const [onCpuNs, waitNs] = readFileSync('/proc/thread-self/schedstat', 'utf8').split(' ').map(Number);
    return { cpuMs: onCpuNs / 1e6, waitMs: waitNs / 1e6 };
  } catch {
    return undefined;
  }
}

/** Long enough for Node to have told the GC observer of the collections before it. */
export const GC_REPORT_DELAY_MS = 50;

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
  private enteredSched: SchedTimes | undefined;
  private longest: Stretch = { start: 0, ms: 0, where: '' };
  /** Recent garbage collections (start, end), to see how much of a stretch they took. */
  private gcs: { start: number; end: number }[] = [];
  private readonly gcObserver = new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) this.gcs.push({ start: entry.startTime, end: entry.startTime + entry.duration });
    this.gcs.splice(0, this.gcs.length - 256);
  });

  constructor(
    private readonly now: () => number = () => performance.now(),
    private readonly sched: () => SchedTimes | undefined = threadSchedTimes,
  ) {
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
    this.gcObserver.observe({ entryTypes: ['gc'] });
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
  takeLongest(): Stretch {
    const longest = this.longest;
    this.longest = { start: 0, ms: 0, where: '' };
    return longest;
  }

  /**
   * How much of `stretch` was garbage collection, in ms. Node tells the observer of a collection
   * two event-loop turns after it: ask a moment after the stretch (`GC_REPORT_DELAY_MS`).
   */
  gcDuring(stretch: Stretch): number {
    const end = stretch.start + stretch.ms;
    return this.gcs.reduce((sum, gc) => sum + Math.max(0, Math.min(gc.end, end) - Math.max(gc.start, stretch.start)), 0);
  }

  dispose(): void {
    this.hook.disable();
    this.gcObserver.disconnect();
    this.ours.clear();
  }

  private enter(where: string, root: string): void {
    if (this.depth++ === 0) {
      this.enteredAt = this.now();
      this.enteredSched = this.sched();
      this.enteredWith = where;
      this.enteredRoot = root;
    }
  }

  private leave(): void {
    if (this.depth === 0) return; // an `after` whose `before` came before the hook was enabled
    if (--this.depth > 0) return;
    const ms = this.now() - this.enteredAt;
    if (ms <= this.longest.ms) return;
    const [was, now] = [this.enteredSched, this.sched()];
    const sched = was && now ? { cpuMs: now.cpuMs - was.cpuMs, waitMs: now.waitMs - was.waitMs } : {};
    this.longest = { start: this.enteredAt, ms, where: this.enteredWith, ...sched };
  }
}
