"""Held-out completion quality of a trained model, in Python: the GPU run's own evaluation.

    python3 training/evaluate.py WEIGHTS TASKS.ids.jsonl --tokenizer tokenizer.json
        [--k 1 2 4 8] [--limit N] [--time-budget-s S] [--json OUT.json] [--device auto]

WEIGHTS: a training checkpoint (ckpt.pt) or a weights-only resume file (*.fp16.pt).
TASKS: pre-tokenized tasks, one JSON per line {"prefix_ids", "suffix_ids", "middle", "kind"}
(training/device/pack.mjs writes them with the engine's tokenizer; Python needs no tokenizer package).

What it runs mirrors the engine's `confidence` sampler (src/engine/decode/loop.ts, no correction
head): the canvas is `prefix [MASK]*n suffix` fitted into the engine's default context of 128 tokens
(--context-tokens) as window.ts does (n = 24 for line kinds, 64 for blocks), semi-autoregressive
blocks of 32 slots, k most confident masked slots of the current block committed per step (the mask token is never predicted);
only the first open slot may end the middle, when <|eom|>/<|endoftext|> there is at least CLOSE_AT likely
(line kinds: a line-break token too, as the engine's singleLine requests). Scores follow DESIGN.md's
eval contract: exact match after trimming each line's trailing whitespace, edit similarity
1 - Levenshtein / max(len). The engine's CLI eval stays the reference for shipped numbers; this
one tells, on the GPU machine, whether a run is worth shipping.
Tasks run in a fixed order, every k on each task before the next, until --time-budget-s is spent,
so all rows of the table cover the same tasks. The table is printed last.
"""
import argparse
import contextlib
import json
import os
import sys
import time

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from model import BackPlayLM, ModelConfig  # noqa: E402

BLOCK_LENGTH = 32  # src/engine/defaults.ts DEFAULT_BLOCK_LENGTH
CONTEXT_TOKENS = 128  # src/engine/defaults.ts DEFAULT_CONTEXT_TOKENS: prefix + canvas + suffix per forward
SUFFIX_SHARE = 0.25  # src/engine/decode/window.ts
LINE_SLOTS, BLOCK_SLOTS = 24, 64
CLOSE_AT = 0.5  # src/engine/decode/loop.ts CLOSE_AT: end-of-middle probability that ends the completion


def bytes_to_unicode():
    """GPT-2's byte-level table: byte -> printable character (what the BPE vocabulary is written in)."""
    bs = list(range(ord("!"), ord("~") + 1)) + list(range(ord("¡"), ord("¬") + 1)) + list(range(ord("®"), ord("ÿ") + 1))
    cs = bs[:]
    n = 0
    for b in range(256):
        if b not in bs:
            bs.append(b)
            cs.append(256 + n)
            n += 1
    return dict(zip(bs, map(chr, cs)))


class ByteLevelDecoder:
    """ids -> text for a byte-level BPE tokenizer.json (HF format) without the tokenizers package."""

    def __init__(self, tokenizer_path, skip_ids=()):
        with open(tokenizer_path, encoding="utf-8") as f:
            tok = json.load(f)
        self.pieces = {i: t for t, i in tok["model"]["vocab"].items()}
        for added in tok.get("added_tokens", []):
            self.pieces[added["id"]] = added["content"]
        self.byte_of = {c: b for b, c in bytes_to_unicode().items()}
        self.skip = set(skip_ids)

    def decode(self, ids):
        chars = "".join(self.pieces.get(i, "") for i in ids if i not in self.skip)
        return bytes(self.byte_of[c] for c in chars if c in self.byte_of).decode("utf-8", errors="replace")


def levenshtein(a, b):
    """Plain two-row dynamic programme (no Levenshtein package on either machine; strings are short)."""
    if len(a) < len(b):
        a, b = b, a
    prev = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        cur = [i]
        for j, cb in enumerate(b, 1):
            cur.append(min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (ca != cb)))
        prev = cur
    return prev[-1]


