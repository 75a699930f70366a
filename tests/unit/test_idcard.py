"""Resident ID numbers (issue 19): the check digit, masking, the keyed digest a booking keeps."""

from __future__ import annotations

from server.engine import idcard

GOOD = "11010519491231002X"  # GB 11643's own example


def test_the_check_digit_is_verified() -> None:
    assert idcard.valid(GOOD) and idcard.valid(GOOD.lower())
    assert not idcard.valid("110105194912310021")  # wrong check digit
    assert not idcard.valid("11010519491231002")  # too short
    assert not idcard.valid("1101051949123100AX")


def test_masking_and_digest() -> None:
    assert idcard.mask(GOOD) == "110105********002X"
    d = idcard.digest("secret-a", GOOD)
    assert d == idcard.digest("secret-a", GOOD.lower()) and len(d) == 64 and GOOD not in d
    assert d != idcard.digest("secret-b", GOOD)  # keyed: another server's digest does not match
