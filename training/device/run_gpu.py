"""The GPU run, start to end, inside a fixed wall-clock deadline (training/device/run.sh calls it).

    python3 training/device/run_gpu.py --pack device_pack --out $OUT [--dry-run] [--deadline-s 570]
        [--config training/configs/gpu.json] [--init-from FILE] [--set key=value ...]

1. checks the GPU (fails unless CUDA is there, except with --dry-run);
2. unpacks the token files from the pack into a temp dir (the dry run keeps a small slice);
3. trains with training/train.py (the same loop as on the CPU) in a child process, its time budget
   set so that everything ends by the deadline; if the child fails before its first checkpoint
   with torch.compile on, trains again without compile;
4. every time train.py writes a checkpoint (ckpt_every_s), copies the weights as an fp16
   weights-only file (export.py's resume format) in pieces of at most 16 MiB into $OUT, so a run
   cut off by the device's limit still returns weights;
5. evaluates the final weights on the pre-tokenized held-out tasks (training/evaluate.py) while
   exporting int8 ONNX on the CPU beside it; the int8 file comes back when it fits in one piece;
6. writes summary.json and prints the eval table last.
$OUT holds at most 8 files: weights.fp16.pt.NN pieces, log.csv, summary.json, model.int8.onnx
(run.sh adds run.log).
"""
import argparse
import json
import lzma
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
TRAINING = os.path.dirname(HERE)
sys.path.insert(0, TRAINING)

PIECE_BYTES = 16 * 1024 * 1024  # the device returns files of at most 16 MiB
MAX_OUT_FILES = 8
FIXED_OUT_FILES = ("log.csv", "summary.json", "run.log")  # besides the weight pieces and the int8 model
DRY_RUN_TOKENS = 200_000  # uint16 ids kept per split in a dry run
EVAL_RESERVE_S = 100  # after training: final save, eval (its own budget below), export
EVAL_BUDGET_S = 60
STARTUP_MARGIN_S = 20  # train.py's imports, CUDA start and model build happen before its clock starts


def log(msg):
    print(f"[run_gpu {time.strftime('%H:%M:%S')}] {msg}", flush=True)


def check_device(dry_run):
    import torch
    cuda = torch.cuda.is_available()
    name = torch.cuda.get_device_name(0) if cuda else "none"
    info = {"torch": torch.__version__, "cuda": getattr(torch.version, "cuda", None), "cuda_available": cuda,
            "device_name": name, "compile_available": hasattr(torch, "compile")}
    log(f"device check: {json.dumps(info)}")
    if not cuda and not dry_run:
        raise SystemExit("no CUDA device: this script is for the GPU machine (use --dry-run on a CPU)")
    return info


def unpack_tokens(pack, dest, max_ids=None):
    """pack/{train,val}.bin.xz (or .gz) -> dest/{train,val}.bin, plus meta.json."""
    os.makedirs(dest, exist_ok=True)
    for split in ("train", "val"):
        src = next((os.path.join(pack, f"{split}.bin{ext}") for ext in (".xz", ".gz", "")
                    if os.path.exists(os.path.join(pack, f"{split}.bin{ext}"))), None)
        if src is None:
            raise SystemExit(f"no {split}.bin(.xz|.gz) in {pack}: run `node training/device/pack.mjs` first")
        if src.endswith(".xz"):
            opener = lzma.open
        elif src.endswith(".gz"):
            import gzip
            opener = gzip.open
        else:
            opener = open
        with opener(src, "rb") as fin, open(os.path.join(dest, f"{split}.bin"), "wb") as fout:
            if max_ids:
                fout.write(fin.read(2 * max_ids))
            else:
                shutil.copyfileobj(fin, fout, 16 * 1024 * 1024)
    shutil.copyfile(os.path.join(pack, "meta.json"), os.path.join(dest, "meta.json"))


def weights_blob(ckpt_path, dest):
    """ckpt.pt (weights, optimizer, state) -> fp16 weights-only file in export.py's resume format."""
    import torch
    # weights_only=False: PyTorch >= 2.6 defaults to True, and our own checkpoint holds numpy RNG state
    ckpt = torch.load(ckpt_path, map_location="cpu", weights_only=False)
    torch.save({"model": {k: v.half() for k, v in ckpt["model"].items()}, "model_config": ckpt["model_config"],
                "meta": ckpt["meta"], "config": ckpt["config"], "state": ckpt["state"]}, dest)
    return ckpt["state"]


def write_pieces(path, out_dir, prefix="weights.fp16.pt"):
    """Split a file into <= 16 MiB pieces NAME.00, NAME.01, ...; each written beside and renamed, so
    a run cut off mid-write leaves the previous complete piece in place. Stale pieces are removed."""
    with open(path, "rb") as f:
        blob = f.read()
    names = []
    for i in range(0, max(1, len(blob)), PIECE_BYTES):
        name = f"{prefix}.{i // PIECE_BYTES:02d}"
        tmp = os.path.join(out_dir, name + ".tmp")
        with open(tmp, "wb") as f:
            f.write(blob[i:i + PIECE_BYTES])
        os.replace(tmp, os.path.join(out_dir, name))
        names.append(name)
    for old in os.listdir(out_dir):
        if old.startswith(prefix + ".") and old not in names:
            os.remove(os.path.join(out_dir, old))
    return names


