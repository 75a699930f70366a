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
# Run again with nothing changed, the installs are skipped: each records what it installed (this
# checkout, with or without the test extra, the packaging files' hash), and only a difference
# installs again. Besides the seconds, `npm ci` empties node_modules before filling it, which
# pages served from this checkout at that moment would miss (scripts/demo.sh runs this script
# while other tests serve).
installed() { [ -f "$1" ] && grep -qxF "$2" "$1"; }
py_stamp=.venv/.queuehall-setup  # delete it (or node_modules/.queuehall-setup) to install anyway
py_hash=$(cat pyproject.toml setup.py | sha256sum | cut -d' ' -f1)
py_tests="$PWD tests $py_hash" py_plain="$PWD plain $py_hash"
# (and the venv's `server` is still this checkout's: a venv shared by several checkouts is
# pointed at whichever installed last)
here() { [ "$(cd / && env -u PYTHONPATH "$OLDPWD/.venv/bin/python" -c 'import importlib.util as u; print(u.find_spec("server").origin)' 2>/dev/null)" = "$PWD/server/__init__.py" ]; }
if { installed "$py_stamp" "$py_tests" || { [ "$WITH_TESTS" != "--tests" ] && installed "$py_stamp" "$py_plain"; }; } && here; then
  :  # this checkout's package (and, for tests, the test extra) is installed already
elif [ "$WITH_TESTS" = "--tests" ]; then
  .venv/bin/pip install -q --upgrade pip >/dev/null
  .venv/bin/pip install -q -e ".[test]"
  echo "$py_tests" > "$py_stamp"
else
  .venv/bin/pip install -q --upgrade pip >/dev/null
  .venv/bin/pip install -q -e .
  echo "$py_plain" > "$py_stamp"
fi
npm_stamp=node_modules/.queuehall-setup
npm_want=$(sha256sum package-lock.json | cut -d' ' -f1)
if ! installed "$npm_stamp" "$npm_want"; then
  npm ci --no-audit --no-fund --silent
  echo "$npm_want" > "$npm_stamp"
fi
