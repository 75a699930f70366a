"""Second-generation resident ID cards (居民身份证): the number's check digit, masking, and the
keyed digest a booking is matched by (the number itself is never stored or shown)."""

from __future__ import annotations

import hashlib
import hmac
import re

NUMBER = re.compile(r"^\d{17}[\dX]$")
WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
CHECK = "10X98765432"


def normalise(number: str) -> str:
    return number.strip().upper()


def valid(number: str) -> bool:
    """An 18-character number whose last character is its GB 11643 check digit."""
    n = normalise(number)
    if not NUMBER.match(n):
        return False
    return CHECK[sum(int(d) * w for d, w in zip(n[:17], WEIGHTS, strict=True)) % 11] == n[17]


def mask(number: str) -> str:
    """110101199003071234 -> 110101********1234 (as the logs mask it)."""
    n = normalise(number)
    return n[:6] + "*" * (len(n) - 10) + n[-4:] if len(n) > 10 else "*" * len(n)


def digest(secret: str, number: str) -> str:
    """The keyed digest a booking keeps instead of the number (HMAC-SHA256 with the server's secret)."""
    return hmac.new(
        secret.encode(), b"idcard:" + normalise(number).encode(), hashlib.sha256
    ).hexdigest()
