"""Smoke test of the whole pipeline in seconds: train a TINY model on synthetic ids (both phases),
export it as a complete model directory (model.onnx, config.json, tokenizer.json) plus parity.json.

    /usr/bin/python3 training/smoke.py --out out/tiny-model [--steps 20]

The result is a real model directory with random-ish weights: the engine's integration tests use it
(test/fixtures/tinyModel.ts) to exercise tokenizer, canvas, samplers and head training without the
shipped model. Its ids must decode, so its vocabulary is the real tokenizer's.
"""
import argparse
import json
import os
import sys
import tempfile

import numpy as np
import torch

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import export as E  # noqa: E402
import train as T  # noqa: E402

TOKENIZERS = (os.path.join(HERE, "tokenizer", "tokenizer.json"),
              os.path.join(HERE, "..", "models", "backplay-base", "tokenizer.json"))
SPECIAL = {"eot_id": ("<|endoftext|>", 0), "mask_id": ("<|mask|>", 1), "eom_id": ("<|eom|>", 2)}


def find_tokenizer():
    for path in TOKENIZERS:
        if os.path.exists(path):
            return os.path.abspath(path)
    raise FileNotFoundError(f"no tokenizer.json at any of {TOKENIZERS}")


def tokenizer_meta(path):
    with open(path) as f:
        tok = json.load(f)
    ids = list(tok["model"]["vocab"].values()) + [t["id"] for t in tok.get("added_tokens", [])]
    meta = {"vocab_size": max(ids) + 1}
    for key, (content, default) in SPECIAL.items():
        meta[key] = E.special_id(path, content, default)
    return meta


def write_synthetic_corpus(data_dir, meta, seed=0):
    """Ids from a sparse random Markov chain (4 successors per token), documents ended by eot:
    enough structure for the loss to fall within a few steps."""
    rng = np.random.default_rng(seed)
    first = max(meta["eot_id"], meta["mask_id"], meta["eom_id"]) + 1
    successors = rng.integers(first, meta["vocab_size"], size=(meta["vocab_size"], 4))
    for split, n in (("train", 60_000), ("val", 8_000)):
        ids, t = np.empty(n, dtype=np.uint16), first
        choices, ends = rng.integers(0, 4, size=n), rng.random(n) < 0.01
        for i in range(n):
            t = meta["eot_id"] if ends[i] else successors[t, choices[i]]
            ids[i] = t
        ids.tofile(os.path.join(data_dir, f"{split}.bin"))
    with open(os.path.join(data_dir, "meta.json"), "w") as f:
        json.dump(meta, f)


def smoke(out_dir, steps):
    torch.manual_seed(0)
    tokenizer = find_tokenizer()
    with tempfile.TemporaryDirectory(prefix="backplay-smoke-") as work:
        write_synthetic_corpus(work, tokenizer_meta(tokenizer))
        cfg = T.load_config(os.path.join(HERE, "configs", "tiny.json"))
        # both phases take batch * seq = 512 tokens a step: `steps` steps, half of them each phase
        cfg.update(data_dir=work, runs_dir=work, tokenizer=tokenizer,
                   max_tokens=steps * cfg["batch_ar"] * cfg["seq_len_ar"])
        run_dir = T.train(cfg)
        return E.export(os.path.join(run_dir, "ckpt.pt"), out_dir, tokenizer, name="backplay-tiny",
                        version="0.0.0-smoke", int8=True, parity=True)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", required=True)
    parser.add_argument("--steps", type=int, default=40)
    args = parser.parse_args()
    config = smoke(args.out, args.steps)
    print(json.dumps(config))


if __name__ == "__main__":
    main()
