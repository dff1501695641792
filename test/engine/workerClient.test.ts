import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { createWorkerEngine, type WorkerEngine } from '../../src/engine/client';
import { defaultRequest } from '../../src/engine/defaults';
import type { DraftSnapshot } from '../../src/engine/types';
import { writeTinyModelDir } from './fixtures/tinyOnnxModel';

describe('worker engine client', function () {
  this.timeout(60000);
  let dir: string;
  let engine: WorkerEngine;
  // A long canvas, one token per step: many steps, so a cancel lands mid-run.
  const long = defaultRequest('const list = [', '];\n', { sampler: 'confidence', maxNewTokens: 100, tokensPerStep: 1 });

  before(() => {
    dir = writeTinyModelDir({ withHead: true });
    engine = createWorkerEngine({ modelDir: dir, device: 'cpu' });
  });
  after(async () => {
    await engine.dispose();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('finds worker.js next to itself and completes in the worker, streaming drafts', async () => {
    assert.ok(fs.existsSync(path.join(__dirname, '../../src/engine/worker.js')));
    const drafts: DraftSnapshot[] = [];
    const c = await engine.complete(defaultRequest('let a = ', ';', { maxNewTokens: 8 }), { onDraft: (d) => drafts.push(d) });
    assert.equal(drafts.length, c.steps);
    assert.equal((await engine.info()).provider, 'cpu');
  });

  it('the esbuild bundle dist/worker.js runs the same engine', async function () {
    const bundled = path.join(__dirname, '../../../dist/worker.js');
    if (!fs.existsSync(bundled)) this.skip();
    const viaBundle = createWorkerEngine({ modelDir: dir, device: 'cpu' }, { workerFile: bundled });
    try {
      const request = defaultRequest('let a = ', ';', { maxNewTokens: 8 });
      assert.equal((await viaBundle.complete(request)).text, (await engine.complete(request)).text);
    } finally {
      await viaBundle.dispose();
    }
  });

  it('trains a head in a worker of its own: completions go on while it runs', async () => {
    const files = Array.from({ length: 4 }, (_, f) => ({
      path: `f${f}.ts`,
      text: Array.from({ length: 40 }, (_, i) => `export const value${f}_${i} = compute(${i}, ${f});`).join('\n'),
    }));
    const outPath = path.join(dir, 'trained-in-worker.onnx');
    const events: string[] = [];
    let training = true;
    const train = engine.trainHead({ files, outPath, seed: 1, timeBudgetMs: 20000 }).finally(() => {
      training = false;
      events.push('trained');
    });
    let completedWhileTraining = 0;
    while (training && completedWhileTraining < 3) {
      await engine.complete(defaultRequest('let a = ', ';', { maxNewTokens: 8 }));
      if (training) completedWhileTraining++;
    }
    const report = await train;
    assert.equal(completedWhileTraining, 3, `only ${completedWhileTraining} completions finished while the head trained`);
    assert.equal(report.outPath, outPath);
    assert.ok(fs.existsSync(outPath));
    assert.equal((await engine.info()).head.source, 'shipped', 'training does not swap the head in by itself');
  });

  it('cancels through an AbortSignal within a step', async () => {
    const controller = new AbortController();
    let drafts = 0;
    const run = engine.complete(long, {
      signal: controller.signal,
      onDraft: () => {
        if (++drafts === 1) controller.abort();
      },
    });
    await assert.rejects(run, { name: 'AbortError' });
    assert.ok(drafts < 100, `${drafts} drafts`);
  });

  it('a newer request supersedes an older one', async () => {
    let olderDrafts = 0;
    const older = engine.complete(long, { onDraft: () => olderDrafts++ });
    const newer = engine.complete(defaultRequest('x', '', { maxNewTokens: 4 }), { supersede: true });
    await assert.rejects(older, { name: 'AbortError' });
    assert.equal(typeof (await newer).text, 'string');
    assert.ok(olderDrafts < 100);
  });

  it('a crashed worker fails the requests in flight with a clear error and restarts on the next one', async () => {
    const inFlight = engine.complete(long);
    await assert.rejects(engine.crashForTest(), /engine worker exited .*restarts on the next request/);
    await assert.rejects(inFlight, /engine worker exited/);
    const c = await engine.complete(defaultRequest('let b = ', ';', { maxNewTokens: 6 }));
    assert.equal(typeof c.text, 'string');
  });

  it('a worker that cannot load the model rejects each request with the reason', async () => {
    const broken = createWorkerEngine({ modelDir: path.join(dir, 'missing'), device: 'cpu' });
    try {
      await assert.rejects(broken.complete(defaultRequest('a', '', { maxNewTokens: 2 })), /model folder not found/);
      await assert.rejects(broken.info(), /model folder not found/);
    } finally {
      await broken.dispose();
    }
  });
});
