"""The monthly 量化考核 as the hall's plan describes it, per window, clerk or department (入驻单位).

Components (each 0–100, `None` when there is nothing to measure, then left out of the score):

- satisfaction 群众满意度: 100 × satisfied ratings ÷ ratings (满意率 as the hall defines it); a rating
  whose 申诉 was upheld is not counted against the window or clerk.
- center 中心评分 and department 单位评分: the manual scores of the month (PUT /assessment/scores);
  a department is scored by the center only.
- efficiency 效率: the mean of the parts that have data: 100 × min(1, expected ÷ actual service time
  of the finished visits); 即办率 = 100 × 即办件 done on the spot (outcome done, 即收即办) ÷
  applications taken (those plus promised cases accepted, 受理); 按时办结率 = 100 × cases decided
  within their promised working days ÷ cases due (decided in the month, plus cases still open past
  their due date at the month's end or today). Cases count where they were accepted.
- discipline 纪律: 100 − 100 × pause beyond the daily allowance ÷ open time − a penalty for each
  day the window opened late; a visitor who did not come (过号) is never the clerk's indiscipline.
- volume 工作量: 100 × served ÷ the most any peer served.
- items 事项纳入 (departments): 100 × the department's active items served at a window ÷ its items.
- staffing 窗口到位 (departments): 100 × window-days opened ÷ window-days scheduled (its own windows
  on the hall's working days of the range, up to today).

score = Σ weight × component ÷ Σ weight over the components with data. Every row carries its
inputs and `explain`, one sentence per component saying how its number was reached.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date
from typing import Any

from ...engine.numbering import local_time
from ...storage.models import Site
from ..access.principal import Principal
from ..cases import case_report
from ..context import Context
from . import assessment, reports
from .scorecard_inputs import (
    Manual,
    department_extras,
    discipline,
    events,
    manual,
    month_span,
    names,
    own_windows,
    ratings,
    rules,
)

BY = ("window", "staff", "department")


def assess(
    ctx: Context,
    who: Principal,
    start: date,
    end: date,
    by: str,
    weights: dict[str, float | None] | None = None,
    month: str | None = None,
    lang: str = "zh",
) -> dict[str, Any]:
    """Scores per window, clerk or department with every input, the weights and an explanation per row
    (in Chinese, or English with `lang="en"`)."""
    reports.check(who, start, end, by, BY)
    now = ctx.clock.now()
    if month is None and start.day == 1 and month_span(start.strftime("%Y-%m"))[1] == end:
        month = start.strftime("%Y-%m")
    with ctx.uow(write=False) as uow:
        s = uow.session
        site = s.get_one(Site, who.site_id)
        w = assessment.weights_of(site, weights)
        today = local_time(now, site.timezone).date()
        ev = events(s, site.id, start, end, by)
        rates = ratings(s, site, start, end, by)
        by_rater = manual(s, site.id, month, by)
        if by == "department":
            per_window = discipline(s, site, start, end, now, "window")
            disc: dict[Any, dict[str, float]] = defaultdict(
                lambda: {"open_s": 0.0, "paused_s": 0.0, "excess_s": 0.0, "late": 0.0, "days": 0.0}
            )
            for wid, did in own_windows(s, site.id).items():
                for f, v in per_window.get(wid, {}).items():
                    disc[did][f] += v
            extras = department_extras(s, site, start, end, today)
            keys = set(ev) | set(rates) | {k for k, _ in by_rater} | set(extras)
        else:
            disc = discipline(s, site, start, end, now, by)
            extras = {}
            keys = set(ev) | set(rates) | set(disc) | {k for k, _ in by_rater}
        cases = case_report.figures(s, site, start, end, by, today)
        keys |= set(cases)
        labels = names(s, by, keys)
        labels_en = reports.names_in_english(s, by, keys)
        rule = rules(site)
    max_served = max((int(v[1]) for v in ev.values()), default=0)
    rows = [
        _row(
            k,
            labels.get(k, str(k)),
            by,
            ev.get(k),
            rates.get(k),
            dict(disc.get(k) or {}),
            by_rater.get((k, "center")),
            by_rater.get((k, "department")),
            extras.get(k),
            cases.get(k),
            max_served,
            w,
            rule,
            lang,
        )
        for k in sorted(keys, key=str)
    ]
    for r in rows:  # the English name for pages in English, where the hall gave one
        r["name_en"] = labels_en.get(r["key"]) or r["name"]
    rows.sort(key=lambda r: (-(r["score"] or 0), str(r["name"])))
    return {
        "items": rows,
        "weights": w,
        "month": month,
        "from": start.isoformat(),
        "to": end.isoformat(),
        "formula": EXPLAIN["en" if lang == "en" else "zh"]["formula"],
    }


def _pct(a: float, b: float) -> float | None:
    return 100.0 * a / b if b else None


# one sentence per component, in the page's language; {placeholders} filled by _explain
EXPLAIN: dict[str, dict[str, str]] = {
    "zh": {
        "satisfaction": "群众满意度 {v} = 100 × {good} 条满意 ÷ {total} 条评价",
        "appeals": "（申诉成立的 {n} 条差评不计）",
        "center": "中心评分 {score}（{by}：{comment}）",
        "department": "单位评分 {score}（{by}：{comment}）",
        "efficiency": "效率 {v} = ({parts}) ÷ {n}",
        "eff_time": "办理用时 {v} = 100 × min(1, 标准办理 {exp} 分钟 ÷ 实际办理 {act} 分钟)",
        "eff_instant": "即办率 {v} = 100 × 当场办结的即办件 {done} ÷ 受理申请 {taken}"
        "（即办件 {done} + 受理的承诺件 {acc}）",
        "eff_on_time": "按时办结率 {v} = 100 × 承诺时限内办结 {on_time} ÷ 应办结 {due}"
        "（本月办结 {completed} + 月末已超期未办结 {open_overdue}；承诺时限按中心工作日计，不含受理当日）",
        "discipline": "纪律 {v} = 100 − 100 × 超出每日{allow}分钟额度的暂停 {excess} 分钟 ÷ "
        "在岗 {on_duty} 分钟 − {penalty} × {late} 天迟开窗（过号 {no_show} 次是群众未到，不计入纪律）",
        "volume": "工作量 {v} = 100 × 办结 {served} ÷ 同类最高 {max}",
        "items": "事项纳入 {v} = 100 × 在窗口办理的事项 {present} ÷ 登记事项 {items}",
        "staffing": "窗口到位 {v} = 100 × 开窗 {open} 窗口·天 ÷ 应开 {days} 窗口·天",
        "score": "综合得分 {v} = ({parts}) ÷ {sum}",
        "formula": "综合得分 = Σ 权重 × 分项 ÷ Σ 权重（无数据的分项不计）",
    },
    "en": {
        "satisfaction": "Satisfaction {v} = 100 × {good} satisfied ÷ {total} ratings",
        "appeals": " ({n} bad ratings whose appeal was upheld not counted)",
        "center": "Center score {score} ({by}: {comment})",
        "department": "Department score {score} ({by}: {comment})",
        "efficiency": "Efficiency {v} = ({parts}) ÷ {n}",
        "eff_time": "Service time {v} = 100 × min(1, standard {exp} min ÷ actual {act} min)",
        "eff_instant": "Done-on-the-spot rate {v} = 100 × {done} instant items done at the counter "
        "÷ {taken} applications taken ({done} instant + {acc} promised cases accepted)",
        "eff_on_time": "On-time rate {v} = 100 × {on_time} cases completed within the promised time "
        "÷ {due} cases due ({completed} completed this month + {open_overdue} still open past their "
        "due date at month end; promised time in the hall's working days, the acceptance day not counted)",
        "discipline": "Discipline {v} = 100 − 100 × {excess} min paused beyond the {allow}-minute "
        "daily allowance ÷ {on_duty} min on duty − {penalty} × {late} days opened late "
        "({no_show} no-shows are visitors who did not come, not counted as discipline)",
        "volume": "Volume {v} = 100 × {served} served ÷ {max}, the most any peer served",
        "items": "Items {v} = 100 × {present} items served at a window ÷ {items} items registered",
        "staffing": "Staffing {v} = 100 × {open} window-days opened ÷ {days} window-days scheduled",
        "score": "Score {v} = ({parts}) ÷ {sum}",
        "formula": "Score = Σ weight × component ÷ Σ weight (components without data left out)",
    },
}
EFF_PARTS = ("eff_time", "eff_instant", "eff_on_time")


def _efficiency(
    ev_exp: float, ev_act: float, cs: dict[str, int] | None
) -> tuple[dict[str, float | None], dict[str, int]]:
    """The efficiency's parts (0–100 or None): service time against the standard, 即办率, 按时办结率.

    即办率 = 即办件 done on the spot (outcome done, 即收即办) ÷ applications taken (those plus the
    promised cases accepted, 受理); 按时办结率 = cases decided within the promised working days ÷
    cases due (decided in the month, plus cases still open past their due date at the month's end or
    today), counted where the case was accepted (services/cases/case_report.py)."""
    c = dict(cs or {})
    counts = {
        "done": c.get("instant_done", 0),
        "acc": c.get("accepted", 0),
        "taken": c.get("instant_done", 0) + c.get("accepted", 0),
        "on_time": c.get("cases_on_time", 0),
        "completed": c.get("cases_completed", 0),
        "due": c.get("cases_on_time", 0) + c.get("cases_overdue", 0),
    }
    counts["open_overdue"] = counts["due"] - counts["completed"]
    parts: dict[str, float | None] = {
        "eff_time": 100.0 * min(1.0, ev_exp / ev_act) if ev_act > 0 else None,
        "eff_instant": _pct(counts["done"], counts["taken"]),
        "eff_on_time": _pct(counts["on_time"], counts["due"]),
    }
    return parts, counts


def _row(
    k: Any,
    name: str,
    by: str,
    ev: list[float] | None,
    rate: list[int] | None,
    disc: dict[str, float],
    center: Manual | None,
    dept: Manual | None,
    extra: dict[str, float] | None,
    cs: dict[str, int] | None,
    max_served: int,
    w: dict[str, float],
    rule: dict[str, float],
    lang: str = "zh",
) -> dict[str, Any]:
    called, served, no_show, service_s, expected_s = ev or [0.0] * 5
    total, good, dropped = rate or [0, 0, 0]
    open_s, excess_s, late = (
        disc.get("open_s", 0.0),
        disc.get("excess_s", 0.0),
        disc.get("late", 0.0),
    )
    discipline = None
    if open_s > 0 or late:
        share = excess_s / (open_s + disc.get("paused_s", 0.0)) if open_s else 0.0
        discipline = max(0.0, 100.0 - 100.0 * share - rule["late_penalty"] * late)
    parts, cnt = _efficiency(expected_s, service_s, cs)
    have = [v for v in parts.values() if v is not None]
    comp: dict[str, float | None] = {
        "satisfaction": _pct(good, total),
        "center": float(center.score) if center else None,
        "department": float(dept.score) if dept and by != "department" else None,
        "efficiency": sum(have) / len(have) if have else None,
        "discipline": discipline,
        "volume": _pct(served, max_served),
        "items": _pct(extra["items_present"], extra["items"]) if extra else None,
        "staffing": _pct(extra["window_days_open"], extra["window_days"]) if extra else None,
    }
    used = {c: v for c, v in comp.items() if v is not None and w.get(c, 0) > 0}
    score = sum(w[c] * v for c, v in used.items()) / sum(w[c] for c in used) if used else None
    r1 = reports._round
    say = EXPLAIN["en" if lang == "en" else "zh"]
    explain = []
    if comp["satisfaction"] is not None:
        explain.append(
            say["satisfaction"].format(v=r1(comp["satisfaction"]), good=good, total=total)
            + (say["appeals"].format(n=dropped) if dropped else "")
        )
    for label, m in (("center", center), ("department", dept if by != "department" else None)):
        if m is not None:
            explain.append(say[label].format(score=m.score, by=m.by_name, comment=m.comment))
    if comp["efficiency"] is not None:
        got = [(p, v) for p, v in parts.items() if v is not None]
        explain.append(
            say["efficiency"].format(
                v=r1(comp["efficiency"]),
                parts=" + ".join(f"{r1(v)}" for _, v in got),
                n=len(got),
            )
        )
        for p, v in got:
            explain.append(
                "· "
                + say[p].format(
                    v=r1(v), exp=f"{expected_s / 60:.1f}", act=f"{service_s / 60:.1f}", **cnt
                )
            )
    if discipline is not None:
        explain.append(
            say["discipline"].format(
                v=r1(discipline),
                allow=f"{rule['pause_allowance_min']:g}",
                excess=f"{excess_s / 60:.1f}",
                on_duty=f"{(open_s + disc.get('paused_s', 0.0)) / 60:.1f}",
                penalty=f"{rule['late_penalty']:g}",
                late=int(late),
                no_show=int(no_show),
            )
        )
    if comp["volume"] is not None:
        explain.append(
            say["volume"].format(v=r1(comp["volume"]), served=int(served), max=max_served)
        )
    if extra and comp["items"] is not None:
        explain.append(
            say["items"].format(
                v=r1(comp["items"]),
                present=int(extra["items_present"]),
                items=int(extra["items"]),
            )
        )
    if extra and comp["staffing"] is not None:
        explain.append(
            say["staffing"].format(
                v=r1(comp["staffing"]),
                open=int(extra["window_days_open"]),
                days=int(extra["window_days"]),
            )
        )
    if score is not None:
        terms = " + ".join(f"{w[c]:g}×{r1(v)}" for c, v in used.items())
        explain.append(
            say["score"].format(v=r1(score), parts=terms, sum=f"{sum(w[c] for c in used):g}")
        )
    return {
        "key": k,
        "name": name,
        "score": r1(score),
        **{c: r1(v) for c, v in comp.items()},
        "called": int(called),
        "served": int(served),
        "no_show": int(no_show),
        "service_s": round(service_s, 1),
        "expected_s": round(expected_s, 1),
        "instant_done": cnt["done"],
        "accepted": cnt["acc"],
        "cases_completed": cnt["completed"],
        "cases_on_time": cnt["on_time"],
        "cases_due": cnt["due"],
        "instant_rate": round(cnt["done"] / cnt["taken"], 4) if cnt["taken"] else None,
        "on_time_rate": round(cnt["on_time"] / cnt["due"], 4) if cnt["due"] else None,
        "evaluations": total,
        "satisfied": good,
        "appeals_upheld": dropped,
        "open_s": round(open_s, 1),
        "paused_s": round(disc.get("paused_s", 0.0), 1),
        "pause_excess_s": round(excess_s, 1),
        "late_openings": int(late),
        "center_comment": center.comment if center else None,
        "department_comment": dept.comment if dept and by != "department" else None,
        "max_served": max_served,
        "explain": explain,
        **(
            {
                "items_registered": int(extra["items"]),
                "items_present": int(extra["items_present"]),
                "window_days": int(extra["window_days"]),
                "window_days_open": int(extra["window_days_open"]),
            }
            if extra
            else {}
        ),
    }


COLUMNS = (
    "key",
    "name",
    "score",
    "satisfaction",
    "center",
    "department",
    "efficiency",
    "discipline",
    "volume",
    "items",
    "staffing",
    "called",
    "served",
    "no_show",
    "service_s",
    "expected_s",
    "instant_done",
    "accepted",
    "instant_rate",
    "cases_completed",
    "cases_on_time",
    "cases_due",
    "on_time_rate",
    "evaluations",
    "satisfied",
    "appeals_upheld",
    "open_s",
    "paused_s",
    "pause_excess_s",
    "late_openings",
    "center_comment",
    "department_comment",
)
