// The correction head as an onnxruntime session (DESIGN.md: head.onnx, input `hidden`
// [batch, seq, d], output `p_wrong` [batch, seq]), on the same device as the model.
import * as ort from 'onnxruntime-node';
import type { CorrectionHead, DeviceName } from './types';
import { openSession } from './ortSession';

export interface LoadedHead extends CorrectionHead {
  release(): Promise<void>;
}

export async function loadOnnxHead(file: string, device: DeviceName): Promise<LoadedHead> {
  const { session } = await openSession(file, device);
  return {
    async pWrong(hidden: Float32Array, batch: number, seq: number): Promise<Float32Array> {
      const d = hidden.length / (batch * seq);
      const out = await session.run({ hidden: new ort.Tensor('float32', hidden, [batch, seq, d]) });
      const p = out.p_wrong;
      if (!p) throw new Error(`${file} has no output "p_wrong"`);
      return p.data as Float32Array;
    },
    release: () => session.release(),
  };
}

/**
 * Runs the head once on zeros of the model's hidden size, so that a head trained for another model
 * fails when it is loaded, with a message that says so, not in the middle of a completion.
 */
export async function checkHeadFits(head: CorrectionHead, hiddenSize: number, file: string, modelName: string): Promise<void> {
  const seq = 2;
  let out: Float32Array;
  try {
    out = await head.pWrong(new Float32Array(seq * hiddenSize), 1, seq);
  } catch (err) {
    throw new Error(
      `the head ${file} does not fit the model ${modelName} (hidden size ${hiddenSize}): ${(err as Error).message.split('\n')[0]}`,
    );
  }
  if (out.length !== seq) {
    throw new Error(`the head ${file} does not fit the model ${modelName}: ${out.length} outputs for ${seq} positions`);
  }
}
