"""Consistency checks for the demo hall data in server/demo_data.py."""

from __future__ import annotations

import re
import sys
from collections import Counter
from pathlib import Path

import pytest

# Make the repo root importable when pytest is run without an installed package.
sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from server import demo_data as dd

MODES = {"instant", "promised", "joint", "agency"}
WINDOW_KINDS = {"normal", "comprehensive", "green", "consulting"}
DISCLOSURE_KEYS = ("basis", "conditions", "materials", "procedure", "time_limit", "fees")


def _dept_codes() -> set[str]:
    return {d["code"] for d in dd.DEPARTMENTS}


def _service_codes() -> set[str]:
    return {s["code"] for s in dd.SERVICES}


def test_module_names_exist() -> None:
    for name in (
        "CENTRE",
        "DEPARTMENTS",
        "SERVICES",
        "WINDOWS",
        "STAFF",
        "DEVICES",
        "PUBLICITY",
        "EVALUATION_REASONS",
    ):
        assert hasattr(dd, name), name


def test_centre() -> None:
    c = dd.CENTRE
    assert c["name"] == "新林区行政便民服务中心"
    assert c["name_en"] == "Xinlin District Government Service Center"
    assert c["address"] and c["phone"]
    hhmm = re.compile(r"^\d{2}:\d{2}$")
    for day in ("weekdays", "saturday", "sunday"):
        for start, end in c["hours"][day]:
            assert hhmm.match(start) and hhmm.match(end)
            assert start < end
    assert c["hours"]["weekdays"]


def test_counts() -> None:
    assert len(dd.DEPARTMENTS) >= 12
    assert len(dd.SERVICES) >= 44
    assert len(dd.WINDOWS) >= 18
    assert len(dd.STAFF) >= 22
    assert {w["kind"] for w in dd.WINDOWS} == WINDOW_KINDS
    assert 6 <= len(dd.EVALUATION_REASONS) <= 8


def test_required_departments_present() -> None:
    shorts = {d["short"] for d in dd.DEPARTMENTS}
    for short in (
        "市场监管",
        "人社",
        "医保",
        "不动产登记",
        "公安户政",
        "税务",
        "公积金",
        "民政",
        "交通运输",
        "自然资源",
        "卫健",
        "残联",
    ):
        assert short in shorts, short


def test_department_fields_and_unique_codes() -> None:
    codes = [d["code"] for d in dd.DEPARTMENTS]
    assert len(codes) == len(set(codes))
    for d in dd.DEPARTMENTS:
        for key in ("code", "name", "short", "name_en"):
            assert isinstance(d[key], str) and d[key], (d, key)


def test_service_fields() -> None:
    depts = _dept_codes()
    for s in dd.SERVICES:
        assert s["department"] in depts, s["code"]
        assert s["name"] and s["name_en"]
        assert s["mode"] in MODES, s["code"]
        assert isinstance(s["promised_days"], int) and s["promised_days"] >= 0
        assert s["daily_cap"] is None or (isinstance(s["daily_cap"], int) and s["daily_cap"] > 0)
        assert isinstance(s["expected_service_min"], int) and s["expected_service_min"] > 0
        assert isinstance(s["wait_threshold_min"], int) and s["wait_threshold_min"] > 0
        assert isinstance(s["needs_consult"], bool)


def test_unique_service_codes() -> None:
    codes = [s["code"] for s in dd.SERVICES]
    dupes = [c for c, n in Counter(codes).items() if n > 1]
    assert not dupes


def test_all_modes_present_and_mostly_instant_or_promised() -> None:
    modes = Counter(s["mode"] for s in dd.SERVICES)
    assert set(modes) == MODES
    assert modes["instant"] + modes["promised"] > len(dd.SERVICES) / 2


def test_prefixes() -> None:
    by_dept: dict[str, set[str]] = {}
    for s in dd.SERVICES:
        p = s["prefix"]
        assert re.fullmatch(r"[A-Z]", p), s["code"]
        assert p not in {"E", "I", "O"}, s["code"]
        by_dept.setdefault(s["department"], set()).add(p)
    for dept, prefixes in by_dept.items():
        assert len(prefixes) == 1, (dept, prefixes)
    letters = [next(iter(p)) for p in by_dept.values()]
    assert len(letters) == len(set(letters)), "departments must not share a prefix"


