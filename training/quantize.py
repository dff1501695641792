"""Dynamic int8 quantization of model.onnx with the `onnx` package alone.

    /usr/bin/python3 training/quantize.py model.onnx model.int8.onnx

Hand-written because onnxruntime's Python quantizer is not installable here (no PyPI). It does
what that quantizer's dynamic mode does, with standard ONNX ops that onnxruntime fuses:
- every MatMul with a constant weight W [K, N]: W to int8, symmetric, one scale per output column;
  the activation to uint8 at run time (DynamicQuantizeLinear), then MatMulInteger, Cast, and one
  Mul by (activation scale * column scales);
- the embedding table (Gather on a constant [V, d]): int8 with one scale per row, dequantized
  after the lookup.
Everything else (LayerNorm, softmax, attention products between activations) stays fp32.
"""
import sys

import numpy as np
import onnx
from onnx import helper, numpy_helper, TensorProto


def _int8_per_axis(w, axis):
    scale = np.abs(w).max(axis=axis, keepdims=True) / 127.0
    scale = np.where(scale == 0, 1.0, scale).astype(np.float32)
    q = np.clip(np.round(w / scale), -127, 127).astype(np.int8)
    return q, scale.squeeze(axis)


def quantize_model(model):
    graph = model.graph
    inits = {i.name: i for i in graph.initializer}
    new_nodes, new_inits, used_as_float = [], [], set()
    for node in graph.node:
        w = inits.get(node.input[1]) if len(node.input) > 1 else None
        if node.op_type == "MatMul" and w is not None and len(w.dims) == 2:
            arr = numpy_helper.to_array(w)
            q, scale = _int8_per_axis(arr, axis=0)  # one scale per output column
            p = node.name or node.output[0]
            new_inits += [numpy_helper.from_array(q, f"{p}_Wq"), numpy_helper.from_array(scale, f"{p}_Wscale"),
                          numpy_helper.from_array(np.array(0, np.int8), f"{p}_Wzp")]
            new_nodes += [
                helper.make_node("DynamicQuantizeLinear", [node.input[0]], [f"{p}_Aq", f"{p}_Ascale", f"{p}_Azp"]),
                helper.make_node("MatMulInteger", [f"{p}_Aq", f"{p}_Wq", f"{p}_Azp", f"{p}_Wzp"], [f"{p}_Yi"]),
                helper.make_node("Cast", [f"{p}_Yi"], [f"{p}_Yf"], to=TensorProto.FLOAT),
                helper.make_node("Mul", [f"{p}_Ascale", f"{p}_Wscale"], [f"{p}_scale"]),
                helper.make_node("Mul", [f"{p}_Yf", f"{p}_scale"], [node.output[0]]),
            ]
        elif node.op_type == "Gather" and node.input[0] in inits and len(inits[node.input[0]].dims) == 2:
            arr = numpy_helper.to_array(inits[node.input[0]])
            q, scale = _int8_per_axis(arr, axis=1)  # one scale per row (token)
            p = node.name or node.output[0]
            new_inits += [numpy_helper.from_array(q, f"{p}_Eq"), numpy_helper.from_array(scale, f"{p}_Escale")]
            new_nodes += [
                helper.make_node("Gather", [f"{p}_Eq", node.input[1]], [f"{p}_rows_q"]),
                helper.make_node("Gather", [f"{p}_Escale", node.input[1]], [f"{p}_rows_scale"]),
                helper.make_node("Cast", [f"{p}_rows_q"], [f"{p}_rows_f"], to=TensorProto.FLOAT),
                helper.make_node("Unsqueeze", [f"{p}_rows_scale", f"{p}_axis"], [f"{p}_rows_scale_u"]),
                helper.make_node("Mul", [f"{p}_rows_f", f"{p}_rows_scale_u"], [node.output[0]]),
            ]
            new_inits.append(numpy_helper.from_array(np.array([-1], np.int64), f"{p}_axis"))
        else:
            new_nodes.append(node)
            used_as_float.update(node.input)
    # keep a float initializer only if some remaining node still reads it (e.g. the tied embedding
    # feeding a Transpose for the output layer)
    kept = [i for i in graph.initializer if i.name in used_as_float]
    del graph.node[:]
    graph.node.extend(new_nodes)
    del graph.initializer[:]
    graph.initializer.extend(kept + new_inits)
    onnx.checker.check_model(model)
    return model


def quantize_file(src, dst):
    onnx.save(quantize_model(onnx.load(src)), dst)


if __name__ == "__main__":
    quantize_file(sys.argv[1], sys.argv[2])
