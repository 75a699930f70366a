"""The Mandarin normaliser reads ticket numbers digit by digit and windows as cardinals."""

import pytest

from hardware.mandarin import announcement, display_text, read_number, read_window, speech_text

TEMPLATE = "请{number}号到{window}号窗口办理"


@pytest.mark.parametrize(
    ("number", "spoken"),
    [("A001", "A零零一"), ("B012", "B零一二"), ("C100", "C一零零"), ("K0", "K零"), ("", "")],
)
def test_ticket_numbers_are_read_digit_by_digit(number: str, spoken: str) -> None:
    assert read_number(number) == spoken


@pytest.mark.parametrize(
    ("n", "spoken"),
    [
        (0, "零"),
        (3, "三"),
        (10, "十"),
        (12, "十二"),
        (20, "二十"),
        (99, "九十九"),
        (100, "一百"),
        (101, "一百零一"),
        (110, "一百一十"),
        (1005, "一千零五"),
        (1010, "一千零一十"),
        (10005, "一万零五"),
    ],
)
def test_window_numbers_are_read_as_cardinals(n: int, spoken: str) -> None:
    assert read_window(n) == spoken


def test_a_negative_window_number_is_refused() -> None:
    with pytest.raises(ValueError):
        read_window(-1)


def test_the_announcement_uses_spoken_forms() -> None:
    assert announcement(TEMPLATE, "A001", 3) == "请A零零一号到三号窗口办理"
    assert announcement(TEMPLATE, "B012", 12) == "请B零一二号到十二号窗口办理"


def test_a_window_given_as_text_is_read_like_a_number() -> None:
    assert announcement(TEMPLATE, "A001", "20") == "请A零零一号到二十号窗口办理"
    assert announcement(TEMPLATE, "A001", "3A") == "请A零零一号到三A号窗口办理"


def test_the_window_name_can_appear_in_the_template() -> None:
    text = announcement("请{number}号到{window}号{window_name}办理", "A001", 5, "综合窗口2")
    assert text == "请A零零一号到五号综合窗口二办理"


def test_an_unknown_placeholder_is_left_visible_instead_of_failing() -> None:
    assert announcement("{number}{oops}", "A1", 1) == "A一{oops}"


def test_an_empty_template_falls_back_to_the_default() -> None:
    assert announcement("", "A001", 3) == "请A零零一号到三号窗口办理"


def test_display_text_keeps_plain_digits() -> None:
    assert display_text(TEMPLATE, "A001", 3) == "请A001号到3号窗口办理"
    assert display_text(TEMPLATE, "B012", "12") == "请B012号到12号窗口办理"


@pytest.mark.parametrize(
    ("shown", "spoken"),
    [
        ("请A001号到3号窗口办理", "请A零零一号到三号窗口办理"),
        ("请B012号到10号窗口办理", "请B零一二号到十号窗口办理"),
        ("请A001号到12号窗口办理", "请A零零一号到十二号窗口办理"),
        ("请C100号到100号窗口办理", "请C一零零号到一百号窗口办理"),
        ("A001请到12号窗口，谢谢", "A零零一请到十二号窗口，谢谢"),
        ("咨询电话0451-12345678", "咨询电话零四五一-一二三四五六七八"),
    ],
)
def test_a_halls_sentence_is_read_with_ticket_digits_one_by_one_and_windows_as_numbers(
    shown: str, spoken: str
) -> None:
    assert speech_text(shown) == spoken


def test_a_known_ticket_number_is_read_digit_by_digit_even_without_a_letter() -> None:
    assert speech_text("请012号到12号窗口", number="012") == "请零一二号到十二号窗口"
    assert speech_text("请12号到3号窗口", number="12") == "请一二号到三号窗口"
    assert speech_text("请12号到12号窗口", number="12") == "请一二号到十二号窗口"


def test_the_server_and_the_announcer_share_one_normaliser() -> None:
    from display.calls import Call
    from server.services.catalog import publicity

    assert publicity.speech_text is speech_text
    call = Call(seq=1, number="A001", window=12, text="请A001号到12号窗口办理")
    assert call.spoken() == publicity.speech_text(call.text)
