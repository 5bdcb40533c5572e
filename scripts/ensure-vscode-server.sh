#!/usr/bin/env bash
# Installs the VS Code server build shipped inside the npm package code-server@4.100.3
# into a cache outside the repo (see ../shared/TESTING.md for why this exact recipe).
# Idempotent: prints the path of the server's lib/vscode folder.
set -euo pipefail
VERSION="${CODE_SERVER_VERSION:-4.100.3}"
CACHE="${PGIG_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/pg-index-guard}"
DIR="$CACHE/code-server-$VERSION"
VSCODE="$DIR/node_modules/code-server/lib/vscode"
RG_BIN="$VSCODE/node_modules/@vscode/ripgrep/bin/rg"
if [ -f "$DIR/.ready" ]; then
  # A cache built before Debian's rg was installed lacks it: search then fails with ENOENT.
  if [ ! -x "$RG_BIN" ] && command -v rg >/dev/null; then
    mkdir -p "$(dirname "$RG_BIN")" && cp "$(command -v rg)" "$RG_BIN"
  fi
  echo "$VSCODE"; exit 0
fi
mkdir -p "$DIR"
{
  cd "$DIR"
  [ -f package.json ] || echo '{"name":"pgig-vscode-server","private":true}' > package.json
  # code-server's own postinstall refuses root and downloads ripgrep from GitHub: skip it.
  npm install --no-audit --no-fund --ignore-scripts "code-server@$VERSION"
  cd "$VSCODE"
  npm install --no-audit --no-fund --omit=dev --ignore-scripts
  ln -sfn node_modules node_modules.asar
  # workspaceContains activation and search use ripgrep; the package's own download
  # needs GitHub, so use Debian's rg (installed by .ci/run) when there is one.
  if command -v rg >/dev/null; then
    mkdir -p node_modules/@vscode/ripgrep/bin && cp "$(command -v rg)" node_modules/@vscode/ripgrep/bin/rg
  fi
  # Native modules the server loads at start; built with the machine's g++.
  npm rebuild @vscode/spdlog native-watchdog || echo "warning: native module rebuild failed; the server still runs" >&2
} >&2
touch "$DIR/.ready"
echo "$VSCODE"