def trim_line_ends(text):
    return "\n".join(line.rstrip() for line in text.split("\n"))


def exact_match(expected, actual):
    return trim_line_ends(expected) == trim_line_ends(actual)


def edit_similarity(expected, actual):
    longest = max(len(expected), len(actual))
    return 1.0 if longest == 0 else 1.0 - levenshtein(expected, actual) / longest


def slots_for(task):
    """Line kinds get the engine's default canvas (24); blocks of several lines get 64."""
    multi_line = "block" in task.get("kind", "") or "\n" in task["middle"].strip("\n")
    return BLOCK_SLOTS if multi_line else LINE_SLOTS


def fit_window(prefix_ids, suffix_ids, slots, context):
    """src/engine/decode/window.ts: keep the end of the prefix and the start of the suffix."""
    canvas = max(0, min(slots, context))
    room = context - canvas
    suffix_keep = min(len(suffix_ids), max(room - len(prefix_ids), int(room * SUFFIX_SHARE)))
    prefix_keep = min(len(prefix_ids), room - suffix_keep)
    return (prefix_ids[len(prefix_ids) - prefix_keep:] if prefix_keep > 0 else []), suffix_ids[:suffix_keep], canvas


@torch.no_grad()
def complete(model, prefix_ids, suffix_ids, n, k, special, device, autocast, end_ids=()):
    """Confidence unmasking of `prefix [MASK]*n suffix`, with the engine's end-of-middle rule (`end_ids`
    end the middle too: the line breaks of a one-line request); returns (completion ids, steps)."""
    mask, eom, eot = special["mask"], special["eom"], special["eot"]
    closing = [eom, eot, *end_ids]
    start = len(prefix_ids)
    canvas = torch.tensor(prefix_ids + [mask] * n + suffix_ids, dtype=torch.long, device=device)[None]
    slots = canvas[0, start:start + n]  # a view: writes go into the canvas
    steps = 0
    while True:
        masked = (slots == mask).nonzero().flatten()
        if len(masked) == 0:
            break
        first = int(masked[0])
        block_start = first // BLOCK_LENGTH * BLOCK_LENGTH
        in_block = masked[masked < block_start + BLOCK_LENGTH]
        with autocast:
            logits, _ = model(canvas, causal=False)
        probs = logits[0, start:start + n].float()
        probs[:, mask] = float("-inf")
        probs = probs.softmax(-1)
        steps += 1
        if probs[first, closing].sum() >= CLOSE_AT:  # the middle ends here
            slots[first:][slots[first:] == mask] = eom
            break
        probs[:, closing] = 0  # only the first open slot may end the middle
        confidence, predicted = probs.max(-1)
        chosen = in_block[confidence[in_block].argsort(descending=True)[:k]]
        slots[chosen] = predicted[chosen]
    ids = []
    for i in slots.tolist():
        if i in (eom, eot, mask):
            break
        ids.append(i)
    return ids, steps


def load_model(path, device):
    ckpt = torch.load(path, map_location="cpu", weights_only=False)
    model = BackPlayLM(ModelConfig(**ckpt["model_config"]))
    model.load_state_dict({k: v.float() for k, v in ckpt["model"].items()})
    return model.to(device).eval(), ckpt


def read_tasks(path, limit=None):
    with open(path, encoding="utf-8") as f:
        tasks = [json.loads(line) for line in f if line.strip()]
    return tasks[:limit] if limit else tasks


