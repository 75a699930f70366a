#!/usr/bin/env bash
# One command: set up, load the demo hall on SQLite, start a simulated ticket
# printer and the server, and print where to open the kiosk, screens, clerk page,
# admin, monitor, reports and audit log.
#
#   PORT=8000          the server's port
#   PRINTER_PORT=9100  the simulated ticket printer's TCP port
#   QUEUEHALL_INSTANCE ./instance (SQLite file, printed tickets as PNG, logs)
#
# Ctrl-C (or SIGTERM to this script) stops the server and the printer simulator together.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
export QUEUEHALL_INSTANCE=${QUEUEHALL_INSTANCE:-$PWD/instance}
PORT=${PORT:-8000}
PRINTER_PORT=${PRINTER_PORT:-9100}
mkdir -p "$QUEUEHALL_INSTANCE/tickets"
SIM="" SERVER=""
stop() {
  # the server first (it may still be printing), then the printer; both waited for
  for pid in $SERVER $SIM; do
    kill -TERM "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
  done
}
trap stop EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
.venv/bin/queuehall printer-sim --port "$PRINTER_PORT" --png-dir "$QUEUEHALL_INSTANCE/tickets" \
  > "$QUEUEHALL_INSTANCE/printer-sim.log" 2>&1 < /dev/null &
SIM=$!
# --force: this instance is the demo's own, whose tickets from an earlier run may be reset
.venv/bin/queuehall init --demo --force --printer "tcp://127.0.0.1:$PRINTER_PORT" | sed "s#http://127.0.0.1:8000#http://127.0.0.1:$PORT#g"
echo
echo "Simulated ticket printer on tcp://127.0.0.1:$PRINTER_PORT; printed tickets as PNG in $QUEUEHALL_INSTANCE/tickets"
echo "Serving on http://127.0.0.1:$PORT (Ctrl-C stops the server and the printer simulator)"
# not `exec`: this shell stays to stop the printer simulator when the server ends
.venv/bin/queuehall serve --port "$PORT" < /dev/null &
SERVER=$!
wait "$SERVER" || true
SERVER=""
