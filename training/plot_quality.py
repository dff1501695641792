"""Completion quality against training compute: one point per evaluated model, as CSV and PNG.

    /usr/bin/python3 training/plot_quality.py OUT.csv OUT.png --point MINUTES LABEL EVAL.json [--point ...] [--keep OLD.csv]

MINUTES: the model's cumulative training time on one CPU core (all its runs together).
EVAL.json: what `node dist/cli.js eval ... --json` printed for that model (the engine's eval, the
reference for shipped figures). --keep OLD.csv keeps the points of an earlier run of this script
(e.g. --keep docs/training/quality.csv to add a model to the committed curve). Plotted: exact match and edit similarity on the line kinds (the
`one_line` group, where the acceptance targets are set), with the targets as dashed lines.
"""
import argparse
import csv
import json

import matplotlib

matplotlib.use("Agg")  # no display on the training machines
import matplotlib.pyplot as plt

TARGETS = {"exact_match": 0.15, "edit_similarity": 0.55}  # issue 2's acceptance on the line kinds


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("csv_out")
    parser.add_argument("png_out")
    parser.add_argument("--point", nargs=3, action="append", required=True, metavar=("MINUTES", "LABEL", "EVAL_JSON"))
    parser.add_argument("--keep", help="a CSV this script wrote earlier: its points stay on the curve")
    args = parser.parse_args()

    rows = []
    if args.keep:
        with open(args.keep, newline="") as f:
            numeric = {"core_minutes", "line_exact_match", "line_edit_similarity", "all_exact_match", "all_edit_similarity"}
            for row in csv.DictReader(f):
                rows.append({k: float(v) if k in numeric else v for k, v in row.items()})
    for minutes, label, path in args.point:
        with open(path) as f:
            summary = json.load(f)
        line = summary["one_line"]
        rows.append({"core_minutes": float(minutes), "model": label, "tasks": line["tasks"],
                     "line_exact_match": line["exact_match"], "line_edit_similarity": line["edit_similarity"],
                     "all_exact_match": summary["exact_match"], "all_edit_similarity": summary["edit_similarity"],
                     "sampler": summary["sampler"], "tokens_per_step": summary["tokens_per_step"]})
    rows.sort(key=lambda r: r["core_minutes"])
    with open(args.csv_out, "w", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)

    hours = [r["core_minutes"] / 60 for r in rows]
    fig, ax = plt.subplots(figsize=(8, 5))
    for key, color in (("exact_match", "C0"), ("edit_similarity", "C1")):
        ax.plot(hours, [r[f"line_{key}"] for r in rows], "o-", color=color, label=f"line kinds: {key.replace('_', ' ')}")
        ax.axhline(TARGETS[key], color=color, ls="--", lw=0.8, label=f"target {key.replace('_', ' ')} {TARGETS[key]}")
    for h, r in zip(hours, rows):
        ax.annotate(r["model"], (h, r["line_edit_similarity"]), textcoords="offset points", xytext=(0, 8), ha="center", fontsize=8)
    ax.set_xlabel("training time on one CPU core (hours)")
    ax.set_ylabel("held-out completion score")
    ax.set_ylim(0, 0.6)
    ax.set_title(f"Completion quality against CPU training time ({rows[0]['sampler']}, k={rows[0]['tokens_per_step']}, {rows[0]['tasks']} line tasks)")
    ax.legend(fontsize=8, loc="upper left", bbox_to_anchor=(0, 0.93))  # clear of the labelled points and the targets
    ax.grid(alpha=0.3)
    fig.tight_layout()
    fig.savefig(args.png_out, dpi=110)


if __name__ == "__main__":
    main()
