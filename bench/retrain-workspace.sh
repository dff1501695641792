#!/usr/bin/env bash
# Times `backplay train-head` on a workspace of about LINES lines of JavaScript copied from SOURCE
# (whole files, sorted by path), with the editor command's 8-minute training budget.
#   bash bench/retrain-workspace.sh [SOURCE] [LINES]
# Default SOURCE is eslint's lib/ from the training corpus (node training/corpus/build.mjs fetches it).
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
SOURCE="${1:-$ROOT/training/data/npm/node_modules/eslint/lib}"
LINES="${2:-20000}"
WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT
total=0
while IFS= read -r file; do
  n=$(wc -l < "$SOURCE/$file")
  if (( total + n <= LINES + LINES / 40 )); then
    mkdir -p "$WORK/ws/$(dirname "$file")"
    cp "$SOURCE/$file" "$WORK/ws/$file"
    total=$(( total + n ))
  fi
  (( total >= LINES - LINES / 200 )) && break
done < <(cd "$SOURCE" && find . -name '*.js' | sort)
echo "workspace: $total lines in $(find "$WORK/ws" -name '*.js' | wc -l) files"
SECONDS=0
node "$ROOT/dist/cli.js" train-head --dir "$WORK/ws" --out "$WORK/head.onnx" --time-budget-s 480 2> >(tr '\r' '\n' | grep -v '^examples\|^train [0-9]' >&2)
echo "wall seconds: $SECONDS"
