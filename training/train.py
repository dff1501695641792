"""Train the BackPlay base model: left to right first, then adapted to masked diffusion.

    /usr/bin/python3 training/train.py --config training/configs/base.json [--set key=value ...]

Phase "ar" (the first `ar_fraction` of the budget): causal attention, next-token loss.
Phase "diff" (the rest): the SAME weights, bidirectional attention, masked-token loss; a share
`completion_share` of each batch is completion-shaped (see data.py), the rest plain MDLM; the two
losses are token means over their own rows, mixed with that share.
The budget is wall-clock minutes (`time_budget_min`) or tokens (`max_tokens`): progress in [0, 1]
drives the phase switch and the learning rate (warmup, then cosine, restarted at the switch).
`init_from` starts from a weights-only file (training/resume/*.fp16.pt) with a fresh optimizer.
Resumable: rerun the same command; checkpoints go to training/runs/NAME/ckpt.pt, the log to
training/runs/NAME/log.csv (one row per `log_every` steps, validation columns when evaluated).
"""
import argparse
import contextlib
import csv
import json
import math
import os
import time

import numpy as np
import torch
import torch.nn.functional as F

import data as D
import evaluate as E
from model import BackPlayLM, ModelConfig

HERE = os.path.dirname(os.path.abspath(__file__))
VAL_MASK_RATES = (0.15, 0.5, 0.85)
LOG_FIELDS = ["step", "tokens", "phase", "train_loss", "val_loss", "lr", "elapsed_s",
              "val_ar", "val_m15", "val_m50", "val_m85", "val_fim", "val_em", "val_es"]


def load_config(path, overrides=()):
    with open(path) as f:
        cfg = json.load(f)
    for item in overrides:
        key, value = item.split("=", 1)
        try:
            cfg[key] = json.loads(value)  # numbers, null, true/false, lists, quoted strings
        except json.JSONDecodeError:
            cfg[key] = value  # a bare string, e.g. a path
    return cfg


def resolve(path):
    return path if os.path.isabs(path) else os.path.join(HERE, "..", path)


def pick_device(cfg):
    if cfg.get("device", "auto") != "auto":
        return cfg["device"]
    return "cuda" if torch.cuda.is_available() else "cpu"


def autocast(device):
    # bf16 matmuls: AVX512-BF16 on these CPUs, tensor cores on GPUs; weights stay fp32.
    return torch.autocast(device_type="cuda" if device.startswith("cuda") else "cpu", dtype=torch.bfloat16)


def masked_ce(model, inp, tgt, device):
    with autocast(device):
        logits, _ = model(inp.to(device), causal=False)
    return F.cross_entropy(logits.float().flatten(0, 1), tgt.to(device).flatten(), ignore_index=D.IGNORE)


def causal_ce(model, inp, tgt, device):
    with autocast(device):
        logits, _ = model(inp.to(device), causal=True)
    return F.cross_entropy(logits.float().flatten(0, 1), tgt.to(device).flatten())


def progress_of(cfg, state):
    if cfg.get("time_budget_min"):
        return state["elapsed_s"] / (60.0 * cfg["time_budget_min"])
    return state["tokens"] / cfg["max_tokens"]


def learning_rate(cfg, phase, steps_in_phase, phase_progress):
    peak = cfg["lr_ar"] if phase == "ar" else cfg["lr_diff"]
    if steps_in_phase < cfg["warmup_steps"]:
        return peak * (steps_in_phase + 1) / cfg["warmup_steps"]
    floor = peak * cfg["min_lr_frac"]
    return floor + 0.5 * (peak - floor) * (1 + math.cos(math.pi * min(1.0, phase_progress)))


