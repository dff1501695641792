import * as assert from 'assert';
import type { DraftSnapshot, Engine, EngineOptions } from '../../src/engine/types';
import { AdaptiveDebounce } from '../../src/providers/adaptiveDebounce';
import { draftRuns, MASK_GLYPH, NEWLINE_GLYPH, runsKey } from '../../src/providers/draftView';
import { EngineHost, resolveModelDir } from '../../src/providers/engineHost';
import { ScriptedEngine } from '../../src/providers/scriptedEngine';
import { effectiveSampler, isLanguageEnabled, readSettings } from '../../src/providers/settings';
import { statusLabel } from '../../src/providers/statusText';
import { FileCollector, IgnoreRules, looksMinified } from '../../src/providers/workspaceFiles';

const NBSP = '\u00a0';

describe('live draft runs', () => {
  const snapshot: DraftSnapshot = {
    step: 2,
    elapsedMs: 10,
    text: '',
    slots: [
      { text: 'return', state: 'stable' },
      { text: ' a', state: 'stable' },
      { text: ' +', state: 'flagged' },
      { text: '', state: 'masked' },
      { text: ';\n', state: 'committed' },
      { text: '', state: 'committed' }, // end-of-middle padding: nothing to show
    ],
  };

  it('groups slots by state, shows masks as placeholders and line breaks as a glyph', () => {
    assert.deepStrictEqual(draftRuns(snapshot), [
      { text: `return${NBSP}a`, state: 'stable' },
      { text: `${NBSP}+`, state: 'flagged' },
      { text: MASK_GLYPH, state: 'masked' },
      { text: `;${NEWLINE_GLYPH}`, state: 'committed' },
    ]);
  });

  it('gives the same key for the same picture and another for a change', () => {
    const same = runsKey(draftRuns({ ...snapshot, step: 3, elapsedMs: 20 }));
    assert.strictEqual(same, runsKey(draftRuns(snapshot)));
    const changed = { ...snapshot, slots: snapshot.slots.map((s, i) => (i === 3 ? { text: ' b', state: 'committed' as const } : s)) };
    assert.notStrictEqual(runsKey(draftRuns(changed)), same);
  });

  it('caps a long draft', () => {
    const long: DraftSnapshot = { ...snapshot, slots: Array.from({ length: 100 }, () => ({ text: 'abcdef', state: 'stable' as const })) };
    const text = draftRuns(long, 50).map((r) => r.text).join('');
    assert.ok(text.length <= 50 && text.endsWith('\u2026'));
  });
});

describe('settings', () => {
  it('clamps out-of-bounds values and falls back on unknown enums', () => {
    const values: Record<string, unknown> = { tokensPerStep: 99, 'correction.tau': -1, device: 'tpu', debounceMs: 'soon' };
    const s = readSettings((key, fallback) => (key in values ? (values[key] as never) : fallback));
    assert.strictEqual(s.tokensPerStep, 8);
    assert.strictEqual(s.correction.tau, 0);
    assert.strictEqual(s.device, 'auto');
    assert.strictEqual(s.debounceMs, 75);
  });

  it('languages: * for all, -id to exclude, explicit ids otherwise; disabled means none', () => {
    const base = readSettings((_k, f) => f);
    assert.ok(isLanguageEnabled({ ...base, languages: ['*'] }, 'typescript'));
    assert.ok(!isLanguageEnabled({ ...base, languages: ['*', '-markdown'] }, 'markdown'));
    assert.ok(isLanguageEnabled({ ...base, languages: ['javascript'] }, 'javascript'));
    assert.ok(!isLanguageEnabled({ ...base, languages: ['javascript'] }, 'python'));
    assert.ok(!isLanguageEnabled({ ...base, enable: false }, 'typescript'));
  });

  it('correction off changes only the backplay sampler', () => {
    const base = readSettings((_k, f) => f);
    const off = { ...base, correction: { ...base.correction, enabled: false } };
    assert.strictEqual(effectiveSampler(off), 'confidence');
    assert.strictEqual(effectiveSampler({ ...off, sampler: 'threshold' }), 'threshold');
    assert.strictEqual(effectiveSampler(base), 'backplay');
  });
});

describe('status bar text', () => {
  it('says the state, device, latency and a retrained head; the aria label starts with "BackPlay <state>"', () => {
    const label = statusLabel({ kind: 'ready', provider: 'cpu', head: 'custom', lastLatencyMs: 123.4, lastSteps: 7, tokensPerStep: 2 });
    assert.match(label.text, /BackPlay · cpu · 123 ms · ws head/);
    assert.match(label.aria, /^BackPlay ready, cpu, workspace head, k=2, 123 ms$/);
    assert.match(label.tooltip, /7 steps/);
    assert.match(statusLabel({ kind: 'error', error: 'no model' }).tooltip, /error \(no model\)/);
  });
});