def test_every_department_has_services() -> None:
    used = {s["department"] for s in dd.SERVICES}
    assert used == _dept_codes()


def test_needs_consult_and_caps() -> None:
    consult = [s for s in dd.SERVICES if s["needs_consult"]]
    assert 2 <= len(consult) <= 3
    capped = [s for s in dd.SERVICES if s["daily_cap"] is not None]
    assert 3 <= len(capped) <= 4


def test_full_width_punctuation_name_present() -> None:
    assert any(re.search(r"[（）“”、]", s["name"]) for s in dd.SERVICES)


def test_general_consultation_service() -> None:
    consult = [s for s in dd.SERVICES if s["name"] == "综合咨询"]
    assert len(consult) == 1
    assert consult[0]["prefix"] == "Z"


def test_disclosure_non_empty() -> None:
    for s in dd.SERVICES:
        disc = s["disclosure"]
        for key in DISCLOSURE_KEYS:
            assert disc.get(key), (s["code"], key)
        assert isinstance(disc["materials"], list)
        assert all(isinstance(m, str) and m for m in disc["materials"])
        assert isinstance(disc["procedure"], list) and len(disc["procedure"]) >= 2
        assert all(isinstance(p, str) and p for p in disc["procedure"])
        for key in ("basis", "conditions", "time_limit", "fees"):
            assert isinstance(disc[key], str)


@pytest.mark.parametrize("service", dd.SERVICES, ids=lambda s: s["code"])
def test_time_limit_consistent(service: dict) -> None:
    days = service["promised_days"]
    tl = service["disclosure"]["time_limit"]
    if service["mode"] == "instant":
        assert days == 0
    if service["mode"] == "promised":
        assert days > 0
    if days == 0:
        assert tl == "即办"
    else:
        assert tl == f"承诺{days}个工作日"


def test_windows_structure() -> None:
    numbers = [w["number"] for w in dd.WINDOWS]
    assert len(numbers) == len(set(numbers))
    assert set(range(1, 19)) <= set(numbers)
    codes = _service_codes()
    for w in dd.WINDOWS:
        assert w["kind"] in WINDOW_KINDS
        assert w["name"] and w["name_en"]
        assert w["services"], w["number"]
        seen = [c for c, _ in w["services"]]
        assert len(seen) == len(set(seen)), w["number"]
        for code, weight in w["services"]:
            assert code in codes, (w["number"], code)
            assert isinstance(weight, int) and 1 <= weight <= 10


def test_special_windows() -> None:
    kinds = Counter(w["kind"] for w in dd.WINDOWS)
    assert kinds["comprehensive"] >= 1
    assert kinds["green"] >= 1
    assert kinds["consulting"] == 1
    consulting = next(w for w in dd.WINDOWS if w["kind"] == "consulting")
    served = {c for c, _ in consulting["services"]}
    for s in dd.SERVICES:
        if s["needs_consult"]:
            assert s["code"] in served, s["code"]
    assert any(s["name"] == "综合咨询" and s["code"] in served for s in dd.SERVICES)
    green = next(w for w in dd.WINDOWS if w["kind"] == "green")
    assert len(green["services"]) >= 10
    assert all(weight <= 5 for _, weight in green["services"])


def test_busy_departments_have_two_windows() -> None:
    by_code = {s["code"]: s for s in dd.SERVICES}
    for depts in (("bdc",), ("rsj", "ybj"), ("gahz",), ("swj",)):
        windows = {
            w["number"]
            for w in dd.WINDOWS
            if w["kind"] == "normal"
            and any(
                by_code[c]["department"] in depts and weight >= 8 for c, weight in w["services"]
            )
        }
        assert len(windows) >= 2, depts


def test_every_service_served() -> None:
    served = {c for w in dd.WINDOWS for c, _ in w["services"]}
    missing = _service_codes() - served
    assert not missing, missing


def test_every_service_served_by_non_consulting_window() -> None:
    served = {c for w in dd.WINDOWS if w["kind"] != "consulting" for c, _ in w["services"]}
    missing = (
        _service_codes() - served - {s["code"] for s in dd.SERVICES if s["name"] == "综合咨询"}
    )
    assert not missing, missing


