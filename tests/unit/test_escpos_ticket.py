"""Ticket rendering: render_ticket bytes decoded back with the simulator's ESC/POS decoder."""

from __future__ import annotations

import pytest

from hardware.escpos_decode import EscposDecoder
from hardware.escpos_ticket import TicketLayout, render_ticket, text_cols, wrap_text
from hardware.printer_sim import DecodedTicket, decode_escpos

ITEM = "不动产登记（转移）：二手房"
RARE = "𠀀"
URL = "https://hall.example.gov.cn/q/t/7f3a9c21?lang=zh"


def make_layout(lang: str = "zh", paper_mm: int = 80, **kw: object) -> TicketLayout:
    """A fully populated ticket; keyword overrides replace single fields."""
    fields: dict[str, object] = dict(
        centre_name="某某区政务服务中心",
        service_name=f"{ITEM}{RARE}",
        number="A001",
        priority_mark="优先",
        waiting_ahead=7,
        estimated_wait_min=25,
        issued_at="2024-05-06 09:31",
        wait_area="二楼B区",
        qr_url=URL,
        footer="请保管好您的号票，过号请重新取号。",
        lang=lang,
        paper_mm=paper_mm,
    )
    fields.update(kw)
    return TicketLayout(**fields)  # type: ignore[arg-type]


def decode_one(data: bytes) -> DecodedTicket:
    tickets = decode_escpos(data)
    assert len(tickets) == 1
    return tickets[0]


@pytest.mark.parametrize("paper_mm", [58, 80])
@pytest.mark.parametrize("lang", ["zh", "en"])
def test_round_trip(lang: str, paper_mm: int) -> None:
    data = render_ticket(make_layout(lang, paper_mm))
    assert data.startswith(b"\x1b@")
    assert len(data) < 4096
    ticket = decode_one(data)
    assert ticket.cut
    assert ticket.qr_payloads == [URL]
    # The number is the single huge line.
    big = [ln for ln in ticket.lines if ln.width_mult >= 4]
    assert [ln.text for ln in big] == ["A001"]
    assert big[0].height_mult >= 4 and big[0].bold and big[0].align == "center"
    # Item name survives wrapping with full-width punctuation and the 4-byte GB18030 character.
    joined = "".join(ln.text for ln in ticket.lines)
    assert f"{ITEM}{RARE}" in joined
    assert "?" not in joined.replace("?lang", "")
    item_lines = [ln for ln in ticket.lines if ln.text and ln.text in f"{ITEM}{RARE}"]
    assert item_lines and all(ln.bold and ln.width_mult == 2 for ln in item_lines)
    # Every line fits the paper at its own width multiplier.
    cols = {58: 32, 80: 48}[paper_mm]
    for ln in ticket.lines:
        assert text_cols(ln.text) * ln.width_mult <= cols, ln
    text = ticket.text()
    if lang == "zh":
        assert "前面等候：7 人" in text and "约 25 分钟" in text
        assert "请在二楼B区等候" in text and "扫码查看排队进度" in text
        assert "取号时间：2024-05-06 09:31" in text and "【优先】" in text
    else:
        assert "People ahead: 7" in text and "Est. wait: about 25 min" in text
        assert "Please wait at 二楼B区" in text and "Scan to follow your queue" in text
        assert "Issued: 2024-05-06 09:31" in text


def test_chinese_goes_out_as_gb18030_in_chinese_mode() -> None:
    data = render_ticket(make_layout())
    encoded = ITEM[:4].encode("gb18030")
    assert encoded in data
    start = data.index(encoded)
    # The nearest mode switch before the text is FS & (on), not FS . (off).
    assert data.rfind(b"\x1c&", 0, start) > data.rfind(b"\x1c.", 0, start)
    assert RARE.encode("gb18030") in data  # 4-byte sequence, not "?"
    assert "（".encode("gb18030") in data and b"?" not in data.replace(b"?lang", b"")


def test_native_qr_and_cut_commands() -> None:
    data = render_ticket(make_layout(paper_mm=58))
    assert b"\x1d(k\x04\x001A2\x00" in data  # model 2
    assert b"\x1d(k\x03\x001E1" in data  # error correction M
    assert b"\x1d(k\x03\x001Q0" in data  # print
    assert data.endswith(b"\x1dV\x00")
    assert b"\x1dv0" not in data  # never a raster image


def test_optional_fields_omitted() -> None:
    layout = make_layout(
        "en", 58, priority_mark=None, estimated_wait_min=None, wait_area=None, footer=None
    )
    text = decode_one(render_ticket(layout)).text()
    assert (
        "Est. wait" not in text and "Please wait at" not in text and "[" not in text.split("[QR")[0]
    )


