// The extension's settings as one typed value, read through a getter so this module has no
// vscode import (the unit tests feed it a plain object). Bounds match package.json; a value out
// of bounds (hand-edited settings.json) is clamped rather than trusted.
import type { DeviceName, SamplerName } from '../engine/types';

export interface BackPlaySettings {
  enable: boolean;
  /** Language ids to complete in; `*` means all. An entry `-id` turns one language off. */
  languages: string[];
  tokensPerStep: number;
  maxNewTokens: number;
  sampler: SamplerName;
  correction: { enabled: boolean; tau: number; stride: number; maxRemask: number; fifo: number };
  device: DeviceName;
  /** Empty: the model shipped with the extension. */
  modelPath: string;
  debounceMs: number;
  liveDraft: boolean;
}

/** What settings are read for: a document (its URI as a string) and its language. */
export interface SettingsScope {
  uri?: string;
  languageId: string;
}

export type SettingGetter = <T>(key: string, fallback: T) => T;

const SAMPLERS: SamplerName[] = ['confidence', 'threshold', 'random-remask', 'self-remask', 'backplay'];
const DEVICES: DeviceName[] = ['auto', 'cpu', 'webgpu', 'cuda', 'dml', 'coreml'];

function clamp(value: number, min: number, max: number, fallback: number): number {
  if (typeof value !== 'number' || !Number.isFinite(value)) return fallback;
  return Math.min(max, Math.max(min, value));
}

function oneOf<T extends string>(value: unknown, allowed: T[], fallback: T): T {
  return allowed.includes(value as T) ? (value as T) : fallback;
}

export function readSettings(get: SettingGetter): BackPlaySettings {
  const languages = get<unknown>('languages', ['*']);
  return {
    enable: get<unknown>('enable', true) !== false,
    languages: Array.isArray(languages) ? languages.filter((l): l is string => typeof l === 'string') : ['*'],
    tokensPerStep: Math.round(clamp(get('tokensPerStep', 2), 1, 8, 2)),
    maxNewTokens: Math.round(clamp(get('maxNewTokens', 24), 4, 128, 24)),
    sampler: oneOf(get('sampler', 'backplay'), SAMPLERS, 'backplay'),
    correction: {
      enabled: get<unknown>('correction.enabled', true) !== false,
      tau: clamp(get('correction.tau', 0.5), 0, 1, 0.5),
      stride: Math.round(clamp(get('correction.stride', 2), 1, 16, 2)),
      maxRemask: Math.round(clamp(get('correction.maxRemask', 2), 1, 16, 2)),
      fifo: Math.round(clamp(get('correction.fifo', 8), 0, 64, 8)),
    },
    device: oneOf(get('device', 'auto'), DEVICES, 'auto'),
    modelPath: String(get('modelPath', '') ?? ''),
    debounceMs: Math.round(clamp(get('debounceMs', 75), 0, 2000, 75)),
    liveDraft: get<unknown>('liveDraft', true) !== false,
  };
}

/** Whether completions are on for this language (`*` all, `-id` excludes one, an explicit id includes it). */
export function isLanguageEnabled(settings: BackPlaySettings, languageId: string): boolean {
  if (!settings.enable) return false;
  if (settings.languages.includes(`-${languageId}`)) return false;
  return settings.languages.includes('*') || settings.languages.includes(languageId);
}

/**
 * The sampler actually asked of the engine: with correction off, `backplay` runs as plain
 * confidence unmasking (same loop, no look-back), so the toggle means what it says.
 */
export function effectiveSampler(settings: BackPlaySettings): SamplerName {
  if (settings.sampler === 'backplay' && !settings.correction.enabled) return 'confidence';
  return settings.sampler;
}
