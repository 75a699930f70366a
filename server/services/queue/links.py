"""The public address of a ticket's status page: one rule for the printed and the on-screen QR code."""

from __future__ import annotations

FALLBACK_BASE = "http://127.0.0.1:8000"


def public_base_url(site_base: str | None, config_base: str | None, server_base: str | None) -> str:
    """The hall's public address: the admin's site setting, else PUBLIC_BASE_URL, else this server."""
    for base in (site_base, config_base, server_base):
        if base and str(base).strip():
            return str(base).strip().rstrip("/")
    return FALLBACK_BASE


def ticket_url(
    public_id: str, site_base: str | None, config_base: str | None, server_base: str | None
) -> str:
    """The address behind a ticket's QR code (`<base>/t/<public id>`), printed or on screen."""
    return f"{public_base_url(site_base, config_base, server_base)}/t/{public_id}"


def booking_url(site_base: str | None, config_base: str | None, server_base: str | None) -> str:
    """The address of the public booking page (`<base>/book`), behind the hall screen's QR code."""
    return f"{public_base_url(site_base, config_base, server_base)}/book"