class Snapshotter(threading.Thread):
    """Copies the latest checkpoint's weights into $OUT whenever train.py writes a new one."""

    def __init__(self, ckpt_path, work, out_dir, run_dir):
        super().__init__(daemon=True)
        self.ckpt_path, self.work, self.out_dir, self.run_dir = ckpt_path, work, out_dir, run_dir
        self.stop = threading.Event()
        self.seen = None
        self.snapshots = 0

    def snapshot(self):
        if not os.path.exists(self.ckpt_path):
            return
        mtime = os.path.getmtime(self.ckpt_path)
        if mtime == self.seen:
            return
        blob = os.path.join(self.work, "snapshot.fp16.pt")
        state = weights_blob(self.ckpt_path, blob)
        write_pieces(blob, self.out_dir)
        log_csv = os.path.join(self.run_dir, "log.csv")
        if os.path.exists(log_csv):
            shutil.copyfile(log_csv, os.path.join(self.out_dir, "log.csv"))
        self.seen = mtime
        self.snapshots += 1
        log(f"weights snapshot {self.snapshots}: step {state['step']}, {state['tokens']:,} tokens")

    def run(self):
        while not self.stop.wait(5):
            try:
                self.snapshot()
            except Exception as e:  # a checkpoint replaced while reading: take the next one
                log(f"snapshot skipped: {e!r}")


def train(cfg_path, overrides, timeout_s):
    """train.py in a child process; killed at timeout_s (a hang must not eat the eval's time: the
    last checkpoint is then the result)."""
    cmd = [sys.executable, os.path.join(TRAINING, "train.py"), "--config", cfg_path, "--set", *overrides]
    log("train: " + " ".join(cmd))
    child = subprocess.Popen(cmd)
    try:
        return child.wait(timeout=timeout_s)
    except subprocess.TimeoutExpired:
        child.kill()
        child.wait()
        log(f"train.py killed after {timeout_s:.0f} s")
        return "killed"


def start_export(weights, dest, log_path):
    """int8 ONNX on the CPU while the GPU evaluates. PyTorch 2.9+ defaults torch.onnx.export to the
    dynamo exporter, whose graph quantize.py was not written for: ask for the TorchScript one."""
    code = (
        "import inspect, functools, sys, torch\n"
        "torch.set_num_threads(2)\n"  # leave the other cores to the eval's Python beside it
        "if 'dynamo' in inspect.signature(torch.onnx.export).parameters:\n"
        "    torch.onnx.export = functools.partial(torch.onnx.export, dynamo=False)\n"
        f"sys.path.insert(0, {TRAINING!r})\n"
        "import export\n"
        f"export.export({weights!r}, {dest!r}, None, int8=True)\n"
    )
    return subprocess.Popen([sys.executable, "-c", code], stdout=open(log_path, "w"), stderr=subprocess.STDOUT)