def test_staff_unique_and_roles() -> None:
    usernames = [s["username"] for s in dd.STAFF]
    badges = [s["badge"] for s in dd.STAFF]
    assert len(usernames) == len(set(usernames))
    assert len(badges) == len(set(badges))
    roles = Counter(s["role"] for s in dd.STAFF)
    assert set(roles) <= {"clerk", "supervisor", "admin"}
    assert roles["admin"] == 1
    assert roles["supervisor"] == 2
    admin = next(s for s in dd.STAFF if s["role"] == "admin")
    assert admin["username"] == "admin"
    for s in dd.STAFF:
        assert re.fullmatch(r"[a-z]+", s["username"]), s["username"]
        assert s["name"]
        if s["role"] != "clerk":
            assert s["windows"] == []
        else:
            assert s["windows"], s["username"]


def test_staff_windows_exist_and_cover_all() -> None:
    numbers = {w["number"] for w in dd.WINDOWS}
    staffed: Counter[int] = Counter()
    for s in dd.STAFF:
        for n in s["windows"]:
            assert n in numbers, (s["username"], n)
            staffed[n] += 1
    for n in range(1, 18):
        assert staffed[n] >= 1, n
    for n in numbers:
        assert staffed[n] >= 1, n


def test_devices() -> None:
    kinds = Counter(d["kind"] for d in dd.DEVICES)
    assert set(kinds) <= {"kiosk", "display", "announcer", "evaluator"}
    assert kinds["kiosk"] == 2
    assert kinds["announcer"] == 1
    hall_displays = [d for d in dd.DEVICES if d["kind"] == "display" and d["window"] is None]
    assert len(hall_displays) == 1
    assert any(d["kind"] == "display" and d["window"] == 1 for d in dd.DEVICES)
    evaluators = {d["window"] for d in dd.DEVICES if d["kind"] == "evaluator"}
    assert {1, 2, 3, 4} <= evaluators
    numbers = {w["number"] for w in dd.WINDOWS}
    for d in dd.DEVICES:
        assert d["window"] is None or d["window"] in numbers
    names = [d["name"] for d in dd.DEVICES]
    assert len(names) == len(set(names))


def test_publicity() -> None:
    texts = [p for p in dd.PUBLICITY if p["kind"] == "text"]
    images = [p for p in dd.PUBLICITY if p["kind"] == "image"]
    assert len(texts) >= 6
    assert 2 <= len(images) <= 3
    assert len(texts) + len(images) == len(dd.PUBLICITY)
    for p in dd.PUBLICITY:
        assert p["title"] and p["body"]


def test_evaluation_reasons() -> None:
    reasons = dd.EVALUATION_REASONS
    assert len(reasons) == len(set(reasons))
    assert all(isinstance(r, str) and r for r in reasons)
    assert "其他" in reasons


def test_pure_data_module() -> None:
    import ast
    import inspect

    tree = ast.parse(inspect.getsource(dd))
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            pytest.fail("demo_data must not use plain imports")
        if isinstance(node, ast.ImportFrom):
            assert node.module in {"typing", "__future__"}, node.module
        assert not isinstance(node, (ast.FunctionDef, ast.ClassDef, ast.Lambda)), type(node)


def test_service_periods_name_real_items_and_windows_outside_the_ordinary_hours() -> None:
    codes = {s["code"] for s in dd.SERVICES}
    numbers = {w["number"] for w in dd.WINDOWS}
    kinds = {p["kind"] for p in dd.SERVICE_PERIODS}
    assert kinds == {"extended", "staggered"}  # a lunchtime 延时服务 and a Saturday 错时服务
    for p in dd.SERVICE_PERIODS:
        assert set(p["services"]) <= codes and set(p["windows"]) <= numbers
        assert len(p["services"]) >= 3 and p["start"] < p["end"]
    lunch = next(p for p in dd.SERVICE_PERIODS if p["kind"] == "extended")
    morning, afternoon = dd.CENTRE["hours"]["weekdays"]
    assert lunch["start"] == morning[1] and lunch["end"] == afternoon[0]  # the lunch break
    assert dd.CENTRE["hours"]["saturday"] == []  # Saturdays: only the 错时服务's items
