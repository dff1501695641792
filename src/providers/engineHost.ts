// Owns the engine's lifetime on the editor side: creates it (in its worker) from the settings,
// replaces it when the model folder or the device changes, and reports loading/ready/error.
// The one place that knows which Engine implementation runs.
import * as path from 'path';
import { createWorkerEngine } from '../engine/client';
import type { CompletionRequest, Engine, EngineInfo, EngineOptions } from '../engine/types';
import { ScriptedEngine } from './scriptedEngine';
import type { BackPlaySettings } from './settings';

export type EngineFactory = (options: EngineOptions) => Engine;

/** The engine implementation: the real one in a worker thread, or the scripted one for UI tests. */
export function defaultEngineFactory(log?: (message: string) => void, env: NodeJS.ProcessEnv = process.env): EngineFactory {
  if (env.BACKPLAY_ENGINE === 'scripted') {
    // Suggests only at the start of a block and inside `Math.max(`, so that suggestions do not pop
    // up in the middle of what the editor tests type.
    const text = (request: CompletionRequest) => {
      if (request.prefix.trimEnd().endsWith('{')) return 'return a + b;';
      return request.prefix.endsWith('Math.max(') ? 'a, b);' : '';
    };
    return () => new ScriptedEngine({ text, stepDelayMs: Number(env.BACKPLAY_SCRIPTED_STEP_MS ?? 40), trainStepMs: 100 });
  }
  // The bundle's worker is dist/worker.js, next to dist/extension.js (the client's default).
  return (options) => createWorkerEngine(options, { log });
}

export interface EngineHostEvents {
  onLoading(): void;
  onReady(info: EngineInfo): void;
  onError(error: unknown): void;
}

export interface EngineHostOptions {
  extensionPath: string;
  getSettings(): BackPlaySettings;
  /** The workspace's retrained head, if there is one. */
  getHeadPath(): string | undefined;
  events: EngineHostEvents;
  factory?: EngineFactory;
  log?: (message: string) => void;
}

/** The model folder in use: the user's (machine-scoped setting) or the one shipped with the extension. */
export function resolveModelDir(extensionPath: string, settings: BackPlaySettings): string {
  return settings.modelPath.trim() ? settings.modelPath.trim() : path.join(extensionPath, 'models', 'backplay-base');
}

export class EngineHost {
  private current: { key: string; engine: Promise<Engine | undefined> } | undefined;
  private readonly factory: EngineFactory;

  constructor(private readonly options: EngineHostOptions) {
    this.factory = options.factory ?? defaultEngineFactory(options.log);
  }

  /** The engine for the current settings, started on first use; undefined when it failed to start. */
  get(): Promise<Engine | undefined> {
    const settings = this.options.getSettings();
    const engineOptions: EngineOptions = {
      modelDir: resolveModelDir(this.options.extensionPath, settings),
      device: settings.device,
      headPath: this.options.getHeadPath(),
    };
    const key = `${engineOptions.modelDir}\u0000${engineOptions.device}`;
    if (this.current?.key !== key) {
      void this.disposeCurrent();
      this.current = { key, engine: this.start(engineOptions) };
    }
    return this.current.engine;
  }

  /** Drops the engine so the next `get` starts a fresh one (e.g. after an error the user fixed). */
  async restart(): Promise<void> {
    await this.disposeCurrent();
    await this.get();
  }

  async dispose(): Promise<void> {
    await this.disposeCurrent();
  }

  private async start(engineOptions: EngineOptions): Promise<Engine | undefined> {
    this.options.events.onLoading();
    let engine: Engine | undefined;
    try {
      engine = this.factory(engineOptions);
      this.options.events.onReady(await engine.info());
      return engine;
    } catch (error) {
      this.options.events.onError(error);
      void engine?.dispose().catch(() => undefined);
      return undefined;
    }
  }

  private async disposeCurrent(): Promise<void> {
    const old = this.current;
    this.current = undefined;
    const engine = await old?.engine;
    await engine?.dispose().catch(() => undefined);
  }
}
