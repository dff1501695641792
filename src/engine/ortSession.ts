// Opens onnxruntime sessions on the best execution provider there is. A provider list does not
// fall back by itself in onnxruntime-node (webgpu without a Vulkan adapter fails the whole session),
// so `auto` tries one provider at a time, logs why each failed, and ends with cpu.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as ort from 'onnxruntime-node';
import type { DeviceName } from './types';

/** Order of preference for `auto`: dedicated GPU runtimes first, webgpu, then cpu. */
const AUTO_ORDER = ['cuda', 'dml', 'coreml', 'webgpu'] as const;

export interface OpenedSession {
  session: ort.InferenceSession;
  provider: string;
}

export type Logger = (message: string) => void;

/**
 * Threads do not busy-wait between operators. With spinning (onnxruntime's default) the model's
 * threads kept burning the cores after each pass and slowed the head and scorer sessions that run
 * right after it, and any second process on the machine; `node out/bench/threads.js` compares both.
 */
export const NO_SPINNING = { session: { intra_op: { allow_spinning: '0' }, inter_op: { allow_spinning: '0' } } };

/**
 * Session options for `provider`. Two threads at most by default: the editor, the extension host
 * and the user's build share the CPU. The correction head passes 1: over the engine's usual
 * 128-168 tokens it gains nothing from a second thread (bench/threads.ts).
 */
export function sessionOptions(provider: string, threads = Math.min(2, os.cpus().length)): ort.InferenceSession.SessionOptions {
  return {
    executionProviders: [provider],
    graphOptimizationLevel: 'all',
    intraOpNumThreads: Math.max(1, threads),
    extra: NO_SPINNING,
    logSeverityLevel: 3,
  };
}

/** Checks the file before onnxruntime sees it, so that a missing or empty file names itself. */
function checkModelFile(file: string): void {
  let size: number;
  try {
    size = fs.statSync(file).size;
  } catch {
    throw new Error(`model file not found: ${file}`);
  }
  if (size === 0) throw new Error(`model file is empty: ${file}`);
}

/** Providers `auto` will try here, in order; always ends with cpu. */
export function autoProviders(): string[] {
  const supported = new Set(ort.listSupportedBackends().map((b) => b.name));
  return [...AUTO_ORDER.filter((p) => supported.has(p)), 'cpu'];
}

async function open(file: string, provider: string): Promise<ort.InferenceSession> {
  // onnxruntime prints every failed provider probe to stderr as an error; the reason is in the
  // exception, which we log ourselves, so only fatal messages may reach the terminal.
  ort.env.logLevel = 'fatal';
  try {
    return await ort.InferenceSession.create(file, sessionOptions(provider));
  } catch (err) {
    const reason = (err as Error).message.split('\n')[0];
    throw new Error(`cannot load ${file} on ${provider}: ${reason}`);
  }
}

/**
 * Opens `file` on `device`. A forced device that fails is an error (the user asked for it; a silent
 * cpu fallback would hide a misconfiguration); `auto` logs each failure and moves on.
 */
export async function openSession(file: string, device: DeviceName, log: Logger = () => {}): Promise<OpenedSession> {
  checkModelFile(file);
  if (device !== 'auto') return { session: await open(file, device), provider: device };
  const failures: string[] = [];
  for (const provider of autoProviders()) {
    try {
      const session = await open(file, provider);
      log(`execution provider: ${provider}`);
      return { session, provider };
    } catch (err) {
      const message = (err as Error).message;
      failures.push(message);
      log(`${provider} unavailable, trying the next provider (${message})`);
      // cpu failing means the file itself is bad: no point in hiding that behind other messages.
      if (provider === 'cpu') throw err;
    }
  }
  throw new Error(`no execution provider could load ${file}: ${failures.join('; ')}`);
}
