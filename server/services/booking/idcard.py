"""ID card reader input at the kiosk (issue 19).

The reader is a small local agent on the kiosk PC (`queuehall idcard-sim` simulates one), as the
kiosk agent is for printers: it signs in with the kiosk's device token and sends `idcard.read`
{"name", "number"}. The server answers that kiosk's page only (`device:<id>` room) with
`idcard.card` {"name", "number"} both masked, and a short-lived signed `card` the page sends to
check-in; the number itself never reaches the page, a log or the database (bookings keep a keyed
digest of it).
"""

from __future__ import annotations

import time
from typing import Any

from flask import Flask
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer

from ...engine import idcard
from ...engine.cases import mask_name
from ...engine.errors import InvalidInput
from ..access.principal import Principal
from ..context import Context

CARD_MAX_AGE_S = 120
SALT = "queuehall-idcard"


def _serializer(secret: str) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(secret, salt=SALT)


def digest_of(ctx: Context, number: str) -> str:
    return idcard.digest(str(ctx.config["SECRET_KEY"]), number)


def card_for(ctx: Context, device_id: int, name: str, number: str) -> dict[str, Any]:
    """What the kiosk page gets for a swiped card: masked name and number, and the signed card."""
    if not idcard.valid(number):
        raise InvalidInput("not a valid resident ID number", field="number")
    token = _serializer(str(ctx.config["SECRET_KEY"])).dumps(
        {"d": device_id, "h": digest_of(ctx, number)}
    )
    return {"name": mask_name(name), "number": idcard.mask(number), "card": token}


def digest_from_card(ctx: Context, device_id: int, card: str) -> str:
    """The ID digest in a card the same kiosk got within CARD_MAX_AGE_S; InvalidInput otherwise."""
    try:
        data = _serializer(str(ctx.config["SECRET_KEY"])).loads(card, max_age=CARD_MAX_AGE_S)
    except SignatureExpired:
        raise InvalidInput("the card was read too long ago; swipe it again", field="card") from None
    except BadSignature:
        raise InvalidInput("not a card this server read", field="card") from None
    if not isinstance(data, dict) or data.get("d") != device_id:
        raise InvalidInput("the card was read at another kiosk", field="card")
    return str(data["h"])


def install(app: Flask) -> None:
    """Relay a reader agent's `idcard.read` to its own kiosk's page, masked."""
    ctx: Context = app.extensions["queuehall"]
    realtime = app.extensions["queuehall.realtime"]

    def on_read(who: Principal | None, data: Any) -> dict[str, Any]:
        if who is None or who.kind != "device" or who.role != "kiosk":
            return {"ok": False, "error": "only a kiosk's reader may send cards"}
        if not isinstance(data, dict) or not isinstance(data.get("number"), str):
            return {"ok": False, "error": "send {name, number}"}
        try:
            out = card_for(ctx, who.id, str(data.get("name") or ""), data["number"])
        except InvalidInput as exc:
            return {"ok": False, "error": exc.message}
        realtime.sio.emit("idcard.card", {**out, "at": time.time()}, to=f"device:{who.id}")
        return {"ok": True, "number": out["number"]}

    realtime.on_client("idcard.read", on_read)
