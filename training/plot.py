"""Draw a run's log.csv as a PNG: training loss per phase and the held-out losses.

    /usr/bin/python3 training/plot.py training/runs/NAME/log.csv docs/training/loss.png
    /usr/bin/python3 training/plot.py training/runs/NAME/log.csv --table   # held-out rows as Markdown
"""
import csv
import sys

import matplotlib

matplotlib.use("Agg")  # no display on the training machines
import matplotlib.pyplot as plt

SERIES = {"val_ar": "val next-token CE (causal)", "val_m15": "val masked CE, 15% masked",
          "val_m50": "val masked CE, 50% masked", "val_m85": "val masked CE, 85% masked",
          "val_fim": "val completion-shaped CE (middle + eom)"}


def plot_log(log_path, png_path):
    with open(log_path) as f:
        rows = list(csv.DictReader(f))
    tokens = lambda rs: [int(r["tokens"]) / 1e6 for r in rs]
    fig, ax = plt.subplots(figsize=(9, 5.5))
    for phase, style in (("ar", "C7"), ("diff", "C8")):
        rs = [r for r in rows if r["phase"] == phase and r["train_loss"]]
        if rs:
            ax.plot(tokens(rs), [float(r["train_loss"]) for r in rs], style, alpha=0.5, lw=0.8,
                    label=f"train loss, phase {phase}")
    for i, (key, label) in enumerate(SERIES.items()):
        rs = [r for r in rows if r.get(key)]
        if rs:
            ax.plot(tokens(rs), [float(r[key]) for r in rs], f"C{i}", marker=".", label=label)
    switch = next((r for r in rows if r["phase"] == "diff"), None)
    if switch:
        ax.axvline(int(switch["tokens"]) / 1e6, color="k", ls=":", lw=1, label="switch to masked diffusion")
    ax.set_xlabel("training tokens (millions)")
    ax.set_ylabel("cross-entropy (nats/token)")
    ax.set_title(f"BackPlay base model: {log_path}")
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(png_path, dpi=110)


def table(log_path):
    with open(log_path) as f:
        rows = [r for r in csv.DictReader(f) if r["val_loss"]]
    keys = ["step", "tokens", "phase", "elapsed_s"] + list(SERIES)
    print("| " + " | ".join(keys) + " |")
    print("|" + "---|" * len(keys))
    for r in rows:
        print("| " + " | ".join(r[k] for k in keys) + " |")


if __name__ == "__main__":
    if sys.argv[2] == "--table":
        table(sys.argv[1])
    else:
        plot_log(sys.argv[1], sys.argv[2])
