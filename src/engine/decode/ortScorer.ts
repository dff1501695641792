// Slot scoring inside onnxruntime: a three-op graph (Softmax, ArgMax, ReduceMax over the vocabulary)
// built here with onnx-proto. Math.exp over rows x 4k logits was the largest cost of a step outside
// the model in JS (about 2.4 ms of a 17 ms step, node --cpu-prof); onnxruntime's vectorized softmax
// does the same work in a fraction of that.
import { onnx } from 'onnx-proto';
import * as ort from 'onnxruntime-node';
import type { ScoredTokens, Scorer, SlotScores } from './scores';

function scoringGraph(): Uint8Array {
  const T = onnx.TensorProto.DataType;
  const INT = onnx.AttributeProto.AttributeType.INT;
  const dims = (...names: (string | number)[]) => names.map((n) => (typeof n === 'string' ? { dimParam: n } : { dimValue: n }));
  const model: onnx.IModelProto = {
    irVersion: 8,
    opsetImport: [{ domain: '', version: 17 }],
    producerName: 'backplay-engine',
    graph: {
      name: 'slot_scores',
      node: [
        { opType: 'Softmax', input: ['logits'], output: ['probs'], attribute: [{ name: 'axis', type: INT, i: -1 }] },
        { opType: 'ArgMax', input: ['probs'], output: ['best'], attribute: [{ name: 'axis', type: INT, i: -1 }, { name: 'keepdims', type: INT, i: 0 }] },
        { opType: 'ReduceMax', input: ['probs'], output: ['confidence'], attribute: [{ name: 'axes', type: onnx.AttributeProto.AttributeType.INTS, ints: [-1] }, { name: 'keepdims', type: INT, i: 0 }] },
      ],
      input: [{ name: 'logits', type: { tensorType: { elemType: T.FLOAT, shape: { dim: dims('rows', 'vocab') } } } }],
      output: [
        { name: 'probs', type: { tensorType: { elemType: T.FLOAT, shape: { dim: dims('rows', 'vocab') } } } },
        { name: 'best', type: { tensorType: { elemType: T.INT64, shape: { dim: dims('rows') } } } },
        { name: 'confidence', type: { tensorType: { elemType: T.FLOAT, shape: { dim: dims('rows') } } } },
      ],
    },
  };
  return onnx.ModelProto.encode(model).finish();
}

/** Index of the largest probability among the tokens that are not closing (the mask is already 0). */
function contentArgmax(row: Float32Array, closing: number[]): number {
  let best = -1;
  for (let v = 0; v < row.length; v++) if (!closing.includes(v) && (best < 0 || row[v] > row[best])) best = v;
  return best;
}

export async function createOrtScorer(): Promise<Scorer & { release(): Promise<void> }> {
  const session = await ort.InferenceSession.create(scoringGraph(), { executionProviders: ['cpu'], intraOpNumThreads: 1 });
  const scorer = async (logits: Float32Array, vocab: number, start: number, current: ArrayLike<number>, tokens: ScoredTokens, which: number[]) => {
    const slots = current.length;
    const maskId = tokens.mask;
    const closing = tokens.closing.filter((c) => c >= 0 && c < vocab);
    const scores: SlotScores = {
      predicted: new Int32Array(slots).fill(-1),
      confidence: new Float32Array(slots),
      closeProb: new Float32Array(slots),
      currentProb: new Float32Array(slots),
    };
    if (which.length === 0) return scores;
    const rows = new Float32Array(which.length * vocab);
    which.forEach((s, r) => {
      rows.set(logits.subarray((start + s) * vocab, (start + s + 1) * vocab), r * vocab);
      if (maskId >= 0 && maskId < vocab) rows[r * vocab + maskId] = -Infinity; // never predict the mask
    });
    const out = await session.run({ logits: new ort.Tensor('float32', rows, [which.length, vocab]) });
    const probs = out.probs.data as Float32Array;
    const best = out.best.data as BigInt64Array;
    const confidence = out.confidence.data as Float32Array;
    which.forEach((s, r) => {
      if (!(confidence[r] > 0)) {
        scores.predicted[s] = maskId === 0 ? 1 : 0; // NaN logits (a broken model): end, never throw
        scores.closeProb[s] = 1;
        return;
      }
      const row = probs.subarray(r * vocab, (r + 1) * vocab);
      let top = Number(best[r]);
      if (closing.includes(top)) top = contentArgmax(row, closing); // the few rows whose argmax ends the middle
      scores.predicted[s] = top;
      scores.confidence[s] = row[top];
      for (const c of closing) scores.closeProb[s] += row[c];
      const cur = current[s];
      scores.currentProb[s] = cur === maskId || cur < 0 || cur >= vocab ? 0 : probs[r * vocab + cur];
    });
    return scores;
  };
  return Object.assign(scorer, { release: () => session.release() });
}
