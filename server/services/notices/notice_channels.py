"""Notice channels (issue 19): one small interface, one adapter per way of reaching someone.

Every adapter gets the notice's idempotency key (`id`): a gateway must treat a repeated id as the
same message, which is what lets the outbox resend a notice whose fate a crash left unknown.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import urllib.error
import urllib.request
from dataclasses import dataclass
from typing import Any, Protocol


@dataclass(frozen=True)
class Outcome:
    ok: bool
    status: int | None = None
    error: str | None = None
    retry: bool = True  # False: the gateway refused the message itself; trying again cannot help


class Channel(Protocol):
    name: str

    def send(self, key: str, recipient: str, text: str, data: dict[str, Any]) -> Outcome: ...


def _post(url: str, body: bytes, headers: dict[str, str], timeout: float) -> Outcome:
    """One JSON POST (urllib: the serving worker keeps client libraries out, serve.py)."""
    req = urllib.request.Request(
        url, data=body, method="POST", headers={"Content-Type": "application/json", **headers}
    )
    try:
        with urllib.request.urlopen(req, timeout=timeout) as r:  # noqa: S310 (the admin's configured URL)
            return Outcome(True, int(r.status))
    except urllib.error.HTTPError as exc:
        code = int(exc.code)
        return Outcome(False, code, f"HTTP {code}", retry=code >= 500 or code == 429)
    except (OSError, ValueError) as exc:
        return Outcome(False, None, type(exc).__name__)


DEFAULT_SMS_TEMPLATE = '{"phone": "{phone}", "text": "{text}", "id": "{id}"}'


def fill(template: Any, values: dict[str, str]) -> Any:
    """The JSON template with "{phone}", "{text}", "{id}" replaced inside its strings."""
    if isinstance(template, str):
        for k, v in values.items():
            template = template.replace("{" + k + "}", v)
        return template
    if isinstance(template, list):
        return [fill(x, values) for x in template]
    if isinstance(template, dict):
        return {k: fill(v, values) for k, v in template.items()}
    return template


class SmsGateway:
    """SMS through an HTTP gateway: a JSON POST built from a configurable template."""

    name = "sms"

    def __init__(
        self, url: str, template: str = DEFAULT_SMS_TEMPLATE, timeout: float = 5.0
    ) -> None:
        self.url, self.timeout = url, timeout
        self.template = json.loads(template)

    def send(self, key: str, recipient: str, text: str, data: dict[str, Any]) -> Outcome:
        body = fill(self.template, {"phone": recipient, "text": text, "id": key})
        return _post(
            self.url,
            json.dumps(body, ensure_ascii=False).encode(),
            {"Idempotency-Key": key},
            self.timeout,
        )


def signature(secret: str, body: bytes) -> str:
    """The X-Queuehall-Signature header: sha256=<hex HMAC-SHA256 of the raw body>."""
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


class Webhook:
    """A signed JSON POST to another system (recipient: its URL)."""

    name = "webhook"

    def __init__(self, secret: str, timeout: float = 5.0) -> None:
        self.secret, self.timeout = secret, timeout

    def send(self, key: str, recipient: str, text: str, data: dict[str, Any]) -> Outcome:
        body = json.dumps(
            {"id": key, "text": text, **data}, ensure_ascii=False, sort_keys=True
        ).encode()
        return _post(
            recipient,
            body,
            {"X-Queuehall-Signature": signature(self.secret, body), "Idempotency-Key": key},
            self.timeout,
        )


class WeChatTemplate:
    """WeChat template message (recipient: the visitor's openid); `url` carries the access token."""

    name = "wechat"

    def __init__(self, url: str, template_id: str, timeout: float = 5.0) -> None:
        self.url, self.template_id, self.timeout = url, template_id, timeout

    def send(self, key: str, recipient: str, text: str, data: dict[str, Any]) -> Outcome:
        body = {
            "touser": recipient,
            "template_id": self.template_id,
            "client_msg_id": key,
            "data": {
                "first": {"value": text},
                "keyword1": {"value": str(data.get("number") or data.get("code") or "")},
                "remark": {"value": str(data.get("kind") or "")},
            },
        }
        out = _post(self.url, json.dumps(body, ensure_ascii=False).encode(), {}, self.timeout)
        return out


def from_config(config: Any) -> dict[str, Channel]:
    """The channels this server is configured for (NOTICE_SMS_URL, NOTICE_WEBHOOK_SECRET, NOTICE_WECHAT_URL)."""
    out: dict[str, Channel] = {}
    timeout = float(config.get("NOTICE_TIMEOUT_S", 5.0))
    if config.get("NOTICE_SMS_URL"):
        out["sms"] = SmsGateway(
            config["NOTICE_SMS_URL"],
            config.get("NOTICE_SMS_TEMPLATE") or DEFAULT_SMS_TEMPLATE,
            timeout,
        )
    if config.get("NOTICE_WEBHOOK_URL"):
        out["webhook"] = Webhook(str(config.get("NOTICE_WEBHOOK_SECRET") or ""), timeout)
    if config.get("NOTICE_WECHAT_URL"):
        out["wechat"] = WeChatTemplate(
            config["NOTICE_WECHAT_URL"], str(config.get("NOTICE_WECHAT_TEMPLATE_ID") or ""), timeout
        )
    return out
