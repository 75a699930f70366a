"""Mask personal data (mobile numbers, resident ID numbers) in every log record of the process."""

from __future__ import annotations

import logging
import re
from typing import Any

ID_NUMBER = re.compile(r"(?<![0-9A-Za-z])(\d{6})\d{8}(\d{3}[\dXx])(?![0-9A-Za-z])")
# also written in groups, as people type them: 138 1234 5678, 138-1234-5678
MOBILE = re.compile(r"(?<!\d)(1[3-9]\d)[ -]?\d{4}[ -]?(\d{4})(?!\d)")


def mask(text: str) -> str:
    """110101199003071234 -> 110101********1234; 13812345678 (or 138 1234 5678) -> 138****5678."""
    return MOBILE.sub(r"\1****\2", ID_NUMBER.sub(r"\1********\2", text))


def mask_deep(value: Any) -> Any:
    """`value` with every text in it masked (dicts and lists followed), for free texts that staff
    screens and exports show: a visitor may write their number into a reason or a note."""
    if isinstance(value, str):
        return mask(value)
    if isinstance(value, dict):
        return {k: mask_deep(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [mask_deep(v) for v in value]
    return value


class MaskPersonalData(logging.Filter):
    """Rewrites a record's message (and its traceback text) with personal numbers masked."""

    def filter(self, record: logging.LogRecord) -> bool:
        _mask_record(record)
        return True


def _mask_record(record: logging.LogRecord) -> None:
    if getattr(record, "_qh_masked", False):
        return
    try:
        message = record.getMessage()
    except Exception:  # a bad format string is the logging module's to report
        return
    masked = mask(message)
    if masked != message:
        record.msg, record.args = masked, None
    if record.exc_info and not record.exc_text:
        record.exc_text = mask(logging.Formatter().formatException(record.exc_info))
    record._qh_masked = True


_installed = False


def install() -> None:
    """Mask at record creation, so every logger and handler (gunicorn's too) sees masked text."""
    global _installed
    if _installed:
        return
    _installed = True
    previous = logging.getLogRecordFactory()

    def factory(*args: Any, **kwargs: Any) -> logging.LogRecord:
        record = previous(*args, **kwargs)
        _mask_record(record)
        return record

    logging.setLogRecordFactory(factory)
