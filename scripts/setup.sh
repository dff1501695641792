#!/usr/bin/env bash
# Installs everything the project needs on a fresh Debian machine (run as root, or with sudo on PATH).
# Debian packages: PyTorch (CPU) and ONNX for training/, an optimized BLAS for that torch.
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/apt-install.sh python3-torch python3-numpy python3-onnx libopenblas0-openmp python3-matplotlib

npm ci --no-audit --no-fund

# The real-editor tests: Chromium and code-server (outside the repository).
bash scripts/setup-e2e.sh
