#!/usr/bin/env bash
# Installs what the real-editor tests need (see /work/shared/E2E.md): Debian Chromium and build
# tools, and code-server in a cache folder outside the repository (never in its node_modules).
# Idempotent: a second run only checks and returns.
set -euo pipefail

CODE_SERVER_VERSION=4.100.3
# @vscode/ripgrep as pinned by that code-server, and the release tag its postinstall downloads.
RIPGREP_PKG_VERSION=1.15.11
RIPGREP_TAG=v13.0.0-10
E2E_HOME="${BACKPLAY_E2E_HOME:-$HOME/.cache/backplay-e2e}"
CODE_SERVER_BIN="$E2E_HOME/node_modules/.bin/code-server"
# code-server writes a default config into $XDG_CONFIG_HOME on any start, --version included.
export XDG_CONFIG_HOME="$E2E_HOME/xdg-config"

bash "$(dirname "$0")/apt-install.sh" build-essential python3 pkg-config libkrb5-dev ripgrep chromium fonts-liberation

if [ -x "$CODE_SERVER_BIN" ] && [ "$("$CODE_SERVER_BIN" --version 2>/dev/null | head -1 | cut -d' ' -f1)" = "$CODE_SERVER_VERSION" ]; then
  echo "setup-e2e: code-server $CODE_SERVER_VERSION already in $E2E_HOME"
  exit 0
fi

mkdir -p "$E2E_HOME"
# @vscode/ripgrep's postinstall would download rg from GitHub; it takes a cached archive first.
TMP_BASE="${TMPDIR:-/tmp}"
RG_CACHE="$TMP_BASE/vscode-ripgrep-cache-$RIPGREP_PKG_VERSION"
RG_ARCHIVE="$RG_CACHE/ripgrep-$RIPGREP_TAG-x86_64-unknown-linux-musl.tar.gz"
if [ ! -f "$RG_ARCHIVE" ]; then
  mkdir -p "$RG_CACHE"
  staging="$(mktemp -d)"
  cp /usr/bin/rg "$staging/rg"
  tar -czf "$RG_ARCHIVE" -C "$staging" rg
  rm -rf "$staging"
fi

cd "$E2E_HOME"
[ -f package.json ] || echo '{"name":"backplay-e2e","private":true}' > package.json
# code-server's postinstall refuses root without unsafe_perm; node-pty's runs `npx node-gyp`
# (needs yes=true); nodedir makes node-gyp use the installed headers instead of downloading them.
npm_config_unsafe_perm=true npm_config_yes=true npm_config_nodedir=/usr \
  npm install --no-audit --no-fund --no-save "code-server@$CODE_SERVER_VERSION"
"$CODE_SERVER_BIN" --version
