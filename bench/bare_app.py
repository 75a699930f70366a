"""The same-run reference for bench/serving_bench.py: bare Flask-SocketIO under the same gunicorn
worker, no database and no queue logic. Every socket is accepted; `POST /emit {"number"}` sends one
`bench` event to all of them; `GET /hello` answers at once. What queuehall adds is measured above
this floor (DESIGN.md, Realtime).

    gunicorn -k server.workers.GeventWorker -w 1 'bench.bare_app:make("gevent")'
"""

from __future__ import annotations

from typing import Any

from flask import Flask, request
from flask_socketio import SocketIO


def make(async_mode: str = "gevent") -> Flask:
    app = Flask(__name__)
    sio = SocketIO(
        app, async_mode=async_mode, cors_allowed_origins=[], ping_interval=10, ping_timeout=10
    )

    @sio.on("connect")
    def _connect(auth: Any = None) -> bool:
        return True

    @app.post("/emit")
    def _emit() -> dict[str, Any]:
        number = (request.get_json(silent=True) or {}).get("number")
        sio.emit("bench", {"ticket": {"number": number}})
        return {"ok": True}

    @app.get("/hello")
    def _hello() -> dict[str, Any]:
        return {"ok": True}

    app.extensions["bench.sio"] = sio
    return app
