// Activation and wiring only: everything registered goes into context.subscriptions.
import { appendFileSync } from 'fs';
import { monitorEventLoopDelay } from 'perf_hooks';
import * as vscode from 'vscode';
import { CompletionController, CompletionMetrics } from './providers/completionController';
import { draftRuns } from './providers/draftView';
import { EngineHost } from './providers/engineHost';
import { BackPlayInlineProvider } from './providers/inlineProvider';
import { LiveDraft } from './providers/liveDraft';
import { pickTokensPerStep, showMenu, TOGGLES, toggleSetting } from './providers/menu';
import { GC_REPORT_DELAY_MS, OwnBusyTime, Stretch } from './providers/ownBusyTime';
import { HeadCommandDeps, resetHead, retrainedHeadPath, retrainHead } from './providers/retrainCommand';
import { readSettings, SettingsScope } from './providers/settings';
import { MENU_COMMAND, StatusBar } from './providers/statusBar';
import { TraceView } from './providers/traceView';

export function activate(context: vscode.ExtensionContext): void {
  const metricsFile = process.env.BACKPLAY_METRICS_FILE; // the editor tests read timings from here
  if (!metricsFile) return wire(context);
  const own = new OwnBusyTime();
  own.start();
  context.subscriptions.push(own);
  own.wrap(wire)(context, { file: metricsFile, own });
  // Activation's own stretch, kept apart from the completions' that follow.
  const activation = own.takeLongest();
  setTimeout(() => appendRecord(metricsFile, { event: 'activated', ...ownFields(activation, own) }), GC_REPORT_DELAY_MS);
}

/** The metrics file's fields for our longest stretch on the host thread (a moment after it, for its GC time). */
function ownFields(stretch: Stretch, own: OwnBusyTime) {
  const ms = (value: number | undefined) => (value === undefined ? undefined : Math.round(value));
  return {
    ownMaxBlockMs: ms(stretch.ms),
    ownMaxBlockWhere: stretch.where,
    ownMaxBlockCpuMs: ms(stretch.cpuMs),
    ownMaxBlockWaitMs: ms(stretch.waitMs),
    ownMaxBlockGcMs: ms(own.gcDuring(stretch)),
  };
}

/** One JSON line of the metrics file the editor tests read. */
function appendRecord(file: string, record: object): void {
  appendFileSync(file, JSON.stringify({ ...record, at: Date.now() }) + '\n');
}

interface Metrics {
  file: string;
  /** Times our own code on the host's thread (VS Code calls it through `own.wrap`). */
  own: OwnBusyTime;
}

