#!/usr/bin/env bash
# Installs everything the project needs on a fresh Debian machine (run as root, or with sudo on PATH).
# Debian packages: PyTorch (CPU) and ONNX for training/, an optimized BLAS for that torch.
set -euo pipefail
cd "$(dirname "$0")/.."

APT_PACKAGES=(python3-torch python3-numpy python3-onnx libopenblas0-openmp python3-matplotlib)
missing=()
for p in "${APT_PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

npm ci --no-audit --no-fund

# The real-editor tests: Chromium and code-server (outside the repository).
bash scripts/setup-e2e.sh
