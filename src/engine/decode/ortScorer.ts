// Slot scoring inside onnxruntime: a small graph (softmax, then argmax, max and the closing tokens'
// summed probability over the vocabulary) built here with onnx-proto. Math.exp over rows x 4k logits
// was the largest cost of a step outside the model in JS (about 2.4 ms of a 17 ms step,
// node --cpu-prof); onnxruntime's vectorized softmax does the same work in a fraction of that.
import { onnx } from 'onnx-proto';
import * as ort from 'onnxruntime-node';
import type { ScoredTokens, Scorer, SlotScores } from './scores';

function scoringGraph(): Uint8Array {
  const T = onnx.TensorProto.DataType;
  const INT = onnx.AttributeProto.AttributeType.INT;
  const INTS = onnx.AttributeProto.AttributeType.INTS;
  const dims = (...names: (string | number)[]) => names.map((n) => (typeof n === 'string' ? { dimParam: n } : { dimValue: n }));
  const tensor = (name: string, elemType: number, ...shape: (string | number)[]) => ({ name, type: { tensorType: { elemType, shape: { dim: dims(...shape) } } } });
  const model: onnx.IModelProto = {
    irVersion: 8,
    opsetImport: [{ domain: '', version: 17 }],
    producerName: 'backplay-engine',
    graph: {
      name: 'slot_scores',
      node: [
        { opType: 'Softmax', input: ['logits'], output: ['probs'], attribute: [{ name: 'axis', type: INT, i: -1 }] },
        // Closing tokens drop below every content probability (p - 1 < 0 <= p): argmax and max are over content.
        { opType: 'Sub', input: ['probs', 'closing'], output: ['content'] },
        { opType: 'ArgMax', input: ['content'], output: ['best'], attribute: [{ name: 'axis', type: INT, i: -1 }, { name: 'keepdims', type: INT, i: 0 }] },
        { opType: 'ReduceMax', input: ['content'], output: ['confidence'], attribute: [{ name: 'axes', type: INTS, ints: [-1] }, { name: 'keepdims', type: INT, i: 0 }] },
        { opType: 'MatMul', input: ['probs', 'closing_column'], output: ['close_prob'] },
      ],
      input: [tensor('logits', T.FLOAT, 'rows', 'vocab'), tensor('closing', T.FLOAT, 'vocab'), tensor('closing_column', T.FLOAT, 'vocab', 1)],
      output: [
        tensor('probs', T.FLOAT, 'rows', 'vocab'),
        tensor('best', T.INT64, 'rows'),
        tensor('confidence', T.FLOAT, 'rows'),
        tensor('close_prob', T.FLOAT, 'rows', 1),
      ],
    },
  };
  return onnx.ModelProto.encode(model).finish();
}

export async function createOrtScorer(): Promise<Scorer & { release(): Promise<void> }> {
  const session = await ort.InferenceSession.create(scoringGraph(), { executionProviders: ['cpu'], intraOpNumThreads: 1 });
  // The closing indicator stays the same through a completion: built once per closing set.
  let indicator: { key: string; vocab: number; closing: Float32Array } | undefined;
  const closingIndicator = (closingIds: readonly number[], vocab: number) => {
    const key = closingIds.join(',');
    if (indicator?.key !== key || indicator.vocab !== vocab) {
      const closing = new Float32Array(vocab); // 1 at the closing tokens
      for (const c of closingIds) if (c >= 0 && c < vocab) closing[c] = 1;
      indicator = { key, vocab, closing };
    }
    return indicator.closing;
  };
  const scorer = async (logits: Float32Array, vocab: number, start: number, current: ArrayLike<number>, tokens: ScoredTokens, which: number[]) => {
    const slots = current.length;
    const maskId = tokens.mask;
    const closing = closingIndicator(tokens.closing, vocab);
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
    const out = await session.run({
      logits: new ort.Tensor('float32', rows, [which.length, vocab]),
      closing: new ort.Tensor('float32', closing, [vocab]),
      closing_column: new ort.Tensor('float32', closing, [vocab, 1]),
    });
    const probs = out.probs.data as Float32Array;
    const best = out.best.data as BigInt64Array;
    const confidence = out.confidence.data as Float32Array;
    const closeProb = out.close_prob.data as Float32Array;
    which.forEach((s, r) => {
      if (!(confidence[r] > 0)) {
        scores.predicted[s] = maskId === 0 ? 1 : 0; // NaN logits (a broken model): end, never throw
        scores.closeProb[s] = 1;
        return;
      }
      scores.predicted[s] = Number(best[r]);
      scores.confidence[s] = confidence[r];
      scores.closeProb[s] = closeProb[r];
      const cur = current[s];
      scores.currentProb[s] = cur === maskId || cur < 0 || cur >= vocab ? 0 : probs[r * vocab + cur];
    });
    return scores;
  };
  return Object.assign(scorer, { release: () => session.release() });
}