function wire(context: vscode.ExtensionContext, metrics?: Metrics): void {
  const ours = <A extends unknown[], R>(fn: (...args: A) => R) => (metrics ? metrics.own.wrap(fn) : fn);
  const log = vscode.window.createOutputChannel('BackPlay', { log: true });
  const getSettings = (scope?: SettingsScope) => {
    // With a scope, `[typescript]` and folder overrides apply (the settings are language-overridable).
    const config = vscode.workspace.getConfiguration('backplay', scope && { uri: scope.uri ? vscode.Uri.parse(scope.uri) : undefined, languageId: scope.languageId });
    return readSettings((key, fallback) => config.get(key, fallback));
  };
  const status = new StatusBar();
  status.update({ tokensPerStep: getSettings().tokensPerStep });
  const liveDraft = new LiveDraft();
  const trace = new TraceView(context.extensionUri);
  context.subscriptions.push(log, status, liveDraft, trace);

  // A notification once per distinct message: engine restarts (settings, device) must not repeat it.
  const warned = new Set<string>();
  const warnOnce = (message: string, isError = false) => {
    if (warned.has(message)) return;
    warned.add(message);
    const show = isError ? vscode.window.showErrorMessage : vscode.window.showWarningMessage;
    void show(message, 'Show Log', 'Restart Engine').then((choice) => {
      if (choice === 'Show Log') log.show();
      if (choice === 'Restart Engine') void engines.restart();
    });
  };
  const engines = new EngineHost({
    extensionPath: context.extensionPath,
    getSettings,
    getHeadPath: () => retrainedHeadPath(context),
    log: (message) => log.info(`engine: ${message}`),
    events: {
      onLoading: () => status.update({ kind: 'loading', error: undefined }),
      onReady: (info) => {
        log.info(`engine ready: model ${info.modelName} on ${info.provider}, head ${info.head.source}`);
        status.setInfo(info);
        if (!getSettings().enable) status.update({ kind: 'off' });
        if (info.head.rejected) warnOnce(`BackPlay: this workspace's retrained correction head was not loaded (${info.head.rejected}); completions use the model's own head. Retrain it to make one for this model.`);
      },
      onError: (error) => {
        log.error(`engine failed to start: ${String(error)}`);
        status.update({ kind: 'error', error: String(error) });
        warnOnce(`BackPlay: the engine did not start (${String(error)}); there are no completions until it does.`, true);
      },
    },
  });
  context.subscriptions.push({ dispose: () => void engines.dispose() });

  // With the metrics file: since the last record, the longest stall of the extension host's thread
  // (ours and every other extension's code on it) and the longest stretch of our own code on it.
  const loopDelay = metrics ? monitorEventLoopDelay({ resolution: 10 }) : undefined;
  loopDelay?.enable();
  context.subscriptions.push({ dispose: () => loopDelay?.disable() });
  /** Appends a record; with `stall`, the longest host stall and own stretch since the last such record. */
  const recordMetrics = (record: object, stall = true) => {
    if (!metrics) return;
    const hostMaxStallMs = stall && loopDelay ? Math.round(loopDelay.max / 1e6) : undefined;
    if (!stall) return appendRecord(metrics.file, record);
    const own = metrics.own.takeLongest();
    loopDelay?.reset();
    setTimeout(() => appendRecord(metrics.file, { ...record, hostMaxStallMs, ...ownFields(own, metrics.own) }), GC_REPORT_DELAY_MS);
  };
  const controller = new CompletionController({
    getEngine: () => engines.get(),
    getSettings,
    events: {
      onThinking: () => status.update({ kind: 'thinking' }),
      // A cancelled request leaves no result: the status must not stay on "thinking".
      onIdle: () => {
        if (status.current.kind === 'thinking') status.update({ kind: 'ready' });
      },
      onDraft: (id, snapshot, _singleLine, uri) => liveDraft.show(id, draftRuns(snapshot), uri),
      onDraftEnd: (id) => liveDraft.clear(id),
      onResult: (metrics: CompletionMetrics) => {
        status.update({ kind: 'ready', lastLatencyMs: metrics.finalMs, lastSteps: metrics.steps, provider: metrics.provider });
        recordMetrics(metrics);
      },
      onError: (error) => {
        log.error(`completion failed: ${String(error)}`);
        status.update({ kind: 'error', error: String(error) });
      },
      onTrace: (t) => trace.record(t),
    },
  });
  context.subscriptions.push({ dispose: () => controller.abortInFlight() });
  const provider = new BackPlayInlineProvider(controller, metrics ? (call) => recordMetrics({ event: 'provide', ...call }, false) : undefined);
  context.subscriptions.push(
    vscode.languages.registerInlineCompletionItemProvider({ pattern: '**' }, {
      provideInlineCompletionItems: ours(provider.provideInlineCompletionItems.bind(provider)),
    }),
  );

  const headDeps: HeadCommandDeps = {
    context,
    getEngine: () => engines.get(),
    log,
    onHeadChanged: async () => {
      recordMetrics({ event: 'head-changed' });
      controller.cache.clear(); // suggestions the old head shaped
      const engine = await engines.get();
      if (engine) status.setInfo(await engine.info());
    },
  };
  context.subscriptions.push(
    vscode.commands.registerCommand(MENU_COMMAND, ours(showMenu)),
    vscode.commands.registerCommand('backplay.showTrace', ours(() => trace.show())),
    vscode.commands.registerCommand('backplay.setTokensPerStep', ours(pickTokensPerStep)),
    vscode.commands.registerCommand('backplay.retrainHead', ours(() => retrainHead(headDeps))),
    vscode.commands.registerCommand('backplay.resetHead', ours(() => resetHead(headDeps))),
    vscode.commands.registerCommand('backplay.restartEngine', ours(() => engines.restart())),
    vscode.commands.registerCommand('backplay.showLog', ours(() => log.show())),
    ...Object.entries(TOGGLES).map(([command, toggle]) => vscode.commands.registerCommand(command, ours(() => toggleSetting(toggle.key)))),
  );

  context.subscriptions.push(
    vscode.workspace.onDidChangeConfiguration(ours((event: vscode.ConfigurationChangeEvent) => {
      if (!event.affectsConfiguration('backplay')) return;
      controller.cache.clear(); // suggestions made with other settings are stale
      liveDraft.clear();
      status.update({ tokensPerStep: getSettings().tokensPerStep });
      if (!getSettings().enable) status.update({ kind: 'off' });
      // Picks up a new model folder or device (the engine is replaced only when those changed).
      void engines.get().then(async (engine) => {
        if (engine && getSettings().enable) status.setInfo(await engine.info());
      });
    })),
  );
  // Load the model now, not on the first keystroke; but after activation returns: starting the
  // engine took 21-38 ms of the host thread on a loaded machine, half of activation's time.
  setTimeout(ours(() => void engines.get()), 0);
}

export function deactivate(): void {}