def test_long_number_shrinks_to_fit() -> None:
    ticket = decode_one(render_ticket(make_layout(paper_mm=58, number="VIP12345")))
    big = next(ln for ln in ticket.lines if ln.text == "VIP12345")
    assert big.width_mult * 8 <= 32


def test_bad_layout_values() -> None:
    with pytest.raises(ValueError):
        render_ticket(make_layout(paper_mm=76))
    with pytest.raises(ValueError):
        render_ticket(make_layout(lang="fr"))


def test_wrap_text() -> None:
    assert wrap_text("一二三四五六七八九", 16) == ["一二三四五六七八", "九"]
    # Closing punctuation never starts a line.
    assert wrap_text("一二三四五六七八）：", 16) == ["一二三四五六七", "八）："]
    assert wrap_text("Please wait at the second floor", 16) == [
        "Please wait at",
        "the second floor",
    ]
    assert all(text_cols(x) <= 16 for x in wrap_text("x" * 40, 16))


def test_decoder_handles_any_chunking_and_unknown_commands() -> None:
    data = render_ticket(make_layout())
    # Unknown/irrelevant commands a real job may contain must be skipped, not printed.
    noise = b"\x1b\x74\x10" + b"\x1d\x4c\x00\x00" + b"\x1d(L\x02\x0000" + b"\x1b\x3d\x01"
    data = data[:2] + noise + data[2:]
    tickets: list[DecodedTicket] = []
    decoder = EscposDecoder(on_ticket=tickets.append)
    for i in range(0, len(data), 3):  # split inside commands and multi-byte characters
        decoder.feed(data[i : i + 3])
    assert len(tickets) == 1
    assert tickets[0].text() == decode_one(data).text()
    assert tickets[0].qr_payloads == [URL]


def test_status_queries_are_not_printed() -> None:
    queries: list[int] = []
    decoder = EscposDecoder(on_status_query=queries.append)
    decoder.feed(b"\x10\x04\x01\x10\x04\x04" + b"\x1b@hello\n\x1dV\x00")
    assert queries == [1, 4]
    assert decode_escpos(b"\x10\x04\x01\x1b@hello\n\x1dV\x00")[0].text() == "hello"


@pytest.mark.parametrize("paper_mm", [58, 80])
def test_a_bilingual_ticket_prints_each_chinese_line_with_its_english_beneath(
    paper_mm: int,
) -> None:
    layout = make_layout(
        "zh+en",
        paper_mm,
        centre_name_en="Service Centre",
        service_name_en="Property registration",
        priority_mark_en="Priority",
        wait_area_en="Zone B, 2F",
        footer_en="Keep your ticket.",
    )
    ticket = decode_one(render_ticket(layout))
    lines = [ln.text for ln in ticket.lines if ln.text]

    def after(zh: str, en: str) -> None:
        i = next(i for i, x in enumerate(lines) if zh in x)
        assert en in lines[i + 1], (zh, lines[i : i + 2])

    after("某某区政务服务中心", "Service Centre")
    after("【优先】", "[ Priority ]")
    after("前面等候：7 人", "People ahead: 7")
    after("约 25 分钟", "Est. wait: about 25 min")
    after("请在二楼B区等候", "Please wait at Zone B, 2F")
    after("扫码查看排队进度", "Scan to follow your queue")
    after("取号时间：2024-05-06 09:31", "Issued: 2024-05-06 09:31")
    after("号。", "Keep your ticket.")  # the footer's last (maybe wrapped) line
    english = [ln for ln in ticket.lines if ln.text.isascii() and ln.text and ln.text != "A001"]
    assert all(
        ln.width_mult == 1 for ln in english
    )  # Chinese is the large line, English the small one
    joined = "".join(ln.text for ln in ticket.lines)
    assert f"{ITEM}{RARE}" in joined and "Property registration" in joined
    assert len(render_ticket(layout)) < 4096
    cols = {58: 32, 80: 48}[paper_mm]
    assert all(text_cols(ln.text) * ln.width_mult <= cols for ln in ticket.lines)


def test_english_and_bilingual_tickets_fall_back_to_the_chinese_names() -> None:
    en = decode_one(render_ticket(make_layout("en"))).text()
    assert "某某区政务服务中心" in en and "前面等候" not in en  # no English name: the Chinese one
    both = decode_one(render_ticket(make_layout("zh+en"))).text().splitlines()
    assert both.count("某某区政务服务中心") == 1  # no English name: no repeated line
