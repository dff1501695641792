// The correction head at inference: head.onnx in an onnxruntime session on the same execution
// provider as the frozen model (bench/threads.ts: one thread), so hidden states never change device
// format on the way. A head whose input size does not fit the model fails at load, not mid-completion.

import * as ort from 'onnxruntime-node';
import { CorrectionHead, RowRange } from '../types';
import { ROWS_INPUT } from './onnx';

export class OrtHead implements CorrectionHead {
  /** Heads written before the `rows` input score every position; the rows asked for are cut out here. */
  private readonly scoresRows: boolean;

  private constructor(
    private readonly session: ort.InferenceSession,
    readonly path: string,
    readonly hiddenSize: number,
  ) {
    this.scoresRows = session.inputNames.includes(ROWS_INPUT);
  }

  /**
   * Loads `path` and checks it against the model: input `hidden` [batch, seq, expectedHiddenSize],
   * output `p_wrong`. Throws a message naming the file and both sizes when they disagree.
   */
  static async load(
    path: string,
    sessionOptions: ort.InferenceSession.SessionOptions,
    expectedHiddenSize: number,
  ): Promise<OrtHead> {
    const session = await ort.InferenceSession.create(path, sessionOptions);
    try {
      const input = session.inputMetadata.find((m) => m.name === 'hidden');
      if (!input || !session.outputNames.includes('p_wrong')) {
        throw new Error(
          `${path} is not a correction head: it needs input "hidden" and output "p_wrong", ` +
            `it has inputs [${session.inputNames.join(', ')}] and outputs [${session.outputNames.join(', ')}]`,
        );
      }
      const size = input.isTensor ? input.shape[2] : undefined;
      if (typeof size !== 'number' || size !== expectedHiddenSize) {
        throw new Error(
          `correction head ${path} reads hidden states of size ${String(size)}, but the model's hidden size is ` +
            `${expectedHiddenSize}: this head was trained for another model; retrain it or choose another head`,
        );
      }
      return new OrtHead(session, path, size);
    } catch (err) {
      await session.release();
      throw err;
    }
  }

  async pWrong(hidden: Float32Array, batch: number, seq: number, rows?: RowRange): Promise<Float32Array> {
    const expected = batch * seq * this.hiddenSize;
    if (hidden.length !== expected) {
      throw new Error(`head input: expected ${batch}x${seq}x${this.hiddenSize} values, got ${hidden.length}`);
    }
    if (rows && !(Number.isInteger(rows.start) && Number.isInteger(rows.end) && 0 <= rows.start && rows.start <= rows.end && rows.end <= seq)) {
      throw new Error(`head rows [${rows.start}, ${rows.end}) are not within a sequence of ${seq}`);
    }
    const feeds: Record<string, ort.Tensor> = { hidden: new ort.Tensor('float32', hidden, [batch, seq, this.hiddenSize]) };
    if (this.scoresRows) {
      const { start, end } = rows ?? { start: 0, end: seq };
      feeds[ROWS_INPUT] = new ort.Tensor('int64', BigInt64Array.from([BigInt(start), BigInt(end)]), [2]);
    }
    const pWrong = (await this.session.run(feeds)).p_wrong.data as Float32Array;
    if (!rows || this.scoresRows) return pWrong;
    const width = rows.end - rows.start;
    const out = new Float32Array(batch * width);
    for (let b = 0; b < batch; b++) out.set(pWrong.subarray(b * seq + rows.start, b * seq + rows.end), b * width);
    return out;
  }

  async dispose(): Promise<void> {
    await this.session.release();
  }
}

/** Convenience form of OrtHead.load (the name the engine calls). */
export function loadHead(
  path: string,
  sessionOptions: ort.InferenceSession.SessionOptions,
  expectedHiddenSize: number,
): Promise<OrtHead> {
  return OrtHead.load(path, sessionOptions, expectedHiddenSize);
}

/**
 * Hot swap: loads the new head first, so a bad file leaves the current one in service (the error
 * propagates), then releases the old one. Returns the head now in use.
 */
export async function swapHead(
  current: OrtHead | undefined,
  path: string,
  sessionOptions: ort.InferenceSession.SessionOptions,
  expectedHiddenSize: number,
): Promise<OrtHead> {
  const next = await OrtHead.load(path, sessionOptions, expectedHiddenSize);
  if (current) await current.dispose();
  return next;
}
