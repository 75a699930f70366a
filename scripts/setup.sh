#!/usr/bin/env bash
# Set up a checkout: Python venv with the package, browser assets from npm, and
# (for tests) the Debian packages the suite drives. Safe to run again.
set -euo pipefail
cd "$(dirname "$0")/.."
WITH_TESTS=${1:-}

need_apt=()
if [ "$WITH_TESTS" = "--tests" ]; then
  command -v chromium >/dev/null || need_apt+=(chromium)
  command -v espeak-ng >/dev/null || need_apt+=(espeak-ng)
  command -v sox >/dev/null || need_apt+=(sox)
  [ -f /usr/share/fonts/truetype/wqy/wqy-zenhei.ttc ] || need_apt+=(fonts-wqy-zenhei)
  command -v soffice >/dev/null || need_apt+=(libreoffice-calc-nogui)  # the exports are opened as a hall would
fi
command -v npm >/dev/null || need_apt+=(nodejs npm)
if [ ${#need_apt[@]} -gt 0 ]; then
  echo "installing Debian packages: ${need_apt[*]}"
  SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${need_apt[@]}" >/dev/null
fi

if [ ! -x .venv/bin/python ]; then
  python3 -m venv .venv
fi
.venv/bin/pip install -q --upgrade pip >/dev/null
if [ "$WITH_TESTS" = "--tests" ]; then
  .venv/bin/pip install -q -e ".[test]"
else
  .venv/bin/pip install -q -e .
fi
npm ci --no-audit --no-fund --silent
