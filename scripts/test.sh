#!/usr/bin/env bash
# One command: set up everything the tests need and run the whole suite
# (SQLite and PostgreSQL, Redis, headless Chromium, espeak-ng + sox, printer simulator).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh --tests
bash scripts/services.sh
# Two workers (pytest-xdist): the suite waits on servers, browsers and databases as much as it
# computes, and a module sharing one live server stays on one worker (tests/conftest.py groups it).
# Later options win: `bash scripts/test.sh -n 0` runs serially.
exec .venv/bin/python -m pytest -q -p no:cacheprovider -n 2 --dist loadgroup "$@"
