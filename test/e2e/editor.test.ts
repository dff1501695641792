// End to end in a real VS Code (code-server + headless Chromium, see codeServer.ts): the extension
// as a user meets it. The first suite runs the scripted engine, so that what the screen must show
// (draft states, the exact suggestion, step counts) is known; the second runs the real engine.
import * as assert from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import type { Page } from 'playwright-core';
import type { CompletionMetrics } from '../../src/providers/completionController';
import {
  ARTIFACTS,
  EditorSession,
  median,
  missingPrerequisites,
  openEditor,
  openFile,
  REPO_ROOT,
  runCommand,
  screenshot,
} from './codeServer';
import { writeTinyModelDir } from '../engine/fixtures/tinyOnnxModel';
import { installObserver, ScreenEvent, takeEvents } from './draftObserver';

const FIXTURE = path.join(REPO_ROOT, 'test', 'e2e', 'workspace');
const STATUS = '[id="backplay.backplay.backplay.status"]';
const MASK = '\u2592';

/** Everything the extension recorded: completions, and `{ event: ... }` lines (provide, head-changed). */
/** What extension.ts records of our own longest stretch on the host thread since the last record. */
interface OwnRecord {
  hostMaxStallMs?: number;
  ownMaxBlockMs?: number;
  ownMaxBlockWhere?: string;
  /** Of that stretch: on a CPU, waiting for a CPU, and garbage collection (ms). */
  ownMaxBlockCpuMs?: number;
  ownMaxBlockWaitMs?: number;
  ownMaxBlockGcMs?: number;
}

/** The stretch of an OwnRecord, for the summaries. */
function ownStretch(r: OwnRecord | undefined) {
  return r && { ms: r.ownMaxBlockMs, where: r.ownMaxBlockWhere, cpuMs: r.ownMaxBlockCpuMs, waitMs: r.ownMaxBlockWaitMs, gcMs: r.ownMaxBlockGcMs };
}

function readRecords(session: EditorSession): (Partial<CompletionMetrics> & OwnRecord & { event?: string })[] {
  if (!fs.existsSync(session.metricsFile)) return [];
  // Only whole lines: the extension may be halfway through appending the last one.
  const text = fs.readFileSync(session.metricsFile, 'utf8');
  return text.slice(0, text.lastIndexOf('\n') + 1).split('\n').filter(Boolean).map((l) => JSON.parse(l));
}

/** The finished completions. */
function readMetrics(session: EditorSession): CompletionMetrics[] {
  return readRecords(session).filter((r) => r.event === undefined) as CompletionMetrics[];
}

async function waitForMetrics(session: EditorSession, count: number, timeoutMs = 60_000): Promise<CompletionMetrics[]> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const metrics = readMetrics(session);
    if (metrics.length >= count) return metrics;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`no completion finished in ${timeoutMs} ms (${readMetrics(session).length} of ${count})`);
}

async function waitForGhost(page: Page, contains: string, timeoutMs = 30_000): Promise<void> {
  // A string: this project compiles without the DOM library.
  await page.waitForFunction(
    `[...document.querySelectorAll('.monaco-editor.focused [class*="ghost-text"]')].map((e) => e.textContent || '').join('').replace(/\\u00a0/g, ' ').includes(${JSON.stringify(contains)})`,
    undefined,
    { timeout: timeoutMs },
  );
}

/** The first completion after the first `after` metrics lines that had something to show. */
async function waitForShown(session: EditorSession, after: number, timeoutMs = 60_000): Promise<CompletionMetrics> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const shown = readMetrics(session).slice(after).find((m) => m.shownChars > 0);
    if (shown) return shown;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`no completion with a suggestion in ${timeoutMs} ms`);
}

/** The last completion once the extension is idle and no new one came for a second. */
async function settledCompletion(page: Page, session: EditorSession): Promise<CompletionMetrics> {
  let count = -1;
  for (;;) {
    await page.locator(`${STATUS}[aria-label^="BackPlay ready"]`).waitFor({ timeout: 120_000 });
    const now = readMetrics(session).length;
    if (now === count && now > 0) return readMetrics(session)[now - 1];
    count = now;
    await new Promise((r) => setTimeout(r, 1_000));
  }
}

