"""Staff pages name every state, category, source and step in words, in both languages: each code the
services hand to a page has its translation (a missing one would show the key itself on the page)."""

from __future__ import annotations

import pytest

from server.engine.cases import CaseState
from server.i18n import catalogue
from server.services.ratings import complaints, rectification

STEPS = ("callback", "appeal", "appeal_upheld", "appeal_rejected")  # rectification_steps._log
MOVES = ("review", "request-materials", "materials-received", "approve", "reject", "deliver")
EVENTS = ("accepted", "review_started", "materials_requested", "materials_received", "approved")


def _keys() -> list[str]:
    keys = [f"cases.state.{s.value}" for s in CaseState]
    keys += [f"cases.pg.state.{s.value}" for s in CaseState]
    keys += [f"cases.move.{m}" for m in MOVES]
    keys += [f"cases.ev.{e}" for e in (*EVENTS, "rejected", "delivered")]
    keys += [f"ovs.cmp.{c}" for c in complaints.CATEGORIES]
    keys += [f"ovs.cmp.src.{s}" for s in complaints.SOURCES]
    keys += [f"ovs.cmp.state.{s}" for s in complaints.STATES]
    keys += [f"ovs.rect.{s}" for s in rectification.STATUSES]
    keys += [f"caller.rect_{s}" for s in rectification.STATUSES]  # the supervisor's workstation
    keys += [f"ovs.rect.step.{s}" for s in STEPS]
    keys += [
        f"ovs.alert.{k}" for k in ("callback_overdue", "feedback_overdue", "complaint_overdue")
    ]
    return keys


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_every_code_a_staff_page_shows_has_its_word(lang: str) -> None:
    words = catalogue(lang)
    missing = [k for k in _keys() if not words.get(k)]
    assert missing == []


def test_the_english_words_are_words_not_codes() -> None:
    en = catalogue("en")
    for k in _keys():
        assert "_" not in en[k] and en[k][:1].isupper(), (k, en[k])
