"""The GPU run, start to end, inside a fixed wall-clock deadline (training/device/run.sh calls it).

    python3 training/device/run_gpu.py --pack device_pack --out $OUT [--dry-run] [--deadline-s 570]
        [--config training/configs/gpu.json] [--init-from FILE] [--set key=value ...]
        [--variant 'NAME:key=value ...' (up to 2)] [--work DIR]

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
--variant NAME:key=value ... (at most 2) trains a variant of the config beside the main run, on
the same GPU, data and deadline (a 4.2M-parameter model leaves an H200 mostly idle, so one lease
can compare, say, from scratch against init_from); each returns NAME.weights.fp16.pt.NN and
NAME.log.csv, its numbers go into summary.json's "variants", and model.int8.onnx is dropped when
the 8 files would not hold it.
"""
import argparse
import csv
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

    def __init__(self, run, work, out_dir):
        super().__init__(daemon=True)
        self.run_, self.work, self.out_dir = run, work, out_dir
        self.ckpt_path, self.run_dir = run.ckpt_path, run.run_dir
        self.stop = threading.Event()
        self.seen = None
        self.snapshots = 0

    def snapshot(self):
        if not os.path.exists(self.ckpt_path):
            return
        mtime = os.path.getmtime(self.ckpt_path)
        if mtime == self.seen:
            return
        blob = os.path.join(self.work, f"snapshot{self.run_.label}.fp16.pt")
        state = weights_blob(self.ckpt_path, blob)
        write_pieces(blob, self.out_dir, self.run_.pieces_prefix)
        log_csv = os.path.join(self.run_dir, "log.csv")
        if os.path.exists(log_csv):
            shutil.copyfile(log_csv, os.path.join(self.out_dir, self.run_.log_name))
        self.seen = mtime
        self.snapshots += 1
        log(f"weights snapshot {self.snapshots}{self.run_.label}: step {state['step']}, {state['tokens']:,} tokens")

    def run(self):
        while not self.stop.wait(5):
            try:
                self.snapshot()
            except Exception as e:  # a checkpoint replaced while reading: take the next one
                log(f"snapshot skipped: {e!r}")


class Run:
    """One training run: the main one (name "") or a variant trained beside it on the same GPU
    (--variant NAME:key=value ...), which returns NAME.weights.fp16.pt.NN and NAME.log.csv."""

    def __init__(self, name, cfg, work):
        self.name, self.cfg = name, cfg
        self.label = f" [{name}]" if name else ""
        self.pieces_prefix = f"{name}.weights.fp16.pt" if name else "weights.fp16.pt"
        self.log_name = f"{name}.log.csv" if name else "log.csv"
        self.run_dir = os.path.join(cfg["runs_dir"], cfg["name"])
        self.ckpt_path = os.path.join(self.run_dir, "ckpt.pt")
        self.cfg_path = os.path.join(work, f"config{'-' + name if name else ''}.json")
        self.stdout = None if not name else os.path.join(work, f"{name}.stdout.log")
        with open(self.cfg_path, "w") as f:
            json.dump(cfg, f, indent=1)

    def start(self, overrides=()):
        """train.py in a child process; a variant's output goes to a file, the main run's to ours."""
        cmd = [sys.executable, os.path.join(TRAINING, "train.py"), "--config", self.cfg_path, "--set", *overrides]
        log(f"train{self.label}: " + " ".join(cmd))
        out = open(self.stdout, "a") if self.stdout else None
        return subprocess.Popen(cmd, stdout=out, stderr=subprocess.STDOUT if out else None)


def wait_all(children, runs, stop_at):
    """Exit codes; a child still running at stop_at is killed (a hang must not eat the eval's time:
    the last checkpoint is then the result)."""
    codes = []
    for child, run in zip(children, runs):
        try:
            codes.append(child.wait(timeout=max(1.0, stop_at - time.time())))
        except subprocess.TimeoutExpired:
            child.kill()
            child.wait()
            log(f"train.py{run.label} killed at the deadline")
            codes.append("killed")
    return codes


def parse_variant(text):
    """'NAME:key=value key=value' -> (NAME, [overrides]); NAME in letters, digits, '_' and '-'."""
    name, _, rest = text.partition(":")
    if not name or not all(c.isalnum() or c in "_-" for c in name):
        raise SystemExit(f"--variant {text!r}: want NAME:key=value ... with NAME in letters, digits, _ and -")
    return name, rest.split()  # values as train.py --set takes them: strings JSON-quoted, '"path"'


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


