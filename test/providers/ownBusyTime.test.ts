import * as assert from 'assert';
import { OwnBusyTime } from '../../src/providers/ownBusyTime';

// A clock that only moves when a test says "this callback took N ms".
describe('own busy time on the host thread', () => {
  let clock = 0;
  let busy: OwnBusyTime;
  const spend = (ms: number) => {
    clock += ms;
  };
  const tick = () => new Promise((resolve) => setTimeout(resolve, 5));

  beforeEach(() => {
    clock = 0;
    busy = new OwnBusyTime(() => clock);
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
    assert.deepStrictEqual(busy.takeLongest(), { ms: 70, where: 'Timeout from scheduleWork' }, 'says what the stretch began in');

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
});
