import * as assert from 'assert';
import type { CompleteOptions, CompletionRequest, DraftSnapshot, Engine } from '../../src/engine/types';
import { CompletionController, ControllerEvents, InlineRequest } from '../../src/providers/completionController';
import { ScriptedEngine } from '../../src/providers/scriptedEngine';
import { BackPlaySettings, readSettings } from '../../src/providers/settings';
import { atCursor, SPACES_4, TokenSource } from './fixtures';

function settingsWith(overrides: Record<string, unknown> = {}): BackPlaySettings {
  return readSettings((key, fallback) => (key in overrides ? (overrides[key] as never) : fallback));
}

function request(fixture: string, overrides: Partial<InlineRequest> = {}): InlineRequest {
  return { ...atCursor(fixture), languageId: 'typescript', indent: SPACES_4, trigger: 'invoke', ...overrides };
}

function setup(engine: Engine, settings: BackPlaySettings = settingsWith(), events: ControllerEvents = {}) {
  return new CompletionController({ getEngine: async () => engine, getSettings: () => settings, events });
}

/** Wraps an engine to record the signals and the outcome of each request. */
function spying(inner: Engine) {
  const calls: { request: CompletionRequest; signal?: AbortSignal; outcome?: 'done' | 'aborted' }[] = [];
  const engine: Engine = Object.create(inner);
  engine.complete = async (req: CompletionRequest, options?: CompleteOptions) => {
    const call: (typeof calls)[number] = { request: req, signal: options?.signal };
    calls.push(call);
    try {
      const result = await inner.complete(req, options);
      call.outcome = 'done';
      return result;
    } catch (error) {
      call.outcome = 'aborted';
      throw error;
    }
  };
  return { engine, calls };
}

