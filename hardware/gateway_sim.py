"""A local HTTP gateway simulator for notices (SMS gateway, webhooks, WeChat): records every
request it receives, and can answer slowly or with errors, so the outbox is tested against a
real socket.

`received` holds every request; `messages` one entry per idempotency key, as the gateway
contract says a repeated key is the same message.
"""

from __future__ import annotations

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


class GatewaySimulator:
    def __init__(self, port: int = 0, delay_s: float = 0.0) -> None:
        self.delay_s = delay_s
        self.fail_next: list[int] = []  # statuses to answer before answering 200 again
        self.received: list[dict[str, Any]] = []
        self.messages: dict[str, dict[str, Any]] = {}
        self.lock = threading.Lock()
        sim = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802
                raw = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                try:
                    body = json.loads(raw)
                except ValueError:
                    body = None
                if sim.delay_s:
                    time.sleep(sim.delay_s)
                with sim.lock:
                    status = sim.fail_next.pop(0) if sim.fail_next else 200
                    entry = {
                        "path": self.path,
                        "headers": dict(self.headers),
                        "raw": raw,
                        "body": body,
                        "status": status,
                    }
                    sim.received.append(entry)
                    key = self.headers.get("Idempotency-Key") or (
                        body.get("id") if isinstance(body, dict) else None
                    )
                    if status == 200 and key and key not in sim.messages:
                        sim.messages[key] = entry
                try:
                    self.send_response(status)
                    self.send_header("Content-Type", "application/json")
                    self.end_headers()
                    self.wfile.write(b'{"ok": true}' if status == 200 else b'{"ok": false}')
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the sender died waiting (the crash tests kill it on purpose)

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
        self.port = int(self.server.server_address[1])
        self.url = f"http://127.0.0.1:{self.port}"

    def start(self) -> GatewaySimulator:
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def main(argv: list[str] | None = None) -> None:
    """`python -m hardware.gateway_sim [port] [delay_s]`: run a simulator and print what it receives."""
    import sys

    args = sys.argv[1:] if argv is None else argv
    sim = GatewaySimulator(
        int(args[0]) if args else 8025, float(args[1]) if len(args) > 1 else 0.0
    ).start()
    print(f"gateway simulator on {sim.url}", flush=True)
    seen = 0
    while True:
        time.sleep(0.5)
        with sim.lock:
            new = sim.received[seen:]
            seen = len(sim.received)
        for e in new:
            print(
                json.dumps(
                    {"path": e["path"], "status": e["status"], "body": e["body"]},
                    ensure_ascii=False,
                ),
                flush=True,
            )


if __name__ == "__main__":
    main()