def cfg_path_tmp(work, cfg):
    """The main run's config as a file, for variants to override (train.py's load_config reads files)."""
    path = os.path.join(work, "base-config.json")
    with open(path, "w") as f:
        json.dump(cfg, f)
    return path


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
    parser.add_argument("--preflight", action="store_true",
                        help="the dry run's tiny config and data slice, but on CUDA: every GPU code path in about a minute")
    parser.add_argument("--deadline-s", type=float, default=570, help="the whole run ends within this many seconds")
    parser.add_argument("--init-from", help="weights-only file to start from (default: from scratch)")
    parser.add_argument("--set", nargs="*", default=[], help="config overrides, as train.py --set")
    parser.add_argument("--variant", action="append", default=[],
                        help="'NAME:key=value ...': also train this variant of the config beside the main run, on the "
                             "same GPU and deadline (e.g. 'ft:init_from=\"training/resume/backplay-base.fp16.pt\" ar_fraction=0.1'); "
                             "at most 2, as $OUT holds 8 files")
    parser.add_argument("--work", help="work dir (default: a new temp dir)")
    args = parser.parse_args()
    t0 = time.time()
    os.makedirs(args.out, exist_ok=True)
    small = args.dry_run or args.preflight  # the tiny config, a slice of the data, no deadline budget
    config = args.config or os.path.join(TRAINING, "configs", "gpu-dryrun.json" if small else "gpu.json")
    device_info = check_device(args.dry_run)

    import train as T  # after the device check: a missing GPU fails before anything else
    work = args.work or tempfile.mkdtemp(prefix="backplay-gpu-")
    tokens = os.path.join(work, "tokens")
    unpack_tokens(args.pack, tokens, DRY_RUN_TOKENS if small else None)
    log(f"tokens unpacked to {tokens} in {time.time() - t0:.1f} s")

    cfg = T.load_config(config, args.set)
    cfg.update(data_dir=tokens, runs_dir=os.path.join(work, "runs"), tokenizer=os.path.join(args.pack, "tokenizer.json"))
    if args.init_from:
        cfg["init_from"] = os.path.abspath(args.init_from)
    if args.preflight:
        cfg["device"] = "cuda"
    if not small:  # the training clock gets what the deadline leaves after eval and export
        budget_s = args.deadline_s - (time.time() - t0) - EVAL_RESERVE_S - STARTUP_MARGIN_S
        cfg["time_budget_min"] = round(budget_s / 60.0, 3)
        cfg.pop("max_tokens", None)
    variants = [parse_variant(v) for v in args.variant]
    if len(variants) > 2:
        raise SystemExit("at most 2 variants: $OUT returns 8 files")
    runs = [Run("", cfg, work)]
    for name, overrides in variants:
        vcfg = T.load_config(cfg_path_tmp(work, cfg), overrides)
        vcfg["name"] = f"{cfg['name']}-{name}"
        if vcfg.get("init_from"):
            vcfg["init_from"] = os.path.abspath(vcfg["init_from"])
        runs.append(Run(name, vcfg, work))
    for run in runs:
        log(f"config{run.label} {config}: {json.dumps(run.cfg)}")

    snaps = [Snapshotter(run, work, args.out) for run in runs]
    for snap in snaps:
        snap.start()
    t_train = time.time()
    # the hard stop for training: its budget plus the slack the startup margin gives
    stop_at = t0 + args.deadline_s - EVAL_RESERVE_S + STARTUP_MARGIN_S / 2
    codes = wait_all([run.start() for run in runs], runs, stop_at)
    retry = [i for i, (run, rc) in enumerate(zip(runs, codes))
             if rc != 0 and run.cfg.get("compile") and not os.path.exists(run.ckpt_path)]
    if retry:
        left_s = args.deadline_s - (time.time() - t0) - EVAL_RESERVE_S - STARTUP_MARGIN_S
        again = ["compile=false"] + ([] if small else [f"time_budget_min={left_s / 60.0:.3f}"])
        for i in retry:
            log(f"train.py{runs[i].label} failed (exit {codes[i]}) with compile on, before any checkpoint: again without compile")
        for i, rc in zip(retry, wait_all([runs[i].start(again) for i in retry], [runs[i] for i in retry], stop_at)):
            codes[i] = rc
    train_s = time.time() - t_train
    for run, rc in zip(runs, codes):
        if rc != 0 and run.stdout and os.path.exists(run.stdout):  # its output is in the work dir, which goes
            with open(run.stdout) as f:
                log(f"train.py{run.label} exit {rc}; its last output:\n{f.read()[-2000:]}")
    for snap in snaps:
        snap.stop.set()
        snap.join()
    main_run = runs[0]
    if not os.path.exists(main_run.ckpt_path):
        raise SystemExit(f"train.py exited {codes[0]} without a checkpoint")

    results = []
    for run, rc in zip(runs, codes):
        if not os.path.exists(run.ckpt_path):
            log(f"train.py{run.label} exited {rc} without a checkpoint")
            results.append(None)
            continue
        final = os.path.join(work, f"final{'-' + run.name if run.name else ''}.fp16.pt")
        state = weights_blob(run.ckpt_path, final)
        pieces = write_pieces(final, args.out, run.pieces_prefix)
        shutil.copyfile(os.path.join(run.run_dir, "log.csv"), os.path.join(args.out, run.log_name))
        log(f"training{run.label} exit {rc} after {train_s:.0f} s: step {state['step']}, {state['tokens']:,} tokens; weights in {pieces}")
        results.append({"final": final, "state": state, "pieces": pieces, "train_exit": rc})
        if run is main_run:
            exporter = start_export(final, os.path.join(work, "export"), os.path.join(work, "export.log"))

    tasks = os.path.join(args.pack, "tasks.ids.jsonl")
    for run, res in zip(runs, results):
        res_eval = None
        if res and os.path.exists(tasks):
            try:  # the weights are already in $OUT: a failing eval must not lose the summary
                budget = (EVAL_BUDGET_S if not small else 15) / len(runs)
                res_eval = run_eval(res["final"], args.pack, tasks, budget)
            except Exception as e:
                log(f"eval{run.label} failed: {e!r}")
        elif not os.path.exists(tasks):
            log(f"no {tasks}: no held-out eval")
        if res:
            res["eval"] = res_eval
    rc, export_dir = codes[0], os.path.join(work, "export")

    try:
        export_rc = exporter.wait(timeout=max(5, args.deadline_s - (time.time() - t0) - 10))
    except subprocess.TimeoutExpired:
        exporter.kill()
        export_rc = "timeout"
    int8 = os.path.join(export_dir, "model.int8.onnx")
    int8_back = False
    files_used = sum(len(r["pieces"]) + 1 for r in results if r) + len(FIXED_OUT_FILES) - 1  # pieces + log each
    if export_rc == 0 and os.path.exists(int8) and os.path.getsize(int8) <= PIECE_BYTES and files_used < MAX_OUT_FILES:
        shutil.copyfile(int8, os.path.join(args.out, "model.int8.onnx"))
        int8_back = True
    else:
        with open(os.path.join(work, "export.log")) as f:
            log(f"int8 export not returned (exit {export_rc}, {files_used} files in $OUT): {f.read()[-1500:]}")

    meta_tokens = json.load(open(os.path.join(tokens, "meta.json")))

    def describe(run, res, rc):
        log_rows = list(csv.DictReader(open(os.path.join(run.run_dir, "log.csv"))))
        last_val = next((r for r in reversed(log_rows) if r.get("val_loss")), {})
        return {"config": run.cfg, "train_exit": rc, "steps": res["state"]["step"], "tokens": res["state"]["tokens"],
                "epochs": round(res["state"]["tokens"] / max(1, meta_tokens.get("train_tokens", 1)), 2),
                "final_val": {k: v for k, v in last_val.items() if v != ""}, "weights_pieces": res["pieces"],
                "eval": res["eval"]}

    summary = {"device": device_info, **describe(main_run, results[0], rc), "train_seconds": round(train_s, 1),
               "int8_returned": int8_back,
               "variants": {run.name: (describe(run, res, code) if res else {"config": run.cfg, "train_exit": code})
                            for run, res, code in zip(runs[1:], results[1:], codes[1:])}}
    summary["total_seconds"] = round(time.time() - t0, 1)
    with open(os.path.join(args.out, "summary.json"), "w") as f:
        json.dump(summary, f, indent=1)
    if not args.work:
        shutil.rmtree(work, ignore_errors=True)
    log(f"done in {summary['total_seconds']} s; $OUT: {sorted(os.listdir(args.out))}")
    import evaluate as E
    for name, v in list(summary["variants"].items()) + [("", summary)]:  # the main run's table last
        label = f"variant {name}" if name else "main run"
        if "steps" not in v:
            print(f"{label}: no checkpoint (train.py exit {v['train_exit']})")
            continue
        print(f"{label}: trained {v['steps']} steps, {v['tokens']:,} tokens ({v['epochs']} epochs) in "
              f"{summary['train_seconds']} s; final val: {v['final_val'].get('val_loss', '?')}")
        if v["eval"]:
            print(E.table(v["eval"]), flush=True)
        else:
            print("| k | tasks | exact match | edit similarity | steps |\n|---|---|---|---|---|\n(no eval: no held-out tasks in the pack, or it failed)")

if __name__ == "__main__":
    main()