describe('completion controller (against a scripted engine)', () => {
  it('asks the engine with the window and settings, and returns the post-processed suggestion', async () => {
    const { engine, calls } = spying(new ScriptedEngine({ text: 'a + b);\nnext();' }));
    const controller = setup(engine, settingsWith({ tokensPerStep: 3, maxNewTokens: 16 }));
    const shown = await controller.provide(request('return add(|);'), new TokenSource().token);
    assert.strictEqual(shown, 'a + b', 'mid-line: one line, the auto-closed ")" and ";" not repeated');
    assert.strictEqual(calls.length, 1);
    assert.strictEqual(calls[0].request.prefix, 'return add(');
    assert.strictEqual(calls[0].request.suffix, ');');
    assert.strictEqual(calls[0].request.tokensPerStep, 3);
    assert.strictEqual(calls[0].request.maxNewTokens, 16);
    assert.strictEqual(calls[0].request.sampler, 'backplay');
  });

  it('turning correction off runs the backplay sampler as plain confidence unmasking', async () => {
    const { engine, calls } = spying(new ScriptedEngine());
    await setup(engine, settingsWith({ 'correction.enabled': false })).provide(request('x = |'), new TokenSource().token);
    assert.strictEqual(calls[0].request.sampler, 'confidence');
  });

  it('does not call the engine for a language that is turned off', async () => {
    const { engine, calls } = spying(new ScriptedEngine());
    const controller = setup(engine, settingsWith({ languages: ['*', '-markdown'] }));
    assert.strictEqual(await controller.provide(request('# Title|', { languageId: 'markdown' }), new TokenSource().token), undefined);
    assert.strictEqual(calls.length, 0);
  });

  it('a request cancelled during the debounce never reaches the engine', async () => {
    const { engine, calls } = spying(new ScriptedEngine());
    const controller = setup(engine, settingsWith({ debounceMs: 200 }));
    const source = new TokenSource();
    const pending = controller.provide(request('x = |', { trigger: 'automatic' }), source.token);
    setTimeout(() => source.cancel(), 20);
    assert.strictEqual(await pending, undefined);
    assert.strictEqual(calls.length, 0);
  });

  it('a manual trigger skips the debounce', async () => {
    const { engine } = spying(new ScriptedEngine());
    const controller = setup(engine, settingsWith({ debounceMs: 2000 }));
    const started = Date.now();
    assert.ok(await controller.provide(request('x = |', { trigger: 'invoke' }), new TokenSource().token));
    assert.ok(Date.now() - started < 1000);
  });

  it('a newer request aborts the older one inside the engine', async () => {
    const { engine, calls } = spying(new ScriptedEngine({ text: 'one two three four five six', stepDelayMs: 15 }));
    const controller = setup(engine);
    const first = controller.provide(request('a = |'), new TokenSource().token);
    await new Promise((r) => setTimeout(r, 20));
    const second = controller.provide(request('b = |'), new TokenSource().token);
    assert.strictEqual(await first, undefined);
    assert.strictEqual(await second, 'one two three four five six');
    assert.strictEqual(calls[0].signal?.aborted, true);
    assert.strictEqual(calls[0].outcome, 'aborted');
    assert.strictEqual(calls[1].outcome, 'done');
  });

  it('cancelling the token aborts the engine mid-denoising, removes the draft and reports idle', async () => {
    const { engine, calls } = spying(new ScriptedEngine({ text: 'one two three four five six', stepDelayMs: 15 }));
    const ended: number[] = [];
    let idle = 0;
    const controller = setup(engine, settingsWith(), { onDraftEnd: (id) => ended.push(id), onIdle: () => idle++ });
    const source = new TokenSource();
    const pending = controller.provide(request('a = |'), source.token);
    setTimeout(() => source.cancel(), 25);
    assert.strictEqual(await pending, undefined);
    assert.strictEqual(calls[0].outcome, 'aborted');
    assert.deepStrictEqual(ended, [1]);
    assert.strictEqual(idle, 1);
    assert.strictEqual(source.listenerCount, 0, 'no listener left on the token');
  });

  it('streams drafts before the result: masked slots first, a flagged slot, then its rewrite', async () => {
    const drafts: DraftSnapshot[] = [];
    let resultAfterDrafts = 0;
    const controller = setup(new ScriptedEngine({ text: 'return a + b;' }), settingsWith({ tokensPerStep: 2 }), {
      onDraft: (_id, snapshot) => drafts.push(snapshot),
      onResult: () => (resultAfterDrafts = drafts.length),
    });
    assert.strictEqual(await controller.provide(request('function f(a, b) {\n  |\n}'), new TokenSource().token), 'return a + b;');
    assert.ok(drafts.length >= 3);
    assert.strictEqual(resultAfterDrafts, drafts.length, 'every draft came before the result');
    assert.ok(drafts[0].slots.some((s) => s.state === 'masked'));
    const states = drafts.flatMap((d) => d.slots.map((s) => s.state));
    assert.ok(states.includes('flagged') && states.includes('rewritten'));
  });

  it('serves the same spot again, and the rest while the user types it, from the cache', async () => {
    const { engine, calls } = spying(new ScriptedEngine({ text: 'a + b;' }));
    const controller = setup(engine);
    assert.strictEqual(await controller.provide(request('return |'), new TokenSource().token), 'a + b;');
    assert.strictEqual(await controller.provide(request('return |'), new TokenSource().token), 'a + b;');
    assert.strictEqual(await controller.provide(request('return a|'), new TokenSource().token), ' + b;');
    assert.strictEqual(calls.length, 1);
  });

  it('reports timings from the provider call after the debounce: first draft, then final', async () => {
    let metrics: { debounceMs: number; firstDraftMs?: number; finalMs: number; steps: number } | undefined;
    const controller = setup(new ScriptedEngine({ stepDelayMs: 5 }), settingsWith({ debounceMs: 30 }), {
      onResult: (m) => (metrics = m),
    });
    await controller.provide(request('x = |', { trigger: 'automatic' }), new TokenSource().token);
    assert.ok(metrics);
    assert.strictEqual(metrics.debounceMs, 30);
    assert.ok(metrics.firstDraftMs !== undefined && metrics.firstDraftMs <= metrics.finalMs);
    assert.ok(metrics.finalMs < 30 + 1000, 'the debounce is not counted in finalMs twice');
    assert.ok(metrics.steps > 0);
  });

  it('more tokens per step means fewer steps', async () => {
    const steps: number[] = [];
    for (const k of [1, 4]) {
      const controller = setup(new ScriptedEngine({ text: 'one two three four five six seven eight' }), settingsWith({ tokensPerStep: k }), {
        onResult: (m) => steps.push(m.steps),
      });
      await controller.provide(request('x = |'), new TokenSource().token);
    }
    assert.ok(steps[1] < steps[0], `steps k=1: ${steps[0]}, k=4: ${steps[1]}`);
  });

  it('typing inside a word asks nothing; an explicit request there does', async () => {
    const { engine, calls } = spying(new ScriptedEngine({ text: 'x' }));
    const controller = setup(engine, settingsWith({ debounceMs: 0 }));
    assert.strictEqual(await controller.provide(request('const fo|o = 1;', { trigger: 'automatic' }), new TokenSource().token), undefined);
    assert.strictEqual(calls.length, 0);
    await controller.provide(request('const fo|o = 1;', { trigger: 'invoke' }), new TokenSource().token);
    assert.strictEqual(calls.length, 1);
  });

  it('where typing found nothing, an explicit request asks the model again', async () => {
    let text = '';
    const { engine, calls } = spying(new ScriptedEngine({ text: () => text }));
    const controller = setup(engine, settingsWith({ debounceMs: 0 }));
    assert.strictEqual(await controller.provide(request('x = |', { trigger: 'automatic' }), new TokenSource().token), undefined);
    assert.strictEqual(await controller.provide(request('x = |', { trigger: 'automatic' }), new TokenSource().token), undefined);
    assert.strictEqual(calls.length, 1, 'typing is served the cached empty result');
    text = '42;';
    assert.strictEqual(await controller.provide(request('x = |', { trigger: 'invoke' }), new TokenSource().token), '42;');
    assert.strictEqual(calls.length, 2);
  });

  it('a CRLF document reaches the model with LF line ends', async () => {
    const { engine, calls } = spying(new ScriptedEngine({ text: 'b;' }));
    await setup(engine).provide(request('let a = 1;\r\nlet c = |\r\nnext();\r\n'), new TokenSource().token);
    assert.strictEqual(calls[0].request.prefix, 'let a = 1;\nlet c = ');
    assert.strictEqual(calls[0].request.suffix, '\nnext();\n');
  });

  it('a multi-line completion the canvas cut short loses its partial last line; a single cut line stays', async () => {
    const cut = new ScriptedEngine({ text: '\n  a();\n  b(1, ', truncated: true });
    assert.strictEqual(await setup(cut).provide(request('function f() {|\n}\n'), new TokenSource().token), '\n  a();');
    const ended = new ScriptedEngine({ text: '\n  a();\n  b(1, 2);', truncated: false });
    assert.strictEqual(await setup(ended).provide(request('function f() {|\n}\n'), new TokenSource().token), '\n  a();\n  b(1, 2);');
    const lone = new ScriptedEngine({ text: 'compute(a, ', truncated: true });
    assert.strictEqual(await setup(lone).provide(request('const x = |'), new TokenSource().token), 'compute(a,');
  });

  it('reads the settings for the request\'s document and language, and draws no draft where the live draft is off', async () => {
    const scopes: unknown[] = [];
    const drafts: (string | undefined)[] = [];
    const controller = new CompletionController({
      getEngine: async () => new ScriptedEngine({ text: 'a + b;' }),
      getSettings: (scope) => {
        scopes.push(scope);
        return settingsWith({ liveDraft: scope?.languageId !== 'markdown' });
      },
      events: { onDraft: (_id, _snapshot, _single, uri) => drafts.push(uri) },
    });
    await controller.provide(request('x = |', { uri: 'file:///a.ts' }), new TokenSource().token);
    assert.deepStrictEqual(scopes[0], { uri: 'file:///a.ts', languageId: 'typescript' });
    assert.ok(drafts.length > 0 && drafts.every((u) => u === 'file:///a.ts'), 'drafts name the document they belong to');
    drafts.length = 0;
    await controller.provide(request('y = |', { uri: 'file:///b.md', languageId: 'markdown' }), new TokenSource().token);
    assert.strictEqual(drafts.length, 0);
  });

  it('an engine error is reported and gives no suggestion', async () => {
    const broken = new ScriptedEngine();
    broken.complete = async () => {
      throw new Error('model.onnx is missing');
    };
    const errors: unknown[] = [];
    const controller = setup(broken, settingsWith(), { onError: (e) => errors.push(e) });
    assert.strictEqual(await controller.provide(request('x = |'), new TokenSource().token), undefined);
    assert.match(String(errors[0]), /model.onnx is missing/);
  });
});
