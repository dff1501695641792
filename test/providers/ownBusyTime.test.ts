import * as assert from 'assert';
import { setFlagsFromString } from 'v8';
import { runInNewContext } from 'vm';
import { GC_REPORT_DELAY_MS, OwnBusyTime } from '../../src/providers/ownBusyTime';

// A clock that only moves when a test says "this callback took N ms".
describe('own busy time on the host thread', () => {
  let clock = 0;
  /** The thread's time on a CPU (moves with `spend`) and waiting for one (moves with `wait`). */
  let cpu = 0;
  let waited = 0;
  let busy: OwnBusyTime;
  const spend = (ms: number) => {
    clock += ms;
    cpu += ms;
  };
  const wait = (ms: number) => {
    clock += ms;
    waited += ms;
  };
  const tick = () => new Promise((resolve) => setTimeout(resolve, 5));

  beforeEach(() => {
    clock = 0;
    cpu = 0;
    waited = 0;
    busy = new OwnBusyTime(() => clock, () => ({ cpuMs: cpu, waitMs: waited }));
    busy.start();
  });
  afterEach(() => busy.dispose());

  it('times the synchronous run of a wrapped call, and starts a new period when read', () => {
    busy.wrap(() => spend(40))();
    busy.wrap(() => spend(15))();
    assert.strictEqual(busy.takeLongest().ms, 40);
    assert.strictEqual(busy.takeLongest().ms, 0);
  });

  it('times what our code scheduled: a timer and the part of an async function after an await', async () => {
    busy.wrap(function scheduleWork() {
      setTimeout(() => spend(70), 0);
    })();
    await tick();
    assert.deepStrictEqual(busy.takeLongest(), { start: 0, ms: 70, where: 'Timeout from scheduleWork', cpuMs: 70, waitMs: 0 }, 'says what the stretch began in');

    await busy.wrap(async () => {
      spend(10);
      await tick();
      spend(60);
    })();
    assert.strictEqual(busy.takeLongest().ms, 60, 'the two halves around the await are two stretches');
  });

  it('does not count callbacks other code scheduled', async () => {
    setTimeout(() => spend(500), 0);
    await tick();
    busy.wrap(() => spend(3))();
    assert.strictEqual(busy.takeLongest().ms, 3);
  });

  it('says how much of the longest stretch the thread ran on a CPU and how much it waited for one', () => {
    busy.wrap(() => {
      spend(10);
      wait(50);
      spend(5);
    })();
    busy.wrap(() => spend(20))();
    const longest = busy.takeLongest();
    assert.strictEqual(longest.ms, 65);
    assert.strictEqual(longest.cpuMs, 15);
    assert.strictEqual(longest.waitMs, 50);
  });

  it('says how much of the longest stretch was garbage collection (real clock)', async () => {
    setFlagsFromString('--expose-gc');
    const gc = runInNewContext('gc') as () => void;
    const real = new OwnBusyTime();
    real.start();
    try {
      real.wrap(() => {
        const garbage = Array.from({ length: 200_000 }, (_, i) => ({ i }));
        gc();
        return garbage.length;
      })();
      const longest = real.takeLongest();
      await new Promise((resolve) => setTimeout(resolve, GC_REPORT_DELAY_MS)); // the GC observer hears of it later
      const gcMs = real.gcDuring(longest);
      assert.ok(gcMs > 0, `a full GC ran inside the stretch: ${gcMs} of ${longest.ms} ms`);
      assert.ok(gcMs <= longest.ms + 0.01, 'GC counted only inside the stretch');
      assert.strictEqual(real.gcDuring({ ...longest, start: longest.start + longest.ms + 1 }), 0, 'none in a stretch after it');
    } finally {
      real.dispose();
    }
  });
});
