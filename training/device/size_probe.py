"""Exports randomly initialized models of several sizes (fp32 and int8 ONNX), to time candidate sizes
for the GPU run on these 2-core CPUs before spending GPU time on them (the weights' values do not
change the forward pass's cost).

    /usr/bin/python3 training/device/size_probe.py --out out/size-probe [--sizes 256x4 384x6 512x8]
    npm run build && npx tsc -p . && for m in out/size-probe/*/model.int8.onnx; do node out/bench/forward.js $m --seq 512; done
"""
import argparse
import os
import sys
import tempfile

import torch

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(HERE))
import export as E  # noqa: E402
from model import BackPlayLM, ModelConfig  # noqa: E402

META = {"vocab_size": 4096, "eot_id": 0, "mask_id": 1, "eom_id": 2}


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", required=True)
    parser.add_argument("--sizes", nargs="+", default=["256x4", "384x6", "512x8"], help="D_MODELxLAYERS, head size 64")
    args = parser.parse_args()
    torch.set_num_threads(1)
    torch.manual_seed(0)
    for size in args.sizes:
        d, layers = (int(x) for x in size.split("x"))
        model = BackPlayLM(ModelConfig(vocab_size=META["vocab_size"], max_seq_len=512, n_layer=layers, n_head=d // 64, d_model=d))
        with tempfile.TemporaryDirectory() as tmp:
            weights = os.path.join(tmp, "w.pt")
            torch.save({"model": model.state_dict(), "model_config": model.cfg.to_dict(), "meta": META}, weights)
            E.export(weights, os.path.join(args.out, f"d{d}-l{layers}"), None, name=f"probe-d{d}-l{layers}", int8=True)
        print(f"d{d}-l{layers}: {model.num_params():,} parameters", flush=True)


if __name__ == "__main__":
    main()
