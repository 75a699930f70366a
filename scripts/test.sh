#!/usr/bin/env bash
# One command: set up everything the tests need and run the whole suite
# (SQLite and PostgreSQL, Redis, headless Chromium, espeak-ng + sox, printer simulator).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh --tests
bash scripts/services.sh
exec .venv/bin/python -m pytest -q -p no:cacheprovider "$@"