/** Types a new function at the end of the file; the cursor ends on the indented line inside it. */
async function typeNewFunction(page: Page, session: EditorSession, name: string): Promise<number> {
  await page.keyboard.press('Control+End');
  await page.keyboard.type(`\n\nexport function ${name}(a: number, b: number): number {\n`, { delay: 10 });
  const typedAt = Date.now();
  await triggerIfIdle(page, session, typedAt);
  return typedAt;
}

/**
 * On a heavily loaded machine VS Code sometimes cancels the last automatic request (its own
 * cancellation, e.g. when a late auto-indent edit lands) and does not ask again; a user then
 * presses Alt+\ (manual trigger). The test does the same after 5 s without a draft, and says so.
 */
async function triggerIfIdle(page: Page, session: EditorSession, since: number): Promise<void> {
  const deadline = Date.now() + 5_000;
  while (Date.now() < deadline) {
    const busy = await page.evaluate(
      `(() => { const s = document.querySelector('${STATUS}'); const draft = window.__bp && window.__bp.events.some((e) => e.t >= ${since} && (e.draft || e.ghost)); return draft || (s && /BackPlay thinking/.test(s.getAttribute('aria-label') || '')); })()`,
    );
    if (busy) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  const calls = readRecords(session).filter((r) => r.event === 'provide').slice(-4);
  console.log(`      (no automatic request in 5 s on this machine: manual trigger, Alt+\\; last provider calls ${JSON.stringify(calls)})`);
  await page.keyboard.press('Alt+Backslash');
}

/** Screen changes up to (and including) the first one that shows the final ghost text. */
function untilGhost(events: ScreenEvent[], ghost: string): ScreenEvent[] {
  const end = events.findIndex((e) => e.ghost.includes(ghost));
  return end < 0 ? events : events.slice(0, end + 1);
}

function writeArtifact(name: string, value: unknown): void {
  fs.mkdirSync(ARTIFACTS, { recursive: true });
  fs.writeFileSync(path.join(ARTIFACTS, name), JSON.stringify(value, null, 2) + '\n');
}

describe('editor end to end (code-server)', function () {
  this.timeout(180_000);

  before(function () {
    const missing = missingPrerequisites();
    if (missing.length) throw new Error(`the editor tests need: ${missing.join(', ')}`);
  });

  describe('with the scripted engine: drafts, suggestion, settings, commands', () => {
    let session: EditorSession;
    let page: Page;
    const expected = 'return a + b;';

    before(async () => {
      session = await openEditor({
        workspaceFixture: FIXTURE,
        env: { BACKPLAY_ENGINE: 'scripted', BACKPLAY_SCRIPTED_STEP_MS: '200' },
        settings: { 'backplay.debounceMs': 50 },
      });
      page = session.page;
      await openFile(page, 'src/math.ts');
      await page.locator(`${STATUS}[aria-label^="BackPlay ready"]`).waitFor({ timeout: 60_000 });
      await installObserver(page);
    });

    afterEach(async function () {
      if (this.currentTest?.state === 'failed' && page) await screenshot(page, `failed-scripted-${this.currentTest.title.slice(0, 40).replace(/\W+/g, '-')}`);
    });

    after(async () => {
      if (session) await session.close();
    });

    it('shows the draft forming and correcting itself, then ghost text that Tab inserts', async () => {
      await takeEvents(page);
      const typedAt = await typeNewFunction(page, session, 'add');
      await page.waitForFunction(`window.__bp.events.some((e) => e.t >= ${typedAt} && e.draft.includes(${JSON.stringify(MASK)}))`);
      await screenshot(page, 'scripted-1-draft');
      await page.waitForFunction(`window.__bp.events.some((e) => e.t >= ${typedAt} && e.draft.startsWith('oops'))`);
      await page.screenshot({ path: path.join(ARTIFACTS, 'scripted-1b-flagged.png'), clip: { x: 340, y: 180, width: 560, height: 90 } });
      await waitForGhost(page, expected);
      await screenshot(page, 'scripted-2-ghost');
      // Only what follows the last keystroke: the completion for the line inside the new function.
      const events = untilGhost((await takeEvents(page)).filter((e) => e.t >= typedAt), expected);
      const drafts = [...new Set(events.map((e) => e.draft).filter((d) => d.length > 0))];
      // A loaded machine may skip a frame or two, so not every step need be seen; these must be.
      assert.ok(drafts.length >= 2, `the draft changed on screen: ${JSON.stringify(drafts)}`);
      assert.ok(drafts.some((d) => d.includes(MASK)), 'masked slots shown as placeholders');
      const nbsp = '\u00a0';
      assert.ok(
        drafts.some((d) => d.startsWith(`oops${nbsp}a${nbsp}+`)),
        `the flagged token is shown (before its rewrite), runs in screen order: ${JSON.stringify(drafts)}`,
      );
      assert.strictEqual(events[events.length - 1].draft, '', 'the draft is gone when the suggestion shows');

      await page.keyboard.press('Tab');
      await page.keyboard.press('Control+S');
      const file = path.join(session.workspace, 'src', 'math.ts');
      // Indentation and the auto-closed brace come from the editor's TypeScript rules, which a loaded
      // machine may apply late; what matters here is the accepted text right under the header.
      await waitFor(() => /export function add\(a: number, b: number\): number \{\n\s*return a \+ b;/.test(fs.readFileSync(file, 'utf8')));
      await screenshot(page, 'scripted-3-accepted');
    });

    it('a suggestion that writes the bracket the editor auto-closed replaces it on Tab', async () => {
      await page.keyboard.press('Control+End');
      await page.keyboard.type('\nexport const biggest = Math.max(', { delay: 10 }); // the editor adds the ")"
      await waitForGhost(page, 'a, b');
      await screenshot(page, 'scripted-2b-ghost-around-bracket');
      await page.keyboard.press('Tab');
      await page.keyboard.press('Control+S');
      const file = path.join(session.workspace, 'src', 'math.ts');
      await waitFor(() => fs.readFileSync(file, 'utf8').includes('Math.max(a, b)'));
      const line = fs.readFileSync(file, 'utf8').split('\n').find((l) => l.includes('biggest'));
      assert.strictEqual(line, 'export const biggest = Math.max(a, b);');
    });

    it('accepts a suggestion word by word with VS Code\'s own command, the rest staying as ghost text', async () => {
      await typeNewFunction(page, session, 'sum2');
      await waitForGhost(page, expected);
      await page.keyboard.press('Control+ArrowRight'); // editor.action.inlineSuggest.acceptNextWord
      await waitForGhost(page, 'a + b;');
      await page.keyboard.press('Escape');
      await page.keyboard.press('Control+S');
      const file = path.join(session.workspace, 'src', 'math.ts');
      await waitFor(() => /function sum2\(a: number, b: number\): number \{\n\s*return\b/.test(fs.readFileSync(file, 'utf8')));
      const text = fs.readFileSync(file, 'utf8');
      assert.ok(!/function sum2[^\n]*\n\s*return a \+ b/.test(text), 'only the first word was accepted');
    });

    it('changing tokens per step takes effect without a reload and changes the steps taken', async () => {
      const k2 = readMetrics(session).filter((m) => m.shownChars > 0).slice(-1)[0];
      const before = readMetrics(session).length;
      await setTokensPerStep(page, 1);
      // The status bar says when the extension has the new value.
      await page.locator(`${STATUS}[aria-label*="k=1"]`).waitFor({ timeout: 30_000 });
      await typeNewFunction(page, session, 'plus');
      await waitForGhost(page, expected);
      const k1 = await waitForShown(session, before);
      assert.ok(k1.steps > k2.steps, `k=1 took ${k1.steps} steps, k=2 took ${k2.steps}`);
      await page.keyboard.press('Escape');
    });

    it('retrains the head on the workspace and the status bar shows the new head', async () => {
      await runCommand(page, 'BackPlay: Retrain Correction Head on Workspace');
      await page.locator(`${STATUS}[aria-label*="workspace head"]`).waitFor({ timeout: 60_000 });
      await page.locator('.notifications-toasts', { hasText: 'new head trained' }).first().waitFor({ timeout: 10_000 });
      await screenshot(page, 'scripted-4-retrained');
      await runCommand(page, 'BackPlay: Reset Correction Head');
      await page.locator(`${STATUS}[aria-label*="shipped head"]`).waitFor({ timeout: 30_000 });
    });

    it('replays the last completion in the trace view', async () => {
      await runCommand(page, 'BackPlay: Show Diffusion Trace');
      const outer = page.frameLocator('iframe.webview.ready');
      const inner = outer.frameLocator('iframe#active-frame');
      await inner.locator('#grid tbody tr').first().waitFor({ timeout: 30_000 });
      const rows = await inner.locator('#grid tbody tr').count();
      assert.ok(rows >= 3, `one row per step: ${rows}`);
      assert.ok((await inner.locator('#grid td.flagged').count()) >= 1, 'the flagged slot is in the grid');
      assert.match((await inner.locator('#summary').textContent()) ?? '', /steps/);
      await screenshot(page, 'scripted-5-trace');
    });

    it('times the draft and the suggestion from the provider call (after the debounce)', async () => {
      // Keyboard focus is in the trace webview; give it back to the workbench.
      await page.locator('.monaco-editor .view-lines').first().click();
      await page.locator('.monaco-editor.focused').waitFor();
      await setTokensPerStep(page, 2);
      await page.locator(`${STATUS}[aria-label*="k=2"]`).waitFor({ timeout: 30_000 });
      const samples: { debounceMs: number; firstDraftMs: number; visibleDraftMs: number; finalMs: number; visibleGhostMs: number }[] = [];
      for (let i = 0; i < 3; i++) {
        const before = readMetrics(session).length;
        await takeEvents(page);
        await typeNewFunction(page, session, `f${i}`);
        await waitForGhost(page, expected);
        const m = await waitForShown(session, before);
        const events = await takeEvents(page);
        const draftAt = events.find((e) => e.t >= m.startedAt && e.draft.length > 0)?.t;
        const ghostAt = events.find((e) => e.t >= m.startedAt && e.ghost.includes(expected))?.t;
        assert.ok(draftAt && ghostAt && m.firstDraftMs !== undefined);
        samples.push({ debounceMs: m.debounceMs, firstDraftMs: m.firstDraftMs, visibleDraftMs: draftAt - m.startedAt, finalMs: m.finalMs, visibleGhostMs: ghostAt - m.startedAt });
        await page.keyboard.press('Escape');
      }
      const summary = {
        engine: 'scripted (200 ms a step)',
        p50: Object.fromEntries(Object.keys(samples[0]).map((k) => [k, median(samples.map((s) => s[k as keyof (typeof samples)[0]]))])),
        samples,
      };
      writeArtifact('latency-scripted.json', summary);
      console.log(`      latency (scripted engine): ${JSON.stringify(summary.p50)}`);
      // What this suite can time is our plumbing: draft handed to VS Code -> on screen.
      const plumbing = median(samples.map((x) => x.visibleDraftMs - x.firstDraftMs));
      // Loose: the machines running this are shared and often loaded (p50 seen from 30 to 1000 ms).
      assert.ok(plumbing < 1500, `a draft reaches the screen ${plumbing} ms after the engine hands it over`);
    });
  });

  describe('in an untrusted workspace (Restricted Mode)', () => {
    let session: EditorSession;

    before(async () => {
      session = await openEditor({ workspaceFixture: FIXTURE, env: { BACKPLAY_ENGINE: 'scripted' }, untrusted: true });
      await session.page.locator(`${STATUS}[aria-label^="BackPlay ready"]`).waitFor({ timeout: 60_000 });
    });

    after(async () => {
      if (session) await session.close();
    });

    it('refuses to retrain the head on the workspace, and says how to trust it', async () => {
      const page = session.page;
      await runCommand(page, 'BackPlay: Retrain Correction Head on Workspace');
      await page.locator('.notifications-toasts', { hasText: 'Trust the workspace first' }).first().waitFor({ timeout: 15_000 });
      await screenshot(page, 'untrusted-retrain-refused');
      await new Promise((r) => setTimeout(r, 1_000));
      assert.ok(!readRecords(session).some((r) => r.event === 'head-changed'), 'no head was trained or swapped in');
      assert.ok(await page.locator(`${STATUS}[aria-label*="shipped head"]`).count(), 'the status still shows the shipped head');
    });

    it('still completes code there', async () => {
      const page = session.page;
      await openFile(page, 'src/math.ts');
      await typeNewFunction(page, session, 'add');
      await waitForGhost(page, 'return a + b;');
    });
  });

  describe('with the real engine in its worker', () => {
    // The shipped model when it is there (the acceptance run); else a model folder named by
    // BACKPLAY_E2E_MODEL; else the engine tests' tiny random model, which checks the wiring and
    // the timing but writes nonsense.
    const shipped = path.join(REPO_ROOT, 'models', 'backplay-base');
    const useShipped = fs.existsSync(path.join(shipped, 'model.onnx'));
    const otherModel = useShipped ? undefined : process.env.BACKPLAY_E2E_MODEL;
    const modelName = useShipped ? 'models/backplay-base' : (otherModel ?? 'tiny random test model');
    let session: EditorSession;
    let page: Page;

    before(async () => {
      const settings: Record<string, unknown> = { 'backplay.debounceMs': 75 };
      if (!useShipped) settings['backplay.modelPath'] = otherModel ?? writeTinyModelDir({ withHead: true });
      session = await openEditor({ workspaceFixture: FIXTURE, settings });
      page = session.page;
      await openFile(page, 'src/math.ts');
      await page.locator(`${STATUS}[aria-label^="BackPlay ready"]`).waitFor({ timeout: 120_000 });
      await installObserver(page);
    });

    afterEach(async function () {
      if (this.currentTest?.state === 'failed' && page) await screenshot(page, `failed-real-${this.currentTest.title.slice(0, 40).replace(/\W+/g, '-')}`);
    });

    after(async () => {
      if (session) await session.close();
    });

    it(`completes as the user types, draft first, then a suggestion Tab accepts (${modelName})`, async () => {
      const samples: {
        debounceMs: number;
        firstDraftMs?: number;
        visibleDraftMs?: number;
        finalMs: number;
        visibleGhostMs?: number;
        engineMs: number;
        steps: number;
        shownChars: number;
        hostMaxStallMs?: number;
        ownMaxBlockMs?: number;
        own?: ReturnType<typeof ownStretch>;
      }[] = [];
      const names = ['add', 'subtract', 'multiply', 'divide', 'clamp'];
      let accepted = false;
      let draftsSeen = 0;
      let draftsChanging = 0;
      for (const name of names) {
        const before = readMetrics(session).length;
        await takeEvents(page);
        await typeNewFunction(page, session, name);
        const m = (await waitForMetrics(session, before + 1, 120_000)).slice(-1)[0];
        if (m.shownChars > 0) await page.waitForFunction(`window.__bp.events.some((e) => e.ghost.trim().length > 0)`, undefined, { timeout: 10_000 });
        const events = await takeEvents(page);
        const draftAt = events.find((e) => e.t >= m.startedAt && e.draft.length > 0)?.t;
        const ghostAt = events.find((e) => e.t >= m.startedAt && e.ghost.trim().length > 0)?.t;
        const drafts = new Set(events.filter((e) => e.t >= m.startedAt && e.draft).map((e) => e.draft));
        // A completion of a few milliseconds (the tiny model) can finish within one screen frame.
        if (drafts.size > 0) draftsSeen++;
        if (drafts.size > 1) draftsChanging++;
        samples.push({
          debounceMs: m.debounceMs,
          firstDraftMs: m.firstDraftMs,
          visibleDraftMs: draftAt === undefined ? undefined : draftAt - m.startedAt,
          finalMs: m.finalMs,
          visibleGhostMs: ghostAt === undefined ? undefined : ghostAt - m.startedAt,
          engineMs: m.engineMs,
          steps: m.steps,
          shownChars: m.shownChars,
          hostMaxStallMs: (m as OwnRecord).hostMaxStallMs,
          ownMaxBlockMs: (m as OwnRecord).ownMaxBlockMs,
          own: ownStretch(m as OwnRecord),
        });
        if (samples.length === 1) await screenshot(page, 'real-1-after-first');
        if (m.shownChars > 0 && !accepted) {
          await screenshot(page, 'real-2-ghost');
          const file = path.join(session.workspace, 'src', 'math.ts');
          await page.keyboard.press('Tab');
          await page.keyboard.press('Control+S');
          const ghost = events.filter((e) => e.ghost.trim()).slice(-1)[0].ghost;
          const firstWords = ghost.trim().split(/\s+/)[0];
          await waitFor(() => fs.readFileSync(file, 'utf8').includes(firstWords));
          accepted = true;
        } else {
          await page.keyboard.press('Escape');
        }
      }
      const p50 = (key: keyof (typeof samples)[0]) => {
        const values = samples.map((s) => s[key]).filter((v): v is number => typeof v === 'number');
        return values.length ? median(values) : undefined;
      };
      const summary = {
        model: modelName,
        p50: {
          debounceMs: p50('debounceMs'),
          visibleDraftMs: p50('visibleDraftMs'),
          firstDraftMs: p50('firstDraftMs'),
          finalMs: p50('finalMs'),
          visibleGhostMs: p50('visibleGhostMs'),
          engineMs: p50('engineMs'),
          steps: p50('steps'),
          hostMaxStallMs: p50('hostMaxStallMs'),
          ownMaxBlockMs: p50('ownMaxBlockMs'),
        },
        // Our own code's longest stretch on the host's thread, over these completions; activation apart.
        ownLongest: [...samples].sort((a, b) => (b.ownMaxBlockMs ?? 0) - (a.ownMaxBlockMs ?? 0))[0]?.own,
        activation: ownStretch(readRecords(session).find((r) => r.event === 'activated')),
        samples,
      };
      writeArtifact(`latency-${useShipped ? 'shipped' : otherModel ? 'other-model' : 'tiny'}.json`, summary);
      console.log(`      latency (${summary.model}): ${JSON.stringify(summary.p50)}; our code's longest stretch on the host thread: ${JSON.stringify(summary.ownLongest)}; activation: ${JSON.stringify(summary.activation)}`);
      if (useShipped) {
        assert.ok(accepted, 'the shipped model gave at least one suggestion that Tab inserted');
        assert.ok(draftsSeen > 0, 'a live draft of the shipped model was on screen before its suggestion');
        assert.ok(draftsChanging > 0, 'the live draft of the shipped model changed on screen (two different drafts) before a suggestion');
      }
    });

    it('takes fewer denoising steps with more tokens per step at the same spot', async () => {
      await page.keyboard.press('Escape');
      // k = 1 against k = 4: a look-back that re-masks a token costs steps, so k = 2 against k = 4
      // on a short completion can tie or even swap (seen: 3 against 4 steps).
      await setTokensPerStep(page, 1);
      await page.locator(`${STATUS}[aria-label*="k=1"]`).waitFor({ timeout: 30_000 });
      await typeNewFunction(page, session, 'halve');
      const k1 = await settledCompletion(page, session);
      await page.keyboard.press('Escape');
      await setTokensPerStep(page, 4);
      await page.locator(`${STATUS}[aria-label*="k=4"]`).waitFor({ timeout: 30_000 });
      const before = readMetrics(session).length;
      await page.keyboard.press('Alt+Backslash'); // same spot, same seed; the settings change emptied the cache
      await waitForMetrics(session, before + 1, 120_000);
      const k4 = await settledCompletion(page, session);
      console.log(`      steps at one spot: k=1 ${k1.steps}, k=4 ${k4.steps}`);
      assert.ok(k4.steps <= k1.steps, `k=4 took ${k4.steps} steps, k=1 took ${k1.steps}`);
      // A completion that ends after a step or two cannot get shorter in steps.
      if (k1.steps >= 4) assert.ok(k4.steps < k1.steps, `k=4 took ${k4.steps} steps, k=1 took ${k1.steps}`);
      await page.keyboard.press('Escape');
    });

    it('retrains the head on the fixture workspace in the worker; the status shows the new head', async () => {
      const headChanges = () => readRecords(session).filter((r) => r.event === 'head-changed');
      const before = headChanges().length;
      await runCommand(page, 'BackPlay: Retrain Correction Head on Workspace');
      await page.locator(`${STATUS}[aria-label*="workspace head"]`).waitFor({ timeout: 150_000 });
      await screenshot(page, 'real-3-retrained');
      // The training ran in the engine's worker: the extension host's thread stayed free meanwhile.
      await waitFor(() => headChanges().length > before); // written a moment after the change
      const record = headChanges().slice(-1)[0];
      assert.ok(record.hostMaxStallMs !== undefined);
      console.log(`      longest extension host stall during the retrain: ${record.hostMaxStallMs} ms (our own code: ${JSON.stringify(ownStretch(record))})`);
      assert.ok(record.hostMaxStallMs < 1_000, `the extension host stalled ${record.hostMaxStallMs} ms`);
    });
  });
});

async function setTokensPerStep(page: Page, k: number): Promise<void> {
  await runCommand(page, 'BackPlay: Set Tokens per Step');
  const input = page.locator('.quick-input-widget input');
  await page.locator('.quick-input-widget', { hasText: 'tokens committed per denoising step' }).waitFor();
  await input.fill(String(k));
  await page.keyboard.press('Enter');
}

async function waitFor(condition: () => boolean, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 50));
  }
}
