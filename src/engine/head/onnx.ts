// Writes the head as a self-contained ONNX model (opset 17, standard ops only, weights as
// initializers) so the engine runs it with onnxruntime on the same provider as the frozen model;
// and reads such a file back into a HeadModel (to continue training from it, or to check it).
// Contract (DESIGN.md): input `hidden` float [batch, seq, d], output `p_wrong` float [batch, seq],
// batch and seq dynamic. The graph computes exactly HeadModel.forward followed by a sigmoid.
// A second input `rows` (int64 [2]) scores only positions [rows[0], rows[1]) (all: [0, seq]):
// keys and values still come from every position, so those rows get the same values as in a full
// run, but queries, the MLP and the output run for the rows asked for only (the canvas, a fifth of
// the sequence: about half the head's time, `node out/bench/head-speed.js --model models/backplay-base --seq 150 --rows 24`).

import { onnx } from 'onnx-proto';
import { Floats } from './gemm';
import { HeadConfig, HeadModel, HeadParams, LN_EPS, PARAM_NAMES, paramShapes, validateConfig } from './model';

/** Metadata key under which the head's config is stored as JSON. */
export const HEAD_CONFIG_KEY = 'backplay_head_config';
/**
 * The input that limits the positions scored. Not optional: onnxruntime-node neither lists nor
 * feeds an input that has a default (an initializer of the same name).
 */
export const ROWS_INPUT = 'rows';
const FLOAT = onnx.TensorProto.DataType.FLOAT;
const INT64 = onnx.TensorProto.DataType.INT64;

function floatTensor(name: string, dims: number[], values: Floats | number[]): onnx.ITensorProto {
  const f32 = Float32Array.from(values);
  return { name, dims, dataType: FLOAT, rawData: new Uint8Array(f32.buffer, f32.byteOffset, f32.byteLength) };
}

function int64Tensor(name: string, values: number[]): onnx.ITensorProto {
  const i64 = BigInt64Array.from(values.map((v) => BigInt(v)));
  return { name, dims: [values.length], dataType: INT64, rawData: new Uint8Array(i64.buffer) };
}

/** Builds nodes with unique output names; each helper returns the name of its output. */
class GraphBuilder {
  readonly nodes: onnx.INodeProto[] = [];
  private n = 0;

  op(opType: string, inputs: string[], attrs: onnx.IAttributeProto[] = [], name?: string): string {
    const out = name ?? `${opType.toLowerCase()}_${this.n++}`;
    this.nodes.push({ opType, input: inputs, output: [out], name: `${out}_node`, attribute: attrs });
    return out;
  }

  linear(x: string, w: string, b: string): string {
    return this.op('Add', [this.op('MatMul', [x, w]), b]);
  }

  layerNorm(x: string, prefix: string): string {
    return this.op('LayerNormalization', [x, `${prefix}.gamma`, `${prefix}.beta`], [
      { name: 'axis', type: onnx.AttributeProto.AttributeType.INT, i: -1 },
      { name: 'epsilon', type: onnx.AttributeProto.AttributeType.FLOAT, f: LN_EPS },
    ]);
  }

  transpose(x: string, perm: number[]): string {
    return this.op('Transpose', [x], [{ name: 'perm', type: onnx.AttributeProto.AttributeType.INTS, ints: perm }]);
  }
}