describe('workspace file selection for retraining', () => {
  it('honours .gitignore and always skips dependencies and builds', () => {
    const m = new IgnoreRules().add('', 'generated/\n*.gen.ts\n!keep.gen.ts');
    assert.ok(m.ignores('generated/a.ts'));
    assert.ok(m.ignores('src/x.gen.ts'));
    assert.ok(!m.ignores('src/keep.gen.ts'));
    assert.ok(m.ignores('node_modules/lib/index.js'));
    assert.ok(m.ignores('packages/a/dist/index.js'));
    assert.ok(!m.ignores('src/index.ts'));
  });

  it('applies a nested .gitignore below its own folder only', () => {
    const m = new IgnoreRules().add('packages/a', 'fixtures/\n/local.ts');
    assert.ok(m.ignores('packages/a/fixtures/x.ts'));
    assert.ok(m.ignores('packages/a/local.ts'));
    assert.ok(!m.ignores('packages/a/src/local.ts'), 'a rooted rule is rooted at its .gitignore');
    assert.ok(!m.ignores('packages/b/fixtures/x.ts'));
    assert.ok(!m.ignores('fixtures/x.ts'));
  });

  it('skips binaries, minified and huge files, and stops at the total cap', () => {
    const c = new FileCollector({ maxFileBytes: 1000, maxTotalBytes: 60, maxFiles: 10 });
    const enc = (s: string) => new TextEncoder().encode(s);
    assert.ok(c.offer('a.ts', enc('export const a = 1;\n')));
    assert.ok(!c.offer('b.ts', new Uint8Array([65, 0, 66])));
    assert.ok(!c.offer('c.min.ts', enc('x'.repeat(900))));
    assert.ok(!c.offer('d.ts', enc('y\n'.repeat(600))));
    assert.ok(c.offer('e.ts', enc('export const e = 2;\n')));
    assert.ok(!c.offer('f.ts', enc('export const f = 3;\nexport const g = 4;\n')));
    assert.deepStrictEqual(c.summary.skipped, { ignored: 0, binary: 1, minified: 1, huge: 1, overCap: 1 });
    assert.deepStrictEqual(c.files.map((f) => f.path), ['a.ts', 'e.ts']);
  });

  it('takes ordinary code for hand-written and one-line bundles for minified', () => {
    assert.ok(!looksMinified('function f() {\n  return 1;\n}\n'));
    assert.ok(looksMinified(`var a=1;${'b(c,d);'.repeat(500)}`));
  });
});

describe('engine host', () => {
  const base = readSettings((_k, f) => f);

  it('uses the shipped model unless the user set a folder', () => {
    assert.strictEqual(resolveModelDir('/ext', base), '/ext/models/backplay-base');
    assert.strictEqual(resolveModelDir('/ext', { ...base, modelPath: ' /m ' }), '/m');
  });

  it('starts once, replaces the engine only when the model or the device changes', async () => {
    let settings = base;
    const created: EngineOptions[] = [];
    const disposed: number[] = [];
    const host = new EngineHost({
      extensionPath: '/ext',
      getSettings: () => settings,
      getHeadPath: () => '/ws/head.onnx',
      events: { onLoading: () => undefined, onReady: () => undefined, onError: () => undefined },
      factory: (options) => {
        created.push(options);
        const engine = new ScriptedEngine();
        const n = created.length;
        engine.dispose = async () => void disposed.push(n);
        return engine;
      },
    });
    const first = await host.get();
    assert.strictEqual(await host.get(), first);
    settings = { ...base, tokensPerStep: 5 };
    assert.strictEqual(await host.get(), first, 'a decoding setting needs no new engine');
    settings = { ...base, device: 'cpu' };
    const second = await host.get();
    assert.notStrictEqual(second, first);
    await new Promise((r) => setImmediate(r));
    assert.deepStrictEqual(disposed, [1]);
    assert.strictEqual(created[0].headPath, '/ws/head.onnx');
  });

  it('reports a failed start and gives no engine', async () => {
    const errors: unknown[] = [];
    const host = new EngineHost({
      extensionPath: '/ext',
      getSettings: () => base,
      getHeadPath: () => undefined,
      events: { onLoading: () => undefined, onReady: () => undefined, onError: (e) => errors.push(e) },
      factory: (): Engine => {
        throw new Error('no model.onnx');
      },
    });
    assert.strictEqual(await host.get(), undefined);
    assert.match(String(errors[0]), /no model.onnx/);
  });
});

describe('adaptive debounce', () => {
  it('waits the setting when the user pauses, longer while typing faster than it, at most three times it', () => {
    const d = new AdaptiveDebounce();
    assert.strictEqual(d.next(0, 75), 75, 'first key: the setting');
    assert.strictEqual(d.next(5_000, 75), 75, 'after a pause: the setting');
    let t = 5_000;
    let wait = 0;
    for (let i = 0; i < 10; i++) wait = d.next((t += 150), 75);
    assert.strictEqual(wait, 180, 'keys every 150 ms: 1.2 x 150');
    for (let i = 0; i < 10; i++) wait = d.next((t += 900), 75);
    assert.ok(wait <= 225 && wait > 180, `slow typing is capped at 3 x 75: ${wait}`);
    for (let i = 0; i < 20; i++) wait = d.next((t += 20), 75);
    assert.strictEqual(wait, 75, 'very fast typing never goes below the setting');
  });
});
