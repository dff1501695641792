"""Export a checkpoint to a model directory (DESIGN.md, "Model directory format").

    /usr/bin/python3 training/export.py CHECKPOINT OUT_DIR [--int8] [--parity] [--resume-out FILE]
        [--tokenizer training/tokenizer/tokenizer.json] [--name backplay-base] [--version 0.1.0] [--prior TOKENS STEPS]

CHECKPOINT: training/runs/NAME/ckpt.pt or a weights-only resume file (training/resume/*.fp16.pt).
Writes OUT_DIR/model.onnx (bidirectional mode; input `input_ids` int64 [batch, seq]; outputs `logits`
[batch, seq, vocab] and `hidden` [batch, seq, d]; dynamic batch and seq; opset 17), config.json and a
copy of the tokenizer. --int8 adds model.int8.onnx (see quantize.py); --parity adds parity.json with
PyTorch reference outputs for fixed ids (the Node test compares onnxruntime against them);
--resume-out writes the weights alone in fp16, the single point to resume training from.
"""
import argparse
import json
import os
import shutil

import numpy as np
import onnx
import torch

from model import BackPlayLM, BidirectionalExport, ModelConfig

OPSET = 17  # onnxruntime-node 1.31 runs it; LayerNormalization is a single op from 17 on
PARITY_SHAPES = ((2, 16), (1, 37))  # two shapes: the test also proves the axes are dynamic


def load_model(path):
    ckpt = torch.load(path, map_location="cpu")
    model = BackPlayLM(ModelConfig(**ckpt["model_config"]))
    model.load_state_dict({k: v.float() for k, v in ckpt["model"].items()})
    return model.eval(), ckpt


def dedupe_transposed_initializers(model_proto):
    """Constant folding stores the tied output matrix a second time, transposed: point it back to
    the embedding through a Transpose node instead (saves vocab * d * 4 bytes on disk)."""
    graph = model_proto.graph
    inits = {i.name: onnx.numpy_helper.to_array(i) for i in graph.initializer}
    for name, arr in inits.items():
        if arr.ndim != 2:
            continue
        source = next((n for n, a in inits.items() if n != name and a.shape == arr.shape[::-1]
                       and np.array_equal(a.T, arr)), None)
        if source is None:
            continue
        graph.initializer.remove(next(i for i in graph.initializer if i.name == name))
        graph.node.insert(0, onnx.helper.make_node("Transpose", [source], [name], perm=[1, 0]))
        return


def export_onnx(model, out_path, int8_path=None):
    dummy = torch.randint(0, model.cfg.vocab_size, (1, 8))
    torch.onnx.export(BidirectionalExport(model), (dummy,), out_path, opset_version=OPSET,
                      input_names=["input_ids"], output_names=["logits", "hidden"],
                      dynamic_axes={"input_ids": {0: "batch", 1: "seq"}, "logits": {0: "batch", 1: "seq"},
                                    "hidden": {0: "batch", 1: "seq"}},
                      do_constant_folding=True)
    proto = onnx.load(out_path)
    if int8_path:  # from the folded graph, where every weight matrix is a plain initializer
        from quantize import quantize_model
        onnx.save(quantize_model(onnx.load(out_path)), int8_path)
    dedupe_transposed_initializers(proto)
    onnx.checker.check_model(proto)
    onnx.save(proto, out_path)


def special_id(tokenizer_path, content, fallback):
    if tokenizer_path and os.path.exists(tokenizer_path):
        with open(tokenizer_path) as f:
            for tok in json.load(f).get("added_tokens", []):
                if tok["content"] == content:
                    return tok["id"]
    return fallback