/** The head as ONNX model bytes. */
export function headToOnnx(head: HeadModel): Uint8Array {
  const c = head.config;
  validateConfig(c);
  const { inputSize: d, width: w, numHeads: H } = c;
  const dh = w / H;
  const shapes = paramShapes(c);
  const initializers: onnx.ITensorProto[] = PARAM_NAMES.map((name) => floatTensor(name, shapes[name], head.params[name]));
  initializers.push(
    int64Tensor('const.split_heads', [0, 0, H, dh]),
    int64Tensor('const.merge_heads', [0, 0, w]),
    int64Tensor('const.drop_last', [0, 0]),
    int64Tensor('const.zero', [0]),
    int64Tensor('const.one_i', [1]),
    int64Tensor('const.two_i', [2]),
    int64Tensor('const.minus_one', [-1]),
    int64Tensor('const.seq_axis', [1]),
    floatTensor('const.attn_scale', [], [1 / Math.sqrt(dh)]),
    floatTensor('const.half', [], [0.5]),
    floatTensor('const.one', [], [1]),
    floatTensor('const.gelu_c', [], [Math.sqrt(2 / Math.PI)]),
    floatTensor('const.gelu_a', [], [0.044715]),
  );

  const g = new GraphBuilder();
  const n0 = g.layerNorm('hidden', 'ln0');
  // The left neighbour's normalized state: [n0[:, :1], n0[:, :-1]] along the sequence axis.
  const first = g.op('Slice', [n0, 'const.zero', 'const.one_i', 'const.seq_axis']);
  const allButLast = g.op('Slice', [n0, 'const.zero', 'const.minus_one', 'const.seq_axis']);
  const n0prev = g.op('Concat', [first, allButLast], [{ name: 'axis', type: onnx.AttributeProto.AttributeType.INT, i: 1 }]);
  const h0 = g.op('Add', [g.linear(n0, 'in.weight', 'in.bias'), g.op('MatMul', [n0prev, 'in.wprev'])]);

  const a = g.layerNorm(h0, 'ln1');
  // Rows [rows[0], rows[1]) of a [B, S, *] tensor: the positions that get a P(wrong).
  const rowsFrom = g.op('Slice', [ROWS_INPUT, 'const.zero', 'const.one_i']);
  const rowsTo = g.op('Slice', [ROWS_INPUT, 'const.one_i', 'const.two_i']);
  const scoredRows = (x: string): string => g.op('Slice', [x, rowsFrom, rowsTo, 'const.seq_axis']);
  const heads = (x: string, perm: number[]): string => g.transpose(g.op('Reshape', [x, 'const.split_heads']), perm);
  const q = heads(g.linear(scoredRows(a), 'attn.wq', 'attn.bq'), [0, 2, 1, 3]); // [B, H, R, dh]
  const kT = heads(g.linear(a, 'attn.wk', 'attn.bk'), [0, 2, 3, 1]); // [B, H, dh, S]
  const v = heads(g.linear(a, 'attn.wv', 'attn.bv'), [0, 2, 1, 3]); // [B, H, S, dh]
  const scores = g.op('Mul', [g.op('MatMul', [q, kT]), 'const.attn_scale']);
  const probs = g.op('Softmax', [scores], [{ name: 'axis', type: onnx.AttributeProto.AttributeType.INT, i: -1 }]);
  const ctx = g.op('Reshape', [g.transpose(g.op('MatMul', [probs, v]), [0, 2, 1, 3]), 'const.merge_heads']);
  const h1 = g.op('Add', [scoredRows(h0), g.linear(ctx, 'attn.wo', 'attn.bo')]);

  const m = g.layerNorm(h1, 'ln2');
  const u = g.linear(m, 'mlp.w1', 'mlp.b1');
  // GELU, tanh form (as HeadModel): 0.5 u (1 + tanh(c (u + a u^3))).
  const u3 = g.op('Mul', [u, g.op('Mul', [u, u])]);
  const inner = g.op('Mul', ['const.gelu_c', g.op('Add', [u, g.op('Mul', ['const.gelu_a', u3])])]);
  const gelu = g.op('Mul', [g.op('Mul', ['const.half', u]), g.op('Add', ['const.one', g.op('Tanh', [inner])])]);
  const h2 = g.op('Add', [h1, g.linear(gelu, 'mlp.w2', 'mlp.b2')]);

  const fo = g.layerNorm(h2, 'lnf');
  const logit = g.op('Reshape', [g.linear(fo, 'out.weight', 'out.bias'), 'const.drop_last']);
  g.op('Sigmoid', [logit], [], 'p_wrong');

  const tensorType = (dims: onnx.TensorShapeProto.IDimension[]): onnx.ITypeProto => ({
    tensorType: { elemType: FLOAT, shape: { dim: dims } },
  });
  const model: onnx.IModelProto = {
    irVersion: 8,
    opsetImport: [{ domain: '', version: 17 }],
    producerName: 'backplay-head',
    producerVersion: '1',
    metadataProps: [{ key: HEAD_CONFIG_KEY, value: JSON.stringify(c) }],
    graph: {
      name: 'backplay_correction_head',
      node: g.nodes,
      initializer: initializers,
      input: [
        { name: 'hidden', type: tensorType([{ dimParam: 'batch' }, { dimParam: 'seq' }, { dimValue: d }]) },
        { name: ROWS_INPUT, type: { tensorType: { elemType: INT64, shape: { dim: [{ dimValue: 2 }] } } } },
      ],
      output: [{ name: 'p_wrong', type: tensorType([{ dimParam: 'batch' }, { dimParam: 'rows' }]) }],
    },
  };
  return onnx.ModelProto.encode(onnx.ModelProto.create(model)).finish();
}

/** Reads a head written by headToOnnx back into a trainable float32 HeadModel. */
export function headFromOnnx(bytes: Uint8Array): HeadModel {
  const model = onnx.ModelProto.decode(bytes);
  const meta = model.metadataProps.find((p) => p.key === HEAD_CONFIG_KEY);
  if (!meta?.value) throw new Error(`not a BackPlay head: no ${HEAD_CONFIG_KEY} metadata`);
  const config = JSON.parse(meta.value) as HeadConfig;
  const byName = new Map((model.graph?.initializer ?? []).map((t) => [t.name ?? '', t]));
  const params = {} as HeadParams;
  for (const name of PARAM_NAMES) {
    const t = byName.get(name);
    if (!t) throw new Error(`head file lacks the initializer ${name}`);
    const raw = t.rawData && t.rawData.length > 0 ? t.rawData : undefined;
    // Copy the bytes: the decoded buffer may be unaligned for a Float32Array view.
    params[name] = raw ? new Float32Array(Uint8Array.from(raw).buffer) : Float32Array.from(t.floatData ?? []);
  }
  return new HeadModel(config, params);
}
