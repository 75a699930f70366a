#!/usr/bin/env bash
# One command: set up everything the tests need and run the whole suite
# (SQLite and PostgreSQL, Redis, headless Chromium, espeak-ng + sox, printer simulator).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh --tests
bash scripts/services.sh
# Two workers (pytest-xdist): the suite waits on servers, browsers and databases as much as it
# computes. --dist loadscope keeps each module on one worker, in order, so a module's shared live
# server starts once and its tests meet it as they do serially (--dist loadgroup would not: with
# pytest 9 its groups are silently ignored). Later options win: `scripts/test.sh -n 0` is serial.
exec .venv/bin/python -m pytest -q -p no:cacheprovider -n 2 --dist loadscope "$@"