@torch.no_grad()
def evaluate(model, val, cfg, meta, is_newline, device):
    """Held-out losses on fixed windows with fixed masks: comparable across the whole run."""
    model.eval()
    rng = np.random.default_rng(1234)
    n, T = cfg["val_windows"], cfg["seq_len_diff"]
    starts = np.linspace(0, len(val) - T - 2, n).astype(np.int64)
    windows = np.stack([np.asarray(val[s:s + T + 1], dtype=np.int64) for s in starts])
    out = {}
    Ta = cfg["seq_len_ar"]
    out["val_ar"] = causal_ce(model, torch.from_numpy(windows[:, :Ta]), torch.from_numpy(windows[:, 1:Ta + 1]), device).item()
    for rate in VAL_MASK_RATES:
        inp, tgt = D.mask_rows(windows[:, :T], rng, meta["mask_id"], rates=np.full(n, rate))
        out[f"val_m{int(rate * 100)}"] = masked_ce(model, torch.from_numpy(inp), torch.from_numpy(tgt), device).item()
    inp, tgt = D.completion_rows(val, rng, n, T, meta["mask_id"], meta["eom_id"], is_newline, cfg.get("canvas_sizes"))
    out["val_fim"] = masked_ce(model, torch.from_numpy(inp), torch.from_numpy(tgt), device).item()
    if cfg.get("eval_tasks"):  # what the losses stand for: held-out completions at one token per step
        tasks = E.read_tasks(resolve(cfg["eval_tasks"]), cfg.get("eval_tasks_limit"))
        decoder = E.ByteLevelDecoder(resolve(cfg["tokenizer"]), skip_ids=(meta["mask_id"], meta["eom_id"], meta["eot_id"]))
        k1 = E.evaluate(model, meta, tasks, decoder, [1], device)["by_k"]["1"]
        out["val_em"], out["val_es"] = k1["exact_match"], k1["edit_similarity"]
    model.train()
    return out


def save_checkpoint(path, model, optimizer, cfg, meta, state, rng):
    tmp = path + ".tmp"
    torch.save({"model": model.state_dict(), "optimizer": optimizer.state_dict(), "config": cfg,
                "model_config": model.cfg.to_dict(), "meta": meta, "state": state,
                "rng": rng.bit_generator.state}, tmp)
    os.replace(tmp, path)  # atomic: a run killed mid-save keeps the previous checkpoint


