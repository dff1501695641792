"""Training examples cut from the token stream (flat uint16 ids, documents separated by <|endoftext|>).

Three kinds, all [B, T] int64 inputs with targets (-100 = no loss):
- left-to-right: the window and the same window shifted by one (next-token loss, causal model);
- plain masked diffusion (MDLM): each token masked with probability t ~ U(0, 1), loss on masked ones;
- completion-shaped: `prefix [MASK]*n suffix` as the engine builds it, where the n canvas slots
  hold the middle followed by <|eom|> pads; slots are masked with probability t, and the loss covers
  the masked slots INCLUDING the pads, so the model learns where the middle ends.
"""
import json
import os

import numpy as np
import torch

IGNORE = -100
MAX_MIDDLE = 96  # longest middle a completion example asks for (the engine's canvas is about this size)
MAX_EXTRA_PADS = 48  # canvas slots beyond the middle: the engine does not know the length in advance


def load_tokens(data_dir, split):
    return np.memmap(os.path.join(data_dir, f"{split}.bin"), dtype=np.uint16, mode="r")


def load_meta(data_dir):
    with open(os.path.join(data_dir, "meta.json")) as f:
        return json.load(f)


def newline_ids(tokenizer_path, vocab_size):
    """Boolean [vocab] array: which tokens contain a line break (byte-level BPE writes \\n as 'Ċ')."""
    is_newline = np.zeros(vocab_size, dtype=bool)
    if tokenizer_path and os.path.exists(tokenizer_path):
        with open(tokenizer_path) as f:
            vocab = json.load(f)["model"]["vocab"]
        for token, i in vocab.items():
            if "Ċ" in token and i < vocab_size:
                is_newline[i] = True
    return is_newline


def random_windows(data, rng, batch, length):
    starts = rng.integers(0, len(data) - length - 1, size=batch)
    return np.stack([np.asarray(data[s:s + length + 1], dtype=np.int64) for s in starts])


def causal_batch(data, rng, batch, length):
    w = random_windows(data, rng, batch, length)
    return torch.from_numpy(w[:, :-1]), torch.from_numpy(w[:, 1:])


def mask_rows(x0, rng, mask_id, rates=None):
    """Plain MDLM corruption: row i masked with probability rates[i] (drawn U(0,1) if not given)."""
    B, T = x0.shape
    if rates is None:  # stratified over the batch: every batch covers all noise levels
        rates = (np.arange(B) + rng.random(B)) / B
    masked = rng.random((B, T)) < np.asarray(rates)[:, None]
    masked[np.arange(B), rng.integers(0, T, size=B)] = True  # at least one per row
    inp = np.where(masked, mask_id, x0)
    tgt = np.where(masked, x0, IGNORE)
    return inp, tgt


def _middle_length(raw, start, kind, is_newline, rng):
    """Length of the middle starting at `start`: rest of the line, 1-4 lines, or a random span."""
    if kind == "span" or not is_newline.any():
        return int(rng.integers(1, 65))
    lines = 1 if kind == "rest_of_line" else int(rng.integers(1, 5))
    ends = np.flatnonzero(is_newline[raw[start:start + MAX_MIDDLE]])
    # the middle stops before the line break that ends its last line (the suffix starts with it)
    return int(ends[lines - 1]) if len(ends) >= lines else MAX_MIDDLE


SUFFIX_SHARE = 0.25  # src/engine/decode/window.ts: the suffix gets a quarter of the context left after the canvas


def completion_rows(data, rng, batch, length, mask_id, eom_id, is_newline, canvas_sizes=None):
    """Completion-shaped rows. With `canvas_sizes` (the engine's canvases, e.g. [24, 64]) each row is laid
    out as the engine lays out a request of `length` tokens: the smallest canvas that holds the middle,
    the suffix taking SUFFIX_SHARE of the room left, the prefix the rest. Without it, the canvas starts
    anywhere and holds up to MAX_EXTRA_PADS pads after the middle."""
    inp = np.full((batch, length), IGNORE, dtype=np.int64)
    tgt = np.full((batch, length), IGNORE, dtype=np.int64)
    max_middle, max_pads = min(MAX_MIDDLE, length // 4), min(MAX_EXTRA_PADS, length // 4)
    if canvas_sizes:
        max_middle = min(max(canvas_sizes), length // 2)
    kinds = ("rest_of_line", "lines", "span")
    for b in range(batch):
        span = 3 * length if canvas_sizes else 2 * length
        o = int(rng.integers(0, len(data) - span))
        raw = np.asarray(data[o:o + span], dtype=np.int64)
        kind = kinds[int(rng.integers(0, 3))]
        # engine layout: a whole prefix before the canvas (an <|endoftext|> in it marks a file start)
        start = length + int(rng.integers(0, length // 2)) if canvas_sizes else int(rng.integers(0, length - max_middle - max_pads))
        if kind == "lines":  # whole lines: begin right after a line break
            breaks = np.flatnonzero(is_newline[raw[start:start + 64]])
            if len(breaks):
                start += int(breaks[0]) + 1
        n_mid = min(_middle_length(raw, start, kind, is_newline, rng), max_middle)
        if canvas_sizes:
            n = min([c for c in canvas_sizes if c >= n_mid] or [n_mid])
            room = length - n
            prefix_len = room - int(room * SUFFIX_SHARE)
            # the document before the middle is raw[:start]; shorter than the engine's prefix near a file start
            raw_prefix = raw[max(0, start - prefix_len):start]
            suffix = raw[start + n_mid:start + n_mid + length - len(raw_prefix) - n]
            at = len(raw_prefix)
        else:
            n = max(1, n_mid + int(rng.integers(0, max_pads + 1)))
            start = min(start, length - n)  # the canvas stays inside the row (the suffix may be empty)
            raw_prefix, at = raw[:start], start
            suffix = raw[start + n_mid:start + n_mid + length - start - n]
        canvas = np.concatenate([raw[start:start + n_mid], np.full(n - n_mid, eom_id)])
        masked = rng.random(n) < rng.random()
        masked[rng.integers(0, n)] = True
        row = np.concatenate([raw_prefix, np.where(masked, mask_id, canvas), suffix])
        inp[b, :len(row)] = row
        tgt[b, at:at + n] = np.where(masked, canvas, IGNORE)
    return inp, tgt


def diffusion_batch(data, rng, batch, length, meta, is_newline, completion_share, canvas_sizes=None):
    """(plain MDLM rows, completion rows): each a pair of [b, T] tensors, or None when empty."""
    n_comp = int(round(batch * completion_share))
    parts = []
    if batch - n_comp:
        x0 = random_windows(data, rng, batch - n_comp, length)[:, :-1]
        parts.append(mask_rows(x0, rng, meta["mask_id"]))
    else:
        parts.append(None)
    if n_comp:
        parts.append(completion_rows(data, rng, n_comp, length, meta["mask_id"], meta["eom_id"], is_newline, canvas_sizes))
    else:
        parts.append(None)
    return [None if p is None else (torch.from_numpy(p[0]), torch.from_numpy(p[1])) for p in parts]
