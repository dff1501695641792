"""Turns what the GPU run returned into a resume file and a model directory, here on the CPU.

    /usr/bin/python3 training/device/unpack.py FILES_DIR [--resume-out training/resume/backplay-base.fp16.pt]
        [--model-dir models/backplay-base] [--name backplay-base] [--version 0.2.0] [--variant NAME] [--no-export]

FILES_DIR: the folder the device tool put $OUT's files in (weights.fp16.pt.00, .01, ..., log.csv,
summary.json, run.log, model.int8.onnx). The pieces are joined into the weights-only fp16 file that
export.py and train.py's `init_from` read; it is loaded once to prove it is whole. Then export.py
writes model.onnx (fp32) and model.int8.onnx with this machine's torch (its exporter is the one the
engine's parity tests were written against), config.json and tokenizer.json into --model-dir; a
head.onnx already there is left alone. log.csv, summary.json and run.log are kept in
training/runs/NAME-gpu/ (ignored by git) for the model card.
"""
import argparse
import glob
import json
import os
import shutil
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
TRAINING = os.path.dirname(HERE)
ROOT = os.path.dirname(TRAINING)
sys.path.insert(0, TRAINING)


def join_pieces(files_dir, dest, prefix="weights.fp16.pt"):
    pieces = sorted(glob.glob(os.path.join(files_dir, f"{prefix}.[0-9][0-9]")))
    if not pieces:
        raise SystemExit(f"no {prefix}.NN pieces in {files_dir}")
    os.makedirs(os.path.dirname(os.path.abspath(dest)), exist_ok=True)
    tmp = dest + ".tmp"
    with open(tmp, "wb") as out:
        for piece in pieces:
            with open(piece, "rb") as f:
                shutil.copyfileobj(f, out)
    import torch
    blob = torch.load(tmp, map_location="cpu", weights_only=False)  # a missing or cut piece fails here, not later
    for key in ("model", "model_config", "meta"):
        if key not in blob:
            raise SystemExit(f"joined weights lack '{key}': not a weights file from run_gpu.py")
    os.replace(tmp, dest)
    return [os.path.basename(p) for p in pieces], blob.get("state", {})


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("files_dir")
    parser.add_argument("--resume-out", default=os.path.join(TRAINING, "resume", "backplay-base.fp16.pt"))
    parser.add_argument("--model-dir", default=os.path.join(ROOT, "models", "backplay-base"))
    parser.add_argument("--tokenizer", default=os.path.join(TRAINING, "tokenizer", "tokenizer.json"))
    parser.add_argument("--name", default="backplay-base")
    parser.add_argument("--version", default="0.2.0")
    parser.add_argument("--runs-dir", default=os.path.join(TRAINING, "runs"), help="log.csv, summary.json, run.log go to RUNS_DIR/NAME-gpu/")
    parser.add_argument("--variant", help="take the weights of this --variant of the run instead of the main run's")
    parser.add_argument("--no-export", action="store_true")
    args = parser.parse_args()
    import torch
    torch.set_num_threads(1)

    prefix = f"{args.variant}.weights.fp16.pt" if args.variant else "weights.fp16.pt"
    pieces, state = join_pieces(args.files_dir, args.resume_out, prefix)
    print(f"joined {pieces} -> {args.resume_out} (step {state.get('step')}, {state.get('tokens')} tokens)")
    keep = os.path.join(args.runs_dir, f"{args.name}-gpu")
    os.makedirs(keep, exist_ok=True)
    for name in (f"{args.variant}.log.csv" if args.variant else "log.csv", "summary.json", "run.log"):
        if os.path.exists(os.path.join(args.files_dir, name)):
            shutil.copyfile(os.path.join(args.files_dir, name), os.path.join(keep, name))
    print(f"run log and summary kept in {keep}")
    if args.no_export:
        return
    import export as E
    config = E.export(args.resume_out, args.model_dir, args.tokenizer, args.name, args.version, int8=True)
    print(json.dumps({"model_dir": os.path.abspath(args.model_dir), "files": sorted(os.listdir(args.model_dir)),
                      "parameters": config["parameters"], "tokens_seen": config["tokens_seen"]}))


if __name__ == "__main__":
    main()
