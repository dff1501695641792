import * as assert from 'assert';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { OrtHead } from '../../src/engine/head/ortHead';
import { TrainHeadOptions, trainHead } from '../../src/engine/head/trainer';
import { HeadTrainProgress } from '../../src/engine/types';
import { CountingModel, EOM, HIDDEN, MASK, charTokenizer, countingText } from './fakeModel';

// Small enough to train in a few seconds on one shared core.
function options(outPath: string, extra: Partial<TrainHeadOptions> = {}): TrainHeadOptions {
  return {
    files: Array.from({ length: 10 }, (_, i) => ({ path: `f${i}.txt`, text: countingText(400, i) })),
    outPath,
    seed: 1,
    maskId: MASK,
    eomId: EOM,
    head: { width: 16, numHeads: 2, mlpWidth: 32 },
    window: { plainLength: 48, prefixTokens: 24, suffixTokens: 12, canvasSlots: 16 },
    examplesPer100Tokens: 10,
    epochs: 6,
    lr: 3e-3,
    ...extra,
  };
}

describe('head trainer', function () {
  this.timeout(120_000);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'backplay-train-'));
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('learns to catch most of the frozen model\'s errors, writes a head ORT runs, and reports old vs new', async () => {
    const out = path.join(dir, 'head.onnx');
    const phases = new Set<string>();
    const fractions: number[] = [];
    const report = await trainHead(new CountingModel(), charTokenizer, options(out), {
      onProgress: (p: HeadTrainProgress) => {
        phases.add(p.phase);
        fractions.push(p.fraction);
      },
    });
    assert.strictEqual(report.trainFiles + report.heldOutFiles, 10);
    assert.strictEqual(report.heldOutFiles, 2);
    assert.ok(report.heldOutPositives > 20, `only ${report.heldOutPositives} errors held out: the check would be noise`);
    // Without a head nothing is flagged; the trained one catches most errors and few right tokens.
    assert.deepStrictEqual([report.before.errorsCaught, report.before.falseFlags], [0, 0]);
    assert.ok(report.after.errorsCaught > 0.65, `errors caught ${report.after.errorsCaught}`);
    assert.ok(report.after.falseFlags < 0.1, `false flags ${report.after.falseFlags}`);
    assert.ok(report.history[report.history.length - 1].heldOutLoss < report.history[0].heldOutLoss);
    assert.deepStrictEqual([...phases], ['collect', 'examples', 'train', 'evaluate', 'save']);
    assert.ok(fractions.every((f, i) => i === 0 || f >= fractions[i - 1]), 'progress went backwards');
    assert.strictEqual(fractions[fractions.length - 1], 1);

    // The file is the trained head: ORT agrees with the in-memory one.
    const ort = await OrtHead.load(out, { executionProviders: ['cpu'] }, HIDDEN);
    const x = (await new CountingModel().forward(Int32Array.from(charTokenizer.encode('abcdxfgh')), 1, 8)).hidden;
    const got = await ort.pWrong(x, 1, 8);
    const want = report.head.pWrong(x, 1, 8);
    for (let i = 0; i < 8; i++) assert.ok(Math.abs(got[i] - want[i]) < 1e-5);

    // Retrained with the first head as the old one, on the same seed (the same held-out examples):
    // "before" is the first head's score, measured through ORT.
    const second = await trainHead(new CountingModel(), charTokenizer, options(path.join(dir, 'head2.onnx'), { oldHead: ort, epochs: 1 }));
    assert.ok(Math.abs(second.before.errorsCaught - report.after.errorsCaught) < 1e-9);
    assert.ok(Math.abs(second.before.falseFlags - report.after.falseFlags) < 1e-9);
    await ort.dispose();
  });

  it('leaves the old head file intact, and no temporary file, when cancelled', async () => {
    const out = path.join(dir, 'keep.onnx');
    fs.writeFileSync(out, 'OLD HEAD');
    const controller = new AbortController();
    let trainedSteps = 0;
    await assert.rejects(
      trainHead(new CountingModel(), charTokenizer, options(out), {
        signal: controller.signal,
        onProgress: (p) => {
          if (p.phase === 'train' && ++trainedSteps === 3) controller.abort();
        },
      }),
      { name: 'AbortError' },
    );
    assert.strictEqual(fs.readFileSync(out, 'utf8'), 'OLD HEAD');
    assert.deepStrictEqual(fs.readdirSync(dir).filter((f) => f.includes('keep')), ['keep.onnx']);
  });

  it('stops at the time budget and still saves the best head so far', async () => {
    const out = path.join(dir, 'budget.onnx');
    const report = await trainHead(new CountingModel(), charTokenizer, options(out, { timeBudgetMs: 1, epochs: 50 }));
    assert.strictEqual(report.stoppedBy, 'time');
    assert.ok(report.epochs < 50);
    assert.ok(fs.statSync(out).size > 1000);
  });

  it('refuses a workspace with a single file (nothing to hold out)', async () => {
    await assert.rejects(
      trainHead(new CountingModel(), charTokenizer, options(path.join(dir, 'x.onnx'), { files: [{ path: 'a', text: countingText(100, 0) }] })),
      /at least 2 non-empty files/,
    );
  });
});