def run_eval(weights, pack, tasks, budget_s):
    import evaluate as E
    import torch
    device = "cuda" if torch.cuda.is_available() else "cpu"
    model, ckpt = E.load_model(weights, device)
    meta = ckpt["meta"]
    decoder = E.ByteLevelDecoder(os.path.join(pack, "tokenizer.json"), (meta["mask_id"], meta["eom_id"], meta["eot_id"]))
    return E.evaluate(model, meta, E.read_tasks(tasks), decoder, (1, 2, 4, 8), device, time_budget_s=budget_s)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--pack", default="device_pack")
    parser.add_argument("--out", required=True)
    parser.add_argument("--config")
    parser.add_argument("--dry-run", action="store_true")
    parser.add_argument("--deadline-s", type=float, default=570, help="the whole run ends within this many seconds")
    parser.add_argument("--init-from", help="weights-only file to start from (default: from scratch)")
    parser.add_argument("--set", nargs="*", default=[], help="config overrides, as train.py --set")
    parser.add_argument("--work", help="work dir (default: a new temp dir)")
    args = parser.parse_args()
    t0 = time.time()
    os.makedirs(args.out, exist_ok=True)
    config = args.config or os.path.join(TRAINING, "configs", "gpu-dryrun.json" if args.dry_run else "gpu.json")
    device_info = check_device(args.dry_run)

    import train as T  # after the device check: a missing GPU fails before anything else
    work = args.work or tempfile.mkdtemp(prefix="backplay-gpu-")
    tokens = os.path.join(work, "tokens")
    unpack_tokens(args.pack, tokens, DRY_RUN_TOKENS if args.dry_run else None)
    log(f"tokens unpacked to {tokens} in {time.time() - t0:.1f} s")

    cfg = T.load_config(config, args.set)
    cfg.update(data_dir=tokens, runs_dir=os.path.join(work, "runs"), tokenizer=os.path.join(args.pack, "tokenizer.json"))
    if args.init_from:
        cfg["init_from"] = os.path.abspath(args.init_from)
    if not args.dry_run:  # the training clock gets what the deadline leaves after eval and export
        budget_s = args.deadline_s - (time.time() - t0) - EVAL_RESERVE_S - STARTUP_MARGIN_S
        cfg["time_budget_min"] = round(budget_s / 60.0, 3)
        cfg.pop("max_tokens", None)
    run_dir = os.path.join(cfg["runs_dir"], cfg["name"])
    ckpt_path = os.path.join(run_dir, "ckpt.pt")
    cfg_path = os.path.join(work, "config.json")
    with open(cfg_path, "w") as f:
        json.dump(cfg, f, indent=1)
    log(f"config {config}: {json.dumps(cfg)}")

    snap = Snapshotter(ckpt_path, work, args.out, run_dir)
    snap.start()
    t_train = time.time()
    def train_timeout():  # the hard stop: its budget plus the slack the startup margin gives
        return args.deadline_s - (time.time() - t0) - EVAL_RESERVE_S + STARTUP_MARGIN_S / 2

    rc = train(cfg_path, [], train_timeout())
    if rc != 0 and cfg.get("compile") and not os.path.exists(ckpt_path):
        log(f"train.py failed (exit {rc}) with compile on, before any checkpoint: again without compile")
        left_s = args.deadline_s - (time.time() - t0) - EVAL_RESERVE_S - STARTUP_MARGIN_S
        rc = train(cfg_path, ["compile=false"] + ([] if args.dry_run else [f"time_budget_min={left_s / 60.0:.3f}"]),
                   train_timeout())
    train_s = time.time() - t_train
    snap.stop.set()
    snap.join()
    if not os.path.exists(ckpt_path):
        raise SystemExit(f"train.py exited {rc} without a checkpoint")
    final = os.path.join(work, "final.fp16.pt")
    state = weights_blob(ckpt_path, final)
    pieces = write_pieces(final, args.out)
    shutil.copyfile(os.path.join(run_dir, "log.csv"), os.path.join(args.out, "log.csv"))
    log(f"training exit {rc} after {train_s:.0f} s: step {state['step']}, {state['tokens']:,} tokens; weights in {pieces}")

    export_dir = os.path.join(work, "export")
    exporter = start_export(final, export_dir, os.path.join(work, "export.log"))
    tasks = os.path.join(args.pack, "tasks.ids.jsonl")
    eval_result = None
    if os.path.exists(tasks):
        try:  # the weights are already in $OUT: a failing eval must not lose the summary
            eval_result = run_eval(final, args.pack, tasks, EVAL_BUDGET_S if not args.dry_run else 15)
        except Exception as e:
            log(f"eval failed: {e!r}")
    else:
        log(f"no {tasks}: no held-out eval")

    try:
        export_rc = exporter.wait(timeout=max(5, args.deadline_s - (time.time() - t0) - 10))
    except subprocess.TimeoutExpired:
        exporter.kill()
        export_rc = "timeout"
    int8 = os.path.join(export_dir, "model.int8.onnx")
    int8_back = False
    room = MAX_OUT_FILES - len(pieces) - len(FIXED_OUT_FILES)
    if export_rc == 0 and os.path.exists(int8) and os.path.getsize(int8) <= PIECE_BYTES and room >= 1:
        shutil.copyfile(int8, os.path.join(args.out, "model.int8.onnx"))
        int8_back = True
    else:
        with open(os.path.join(work, "export.log")) as f:
            log(f"int8 export not returned (exit {export_rc}): {f.read()[-1500:]}")

    log_rows = list(__import__("csv").DictReader(open(os.path.join(run_dir, "log.csv"))))
    last_val = next((r for r in reversed(log_rows) if r.get("val_loss")), {})
    meta_tokens = json.load(open(os.path.join(tokens, "meta.json")))
    summary = {
        "device": device_info, "config": cfg, "train_exit": rc, "train_seconds": round(train_s, 1),
        "steps": state["step"], "tokens": state["tokens"],
        "epochs": round(state["tokens"] / max(1, meta_tokens.get("train_tokens", 1)), 2),
        "final_val": {k: v for k, v in last_val.items() if v != ""}, "weights_pieces": pieces,
        "int8_returned": int8_back, "eval": eval_result, "total_seconds": round(time.time() - t0, 1),
    }
    with open(os.path.join(args.out, "summary.json"), "w") as f:
        json.dump(summary, f, indent=1)
    if not args.work:
        shutil.rmtree(work, ignore_errors=True)
    log(f"done in {summary['total_seconds']} s; $OUT: {sorted(os.listdir(args.out))}")
    print(f"trained {summary['steps']} steps, {summary['tokens']:,} tokens ({summary['epochs']} epochs) in "
          f"{summary['train_seconds']} s; final val: {summary['final_val'].get('val_loss', '?')}")
    if eval_result:
        import evaluate as E
        print(E.table(eval_result), flush=True)
    else:
        print("| k | tasks | exact match | edit similarity | steps |\n|---|---|---|---|---|\n(no held-out tasks in the pack)")


if __name__ == "__main__":
    main()
