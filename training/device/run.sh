#!/usr/bin/env bash
# The GPU training run as ONE command for the device tool (see training/README.md, "GPU run"):
#   bash training/device/run.sh                 on the GPU machine, with carry: ["device_pack"]
#   bash training/device/run.sh --dry-run       here on the CPU: tiny config, a slice of the data
#   bash training/device/run.sh --preflight     on the GPU machine: the dry run's size on CUDA (about a
#                                               minute), output to a temp dir, never to $OUT
# Extra arguments go to run_gpu.py (e.g. --init-from FILE, --set key=value ...).
# Installs nothing. Everything that must come back is written under $OUT (at most 8 files).
# Env: PYTHON (default python3; /usr/bin/python3 here), OUT (the device sets it; a temp dir in a
# dry run), PACK (default device_pack), DEADLINE_S (default 570: the whole run, eval and export
# included, ends within 9.5 minutes).
set -euo pipefail
cd "$(dirname "$0")/../.."

DRY_RUN=""
PREFLIGHT=""
ARGS=()
for arg in "$@"; do
  case "$arg" in
    --dry-run) DRY_RUN="--dry-run" ;;
    --preflight) PREFLIGHT=1; ARGS+=("$arg") ;;
    *) ARGS+=("$arg") ;;
  esac
done
PYTHON="${PYTHON:-python3}"
PACK="${PACK:-device_pack}"
if [ -n "$PREFLIGHT" ]; then  # its files must not take the real run's places in $OUT
  OUT="$(mktemp -d /tmp/backplay-preflight-out.XXXXXX)"
  trap 'rm -rf "$OUT"' EXIT
elif [ -z "${OUT:-}" ]; then
  if [ -z "$DRY_RUN" ]; then echo "OUT is not set (the device tool sets it); for a CPU check use --dry-run" >&2; exit 2; fi
  OUT="$(mktemp -d /tmp/backplay-dryrun-out.XXXXXX)"
fi
mkdir -p "$OUT"
export PYTHONUNBUFFERED=1
[ -d "$PACK" ] || { echo "no $PACK/: run 'node training/device/pack.mjs' first and carry it" >&2; exit 2; }

echo "OUT=$OUT PACK=$PACK PYTHON=$PYTHON $(date -u +%H:%M:%S) UTC"
if [ -z "$DRY_RUN" ] && command -v nvidia-smi >/dev/null; then
  nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv,noheader || true
fi
"$PYTHON" training/device/run_gpu.py --pack "$PACK" --out "$OUT" --deadline-s "${DEADLINE_S:-570}" \
  $DRY_RUN ${ARGS[@]+"${ARGS[@]}"} 2>&1 | tee "$OUT/run.log"