def evaluate(model, meta, tasks, decoder, ks, device, time_budget_s=None, context_tokens=CONTEXT_TOKENS):
    special = {"mask": meta["mask_id"], "eom": meta["eom_id"], "eot": meta["eot_id"]}
    line_breaks = [i for i, piece in decoder.pieces.items() if "Ċ" in piece]  # byte-level BPE writes \n as Ċ
    # fp32, as the engine runs model.onnx: bf16 would buy little for a model this small and can flip
    # near-tied argmaxes, which the table is meant to reflect faithfully
    autocast = contextlib.nullcontext()
    context = max(1, min(model.cfg.max_seq_len, context_tokens))  # as src/engine/localEngine.ts
    rows = {k: [] for k in ks}
    t0 = time.time()
    for task in tasks:
        if time_budget_s is not None and time.time() - t0 > time_budget_s:
            break
        prefix, suffix, n = fit_window(task["prefix_ids"], task["suffix_ids"], slots_for(task), context)
        for k in ks:
            one_line = slots_for(task) == LINE_SLOTS  # src/engine/evaluate.ts singleLineFor
            ids, steps = complete(model, prefix, suffix, n, k, special, device, autocast, line_breaks if one_line else ())
            text = decoder.decode(ids)
            rows[k].append({"kind": task.get("kind", ""), "em": exact_match(task["middle"], text),
                            "es": edit_similarity(task["middle"], text), "steps": steps})
    seconds = time.time() - t0
    result = summarize(rows, len(tasks), seconds)
    result["context_tokens"] = context
    return result


def summarize(rows, available, seconds):
    def stats(items):
        n = len(items)
        return {"tasks": n,
                "exact_match": sum(r["em"] for r in items) / n if n else float("nan"),
                "edit_similarity": sum(r["es"] for r in items) / n if n else float("nan"),
                "steps_mean": sum(r["steps"] for r in items) / n if n else float("nan")}
    out = {"tasks_available": available, "seconds": round(seconds, 1), "by_k": {}}
    for k, items in rows.items():
        entry = stats(items)
        entry["by_kind"] = {kind: stats([r for r in items if r["kind"] == kind])
                            for kind in sorted({r["kind"] for r in items})}
        out["by_k"][str(k)] = entry
    return out


def table(result):
    lines = [f"held-out eval (confidence sampler, python, context {result.get('context_tokens')}): "
             f"{next(iter(result['by_k'].values()))['tasks']} of {result['tasks_available']} tasks in {result['seconds']} s",
             "| k | tasks | exact match | edit similarity | steps |", "|---|---|---|---|---|"]
    for k, e in result["by_k"].items():
        lines.append(f"| {k} | {e['tasks']} | {e['exact_match']:.3f} | {e['edit_similarity']:.3f} | {e['steps_mean']:.1f} |")
    return "\n".join(lines)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("weights")
    parser.add_argument("tasks")
    parser.add_argument("--tokenizer", default=os.path.join(os.path.dirname(__file__), "tokenizer", "tokenizer.json"))
    parser.add_argument("--k", type=int, nargs="+", default=[1, 2, 4, 8])
    parser.add_argument("--limit", type=int)
    parser.add_argument("--time-budget-s", type=float)
    parser.add_argument("--context-tokens", type=int, default=CONTEXT_TOKENS, help="tokens per forward pass, as the engine's --context-tokens")
    parser.add_argument("--json", help="also write the result here")
    parser.add_argument("--device", default="auto")
    args = parser.parse_args()
    device = ("cuda" if torch.cuda.is_available() else "cpu") if args.device == "auto" else args.device
    if device == "cpu":
        torch.set_num_threads(1)  # DESIGN.md: one thread is fastest on the 2-core machines
    model, ckpt = load_model(args.weights, device)
    meta = ckpt["meta"]
    decoder = ByteLevelDecoder(args.tokenizer, skip_ids=(meta["mask_id"], meta["eom_id"], meta["eot_id"]))
    result = evaluate(model, meta, read_tasks(args.tasks, args.limit), decoder, args.k, device, args.time_budget_s,
                      args.context_tokens)
    result["weights"] = os.path.abspath(args.weights)
    if args.json:
        with open(args.json, "w") as f:
            json.dump(result, f, indent=1)
    print(table(result), flush=True)


if __name__ == "__main__":
    main()