def train(cfg):
    torch.set_num_threads(cfg.get("threads", 1))  # DESIGN.md: one thread is fastest on these CPUs
    torch.manual_seed(cfg["seed"])
    device = pick_device(cfg)
    run_dir = resolve(os.path.join(cfg.get("runs_dir", "training/runs"), cfg["name"]))
    os.makedirs(run_dir, exist_ok=True)
    data_dir = resolve(cfg["data_dir"])
    meta = D.load_meta(data_dir)
    train_data, val_data = D.load_tokens(data_dir, "train"), D.load_tokens(data_dir, "val")
    is_newline = D.newline_ids(resolve(cfg["tokenizer"]), meta["vocab_size"])

    mcfg = ModelConfig(vocab_size=meta["vocab_size"], **cfg["model"])
    model = BackPlayLM(mcfg).to(device)
    decay = [p for p in model.parameters() if p.dim() >= 2]
    no_decay = [p for p in model.parameters() if p.dim() < 2]
    optimizer = torch.optim.AdamW([{"params": decay, "weight_decay": cfg["weight_decay"]},
                                   {"params": no_decay, "weight_decay": 0.0}],
                                  lr=cfg["lr_ar"], betas=(0.9, 0.95))
    rng = np.random.default_rng(cfg["seed"])
    state = {"step": 0, "tokens": 0, "elapsed_s": 0.0, "phase": "ar", "phase_start_step": 0}
    ckpt_path = os.path.join(run_dir, "ckpt.pt")
    if os.path.exists(ckpt_path):
        ckpt = torch.load(ckpt_path, map_location=device)
        model.load_state_dict(ckpt["model"])
        optimizer.load_state_dict(ckpt["optimizer"])
        state = ckpt["state"]
        rng.bit_generator.state = ckpt["rng"]
        print(f"resumed {ckpt_path} at step {state['step']}, {state['tokens']} tokens", flush=True)
    elif cfg.get("init_from"):  # e.g. training/resume/backplay-base.fp16.pt: weights only, fresh optimizer
        weights = torch.load(resolve(cfg["init_from"]), map_location=device)["model"]
        model.load_state_dict({k: v.float() for k, v in weights.items()})
        print(f"initialized from {cfg['init_from']}", flush=True)
    step_fn = torch.compile(model) if cfg.get("compile") and hasattr(torch, "compile") else model
    with open(os.path.join(run_dir, "config.json"), "w") as f:
        json.dump({**cfg, "model": mcfg.to_dict(), "params": model.num_params()}, f, indent=2)
    print(f"{model.num_params():,} parameters on {device}", flush=True)

    log_path = os.path.join(run_dir, "log.csv")
    new_log = not os.path.exists(log_path)
    log_file = open(log_path, "a", newline="")
    log = csv.DictWriter(log_file, fieldnames=LOG_FIELDS)
    if new_log:
        log.writeheader()

    t_start, elapsed0 = time.time(), state["elapsed_s"]
    last_eval, last_ckpt = time.time(), time.time()
    losses, lr, at_start = [], 0.0, state["step"] == 0
    while True:
        state["elapsed_s"] = elapsed0 + time.time() - t_start
        progress = progress_of(cfg, state)
        done = progress >= 1.0 or state["step"] >= cfg.get("max_steps", float("inf"))
        phase = "ar" if progress < cfg["ar_fraction"] else "diff"
        evaluate_now = done or at_start or phase != state["phase"] or time.time() - last_eval >= cfg["eval_every_s"]
        if evaluate_now or (losses and state["step"] % cfg["log_every"] == 0):
            row = {"step": state["step"], "tokens": state["tokens"], "phase": state["phase"],
                   "train_loss": f"{np.mean(losses):.4f}" if losses else "", "lr": f"{lr:.3g}",
                   "elapsed_s": f"{state['elapsed_s']:.0f}"}
            losses, at_start = [], False
            if evaluate_now:
                vals = evaluate(model, val_data, cfg, meta, is_newline, device)
                last_eval = time.time()
                row.update({k: f"{v:.4f}" for k, v in vals.items()})
                masked = np.mean([vals[f"val_m{int(r * 100)}"] for r in VAL_MASK_RATES])
                row["val_loss"] = f"{vals['val_ar'] if state['phase'] == 'ar' else masked:.4f}"
            log.writerow(row)
            log_file.flush()
            print(" ".join(f"{k}={v}" for k, v in row.items() if v != ""), flush=True)
        if phase != state["phase"]:  # the switch to diffusion restarts the learning-rate schedule
            state.update(phase=phase, phase_start_step=state["step"])
        if done or time.time() - last_ckpt >= cfg["ckpt_every_s"]:
            save_checkpoint(ckpt_path, model, optimizer, cfg, meta, state, rng)
            last_ckpt = time.time()
        if done:
            break

        if phase == "ar":
            phase_progress = progress / max(cfg["ar_fraction"], 1e-9)
        else:
            phase_progress = (progress - cfg["ar_fraction"]) / max(1.0 - cfg["ar_fraction"], 1e-9)
        lr = learning_rate(cfg, phase, state["step"] - state["phase_start_step"], phase_progress)
        for group in optimizer.param_groups:
            group["lr"] = lr

        if phase == "ar":
            inp, tgt = D.causal_batch(train_data, rng, cfg["batch_ar"], cfg["seq_len_ar"])
            loss = causal_ce(step_fn, inp, tgt, device)
            state["tokens"] += inp.numel()
        else:
            plain, comp = D.diffusion_batch(train_data, rng, cfg["batch_diff"], cfg["seq_len_diff"], meta,
                                            is_newline, cfg["completion_share"], cfg.get("canvas_sizes"))
            parts = [(1 - cfg["completion_share"], plain), (cfg["completion_share"], comp)]
            loss = sum(w * masked_ce(step_fn, *p, device) for w, p in parts if p is not None)
            state["tokens"] += sum(p[0].numel() for _, p in parts if p is not None)
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), cfg["grad_clip"])
        optimizer.step()
        losses.append(loss.item())
        state["step"] += 1
    log_file.close()
    return run_dir


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--config", required=True)
    parser.add_argument("--set", nargs="*", default=[], help="override config keys: key=value (JSON values)")
    parser.add_argument("--plot", help="after training, draw the loss curves into this PNG")
    args = parser.parse_args()
    run_dir = train(load_config(args.config, args.set))
    if args.plot:
        from plot import plot_log
        plot_log(os.path.join(run_dir, "log.csv"), args.plot)


if __name__ == "__main__":
    main()