def write_config(out_dir, model, ckpt, name, version, prior=(0, 0)):
    meta, cfg = ckpt.get("meta", {}), model.cfg
    state = ckpt.get("state", {})
    config = {
        "name": name, "version": version, "architecture": "pre-LN transformer, RoPE, tied embeddings, bidirectional",
        "mask_token_id": meta["mask_id"], "eom_token_id": meta["eom_id"], "eot_token_id": meta["eot_id"],
        "pad_token_id": meta["eom_id"],  # unused canvas slots fill with <|eom|>: the engine cuts there
        "max_seq_len": cfg.max_seq_len, "hidden_size": cfg.d_model, "vocab_size": cfg.vocab_size,
        "n_layers": cfg.n_layer, "n_heads": cfg.n_head, "hidden_layer": cfg.n_layer - 1,
        "hidden_is": "input of the last transformer block", "parameters": model.num_params(),
        # prior: tokens and steps of the earlier runs this one was initialized from (init_from)
        "tokens_seen": state.get("tokens", 0) + prior[0], "training_steps": state.get("step", 0) + prior[1],
        "onnx_opset": OPSET,
    }
    with open(os.path.join(out_dir, "config.json"), "w") as f:
        json.dump(config, f, indent=2)
    return config


@torch.no_grad()
def write_parity(out_dir, model):
    """Reference outputs of the PyTorch model (fp32) for fixed ids, raw little-endian float32 files."""
    gen = torch.Generator().manual_seed(0)
    cases = []
    for i, (b, t) in enumerate(PARITY_SHAPES):
        ids = torch.randint(0, model.cfg.vocab_size, (b, t), generator=gen)
        logits, hidden = model(ids, causal=False)
        case = {"batch": b, "seq": t, "ids": ids.flatten().tolist(),
                "logits": f"parity_{i}_logits.f32", "hidden": f"parity_{i}_hidden.f32"}
        logits.numpy().astype("<f4").tofile(os.path.join(out_dir, case["logits"]))
        hidden.numpy().astype("<f4").tofile(os.path.join(out_dir, case["hidden"]))
        cases.append(case)
    with open(os.path.join(out_dir, "parity.json"), "w") as f:
        json.dump({"vocab": model.cfg.vocab_size, "hidden_size": model.cfg.d_model, "cases": cases}, f)


def write_resume(path, model, ckpt):
    """Weights only, fp16, no optimizer: small enough to commit, enough to continue training."""
    os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    torch.save({"model": {k: v.half() for k, v in model.state_dict().items()},
                "model_config": model.cfg.to_dict(), "meta": ckpt.get("meta"),
                "config": ckpt.get("config"), "state": ckpt.get("state")}, path)


def export(checkpoint, out_dir, tokenizer=None, name="backplay-base", version="0.1.0",
           int8=False, parity=False, resume_out=None, prior=(0, 0)):
    model, ckpt = load_model(checkpoint)
    os.makedirs(out_dir, exist_ok=True)
    export_onnx(model, os.path.join(out_dir, "model.onnx"), os.path.join(out_dir, "model.int8.onnx") if int8 else None)
    if tokenizer and os.path.exists(tokenizer):
        shutil.copyfile(tokenizer, os.path.join(out_dir, "tokenizer.json"))
    config = write_config(out_dir, model, ckpt, name, version, prior)
    if parity:
        write_parity(out_dir, model)
    if resume_out:
        write_resume(resume_out, model, ckpt)
    return config


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("checkpoint")
    parser.add_argument("out_dir")
    parser.add_argument("--tokenizer", default=os.path.join(os.path.dirname(__file__), "tokenizer", "tokenizer.json"))
    parser.add_argument("--name", default="backplay-base")
    parser.add_argument("--version", default="0.1.0")
    parser.add_argument("--int8", action="store_true")
    parser.add_argument("--parity", action="store_true")
    parser.add_argument("--resume-out")
    parser.add_argument("--prior", nargs=2, type=int, default=(0, 0), metavar=("TOKENS", "STEPS"),
                        help="tokens and steps of the earlier runs the checkpoint's run started from (init_from)")
    args = parser.parse_args()
    torch.set_num_threads(1)
    config = export(args.checkpoint, args.out_dir, args.tokenizer, args.name, args.version,
                    args.int8, args.parity, args.resume_out, tuple(args.prior))
    print(json.dumps(config, indent=2))


if __name__ == "__main__":
    main()
