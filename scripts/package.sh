#!/usr/bin/env bash
# Builds the VSIX for one platform: `bash scripts/package.sh [linux-x64|linux-arm64|darwin-arm64|win32-x64|win32-arm64]`.
# onnxruntime-node ships every platform's binaries (about 300 MB); only the target's go in.
# Output: backplay-<target>.vsix in the repository root.
set -euo pipefail
cd "$(dirname "$0")/.."
TARGET="${1:-linux-x64}"
case "$TARGET" in
  linux-x64 | linux-arm64 | darwin-arm64 | win32-x64 | win32-arm64) ;;
  *) echo "package.sh: unsupported target $TARGET" >&2; exit 2 ;;
esac
keep="${TARGET/-//}" # linux-x64 -> linux/x64, the folder layout of onnxruntime-node/bin/napi-v6

ignore_file="$(mktemp)"
trap 'rm -f "$ignore_file"' EXIT
cat .vscodeignore > "$ignore_file"
# Production dependencies other than onnxruntime are inside the bundle already.
npm ls --omit=dev --all --parseable 2>/dev/null | sed "s|^$PWD/||" | grep '^node_modules/' \
  | grep -v -E '^node_modules/onnxruntime-(node|common)$' | sed 's|$|/**|' >> "$ignore_file"
for dir in node_modules/onnxruntime-node/bin/napi-v*/*/*; do
  [ -d "$dir" ] || continue
  case "$dir" in */"$keep") ;; *) echo "$dir/**" >> "$ignore_file" ;; esac
done

npm run build
npx vsce package --target "$TARGET" --ignoreFile "$ignore_file" --skip-license --allow-missing-repository \
  --allow-star-activation --no-rewrite-relative-links --out "backplay-$TARGET.vsix"
ls -l "backplay-$TARGET.vsix"
