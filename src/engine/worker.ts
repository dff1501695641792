// The engine worker: owns the onnxruntime sessions so the model never runs on the extension
// host's main thread (onnxruntime-node runs a session on the thread that calls it).
import { parentPort, workerData } from 'node:worker_threads';
import { LocalEngine } from './localEngine';
import type { FromWorker, ToWorker } from './protocol';
import type { EngineOptions } from './types';

function send(message: FromWorker): void {
  parentPort!.postMessage(message);
}

async function main(): Promise<void> {
  const options = workerData as EngineOptions;
  // Loaded once; a load error fails every request with the same clear message.
  const engine = LocalEngine.load(options, { log: (message) => send({ type: 'log', message }) });
  engine.catch(() => {});
  const cancels = new Map<number, AbortController>();

  const run = async (id: number, work: (e: LocalEngine) => Promise<Extract<FromWorker, { type: 'done' }>['value']>) => {
    try {
      send({ type: 'done', id, value: await work(await engine) });
    } catch (err) {
      const e = err as Error;
      send({ type: 'failed', id, error: { name: e.name ?? 'Error', message: e.message ?? String(err) } });
    } finally {
      cancels.delete(id);
    }
  };

  /** Like run, for work a 'cancel' message can abort. */
  const runCancellable = (id: number, work: (e: LocalEngine, signal: AbortSignal) => ReturnType<Parameters<typeof run>[1]>) => {
    const controller = new AbortController();
    cancels.set(id, controller);
    return run(id, (e) => work(e, controller.signal));
  };

  parentPort!.on('message', (message: ToWorker) => {
    switch (message.type) {
      case 'complete':
        void runCancellable(message.id, (e, signal) =>
          e.complete(message.request, {
            signal,
            onDraft: (snapshot) => send({ type: 'draft', id: message.id, snapshot }),
          }),
        );
        break;
      case 'cancel':
        cancels.get(message.id)?.abort();
        break;
      case 'info':
        void run(message.id, (e) => e.info());
        break;
      case 'setHead':
        void run(message.id, async (e) => {
          await e.setHead(message.path);
          return null;
        });
        break;
      case 'trainHead':
        void runCancellable(message.id, (e, signal) =>
          e.trainHead(message.options, {
            signal,
            onProgress: (progress) => send({ type: 'progress', id: message.id, progress }),
          }),
        );
        break;
      case 'crash':
        process.exit(70);
    }
  });
}

if (parentPort) void main();
