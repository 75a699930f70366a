"""The monthly 量化考核 as the hall's plan describes it, per window, clerk or department (入驻单位).

Components (each 0–100, `None` when there is nothing to measure, then left out of the score):

- satisfaction 群众满意度: 100 × satisfied ratings ÷ ratings (满意率 as the hall defines it); a rating
  whose 申诉 was upheld is not counted against the window or clerk.
- center 中心评分 and department 单位评分: the manual scores of the month (PUT /assessment/scores);
  a department is scored by the center only.
- efficiency 效率: 100 × min(1, expected ÷ actual service time of the finished visits).
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

from ..engine.numbering import local_time
from ..storage.models import (
    Site,
)
from . import assessment, reports
from .context import Context
from .principal import Principal
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
) -> dict[str, Any]:
    """Scores per window, clerk or department with every input, the weights and an explanation per row."""
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
        labels = names(s, by, keys)
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
            max_served,
            w,
            rule,
        )
        for k in sorted(keys, key=str)
    ]
    rows.sort(key=lambda r: (-(r["score"] or 0), str(r["name"])))
    return {
        "items": rows,
        "weights": w,
        "month": month,
        "from": start.isoformat(),
        "to": end.isoformat(),
        "formula": "综合得分 = Σ 权重 × 分项 ÷ Σ 权重（无数据的分项不计）",
    }


def _pct(a: float, b: float) -> float | None:
    return 100.0 * a / b if b else None


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
    max_served: int,
    w: dict[str, float],
    rule: dict[str, float],
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
    comp: dict[str, float | None] = {
        "satisfaction": _pct(good, total),
        "center": float(center.score) if center else None,
        "department": float(dept.score) if dept and by != "department" else None,
        "efficiency": 100.0 * min(1.0, expected_s / service_s) if service_s > 0 else None,
        "discipline": discipline,
        "volume": _pct(served, max_served),
        "items": _pct(extra["items_present"], extra["items"]) if extra else None,
        "staffing": _pct(extra["window_days_open"], extra["window_days"]) if extra else None,
    }
    used = {c: v for c, v in comp.items() if v is not None and w.get(c, 0) > 0}
    score = sum(w[c] * v for c, v in used.items()) / sum(w[c] for c in used) if used else None
    r1 = reports._round
    explain = []
    if comp["satisfaction"] is not None:
        explain.append(
            f"群众满意度 {r1(comp['satisfaction'])} = 100 × {good} 条满意 ÷ {total} 条评价"
            + (f"（申诉成立的 {dropped} 条差评不计）" if dropped else "")
        )
    for label, m in (("中心评分", center), ("单位评分", dept if by != "department" else None)):
        if m is not None:
            explain.append(f"{label} {m.score}（{m.by_name}：{m.comment}）")
    if comp["efficiency"] is not None:
        explain.append(
            f"效率 {r1(comp['efficiency'])} = 100 × min(1, 标准办理 {expected_s / 60:.1f} 分钟 ÷ "
            f"实际办理 {service_s / 60:.1f} 分钟)"
        )
    if discipline is not None:
        explain.append(
            f"纪律 {r1(discipline)} = 100 − 100 × 超出每日{rule['pause_allowance_min']:g}分钟额度的暂停 "
            f"{excess_s / 60:.1f} 分钟 ÷ 在岗 {(open_s + disc.get('paused_s', 0.0)) / 60:.1f} 分钟 − "
            f"{rule['late_penalty']:g} × {int(late)} 天迟开窗（过号 {int(no_show)} 次是群众未到，不计入纪律）"
        )
    if comp["volume"] is not None:
        explain.append(
            f"工作量 {r1(comp['volume'])} = 100 × 办结 {int(served)} ÷ 同类最高 {max_served}"
        )
    if extra and comp["items"] is not None:
        explain.append(
            f"事项纳入 {r1(comp['items'])} = 100 × 在窗口办理的事项 {int(extra['items_present'])} ÷ "
            f"登记事项 {int(extra['items'])}"
        )
    if extra and comp["staffing"] is not None:
        explain.append(
            f"窗口到位 {r1(comp['staffing'])} = 100 × 开窗 {int(extra['window_days_open'])} 窗口·天 ÷ "
            f"应开 {int(extra['window_days'])} 窗口·天"
        )
    if score is not None:
        parts = " + ".join(f"{w[c]:g}×{r1(v)}" for c, v in used.items())
        explain.append(f"综合得分 {r1(score)} = ({parts}) ÷ {sum(w[c] for c in used):g}")
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
