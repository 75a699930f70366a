"""Report exports a hall can hand on: Chinese column headers (English with lang=en), times in
minutes with one decimal, rates in per cent, levels and states in words.

Every CSV and XLSX export of the API goes through `file_response`, so a rule for every exported
cell (e.g. neutralising spreadsheet formulas) has one place to live: `reports.to_csv` / `to_xlsx`.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from flask import Response

from ...logmask import mask
from . import reports

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

# column -> (Chinese, English); a column ending in _s is a time (shown in minutes), _rate/_share a rate (%)
HEADERS: dict[str, tuple[str, str]] = {
    "key": ("编号", "ID"),
    "name": ("名称", "Name"),
    "issued": ("取号/呼叫", "Issued/called"),
    "served": ("已办理", "Served"),
    "no_show": ("过号", "No-shows"),
    "transferred": ("转办", "Transfers"),
    "transferred_in": ("转入", "Transferred in"),
    "transferred_out": ("转出", "Transferred out"),
    "cancelled": ("取消", "Cancelled"),
    "wait_avg_s": ("平均等候", "Average wait"),
    "wait_median_s": ("等候中位数", "Median wait"),
    "wait_p90_s": ("等候P90", "Wait P90"),
    "service_avg_s": ("平均办理", "Average service"),
    "service_median_s": ("办理中位数", "Median service"),
    "service_p90_s": ("办理P90", "Service P90"),
    "evaluations": ("评价数", "Ratings"),
    "satisfied": ("满意数", "Satisfied"),
    "satisfaction_rate": ("满意率", "Satisfaction rate"),
    "good_rate": ("好评率", "Good rate"),
    "bad_rate": ("差评率", "Bad rate"),
    "within_promised": ("窗口环节时限内", "Within the counter's time"),
    "within_promised_rate": ("窗口环节时限内占比", "Share within the counter's time"),
    # cases (issue 17): 办结 is a case completed, never a visit ended or a refusal at the counter
    "accepted": ("受理", "Accepted"),
    "instant_done": ("即办", "Done on the spot"),
    "refused": ("不予受理", "Refused"),
    "cases_completed": ("办结", "Cases completed"),
    "cases_on_time": ("按时办结", "Completed on time"),
    "cases_overdue": ("超期", "Overdue"),
    "cases_due": ("应办结", "Cases due"),
    "instant_rate": ("即办率", "Done-on-the-spot rate"),
    "on_time_rate": ("按时办结率", "On-time rate"),
    "level_5": ("非常满意", "Very satisfied"),
    "level_4": ("满意", "Satisfied"),
    "level_3": ("基本满意", "Fairly satisfied"),
    "level_2": ("不满意", "Dissatisfied"),
    "level_1": ("非常不满意", "Very dissatisfied"),
    "score": ("综合得分", "Score"),
    "satisfaction": ("群众满意度", "Satisfaction"),
    "center": ("中心评分", "Center score"),
    "department": ("单位评分", "Department score"),
    "efficiency": ("效率", "Efficiency"),
    "discipline": ("纪律", "Discipline"),
    "volume": ("工作量", "Volume"),
    "items": ("事项纳入", "Items in hall"),
    "staffing": ("窗口到位", "Windows staffed"),
    "called": ("呼叫", "Called"),
    "service_s": ("实际办理", "Service time"),
    "expected_s": ("标准办理", "Expected time"),
    "appeals_upheld": ("申诉成立", "Appeals upheld"),
    "open_s": ("开放时长", "Open time"),
    "paused_s": ("暂停时长", "Paused time"),
    "pause_excess_s": ("超额暂停", "Pause over allowance"),
    "late_openings": ("迟开窗天数", "Late openings"),
    "center_comment": ("中心评分说明", "Center's reason"),
    "department_comment": ("单位评分说明", "Department's reason"),
    "weekday": ("星期", "Weekday"),
    "hour": ("小时", "Hour"),
    "arrivals": ("取号数", "Arrivals"),
    "days": ("天数", "Days"),
    "per_day": ("日均", "Per day"),
    "id": ("编号", "ID"),
    "day": ("日期", "Date"),
    "number": ("号码", "Number"),
    "case_number": ("办件编号", "Case number"),
    "service": ("事项", "Service"),
    "window": ("窗口", "Window"),
    "staff": ("工作人员", "Clerk"),
    "level": ("评价", "Rating"),
    "reason": ("原因", "Reason"),
    "rectification": ("整改状态", "Rectification"),
    "rectification_note": ("整改说明", "Note"),
    "rectified_by": ("处理人", "Handled by"),
    "rectified_at": ("处理时间", "Handled at"),
    "channel": ("评价渠道", "Channel"),
    "callback_due": ("回访期限", "Call back by"),
    "feedback_due": ("整改反馈期限", "Report by"),
    "local": ("时间", "Time"),
    "actor_kind": ("操作方", "Actor kind"),
    "actor_id": ("操作方编号", "Actor ID"),
    "actor_name": ("操作人", "Actor"),
    "actor_role": ("角色", "Role"),
    "action": ("操作", "Action"),
    "method": ("方法", "Method"),
    "path": ("路径", "Path"),
    "target": ("对象", "Target"),
    "status": ("结果", "Status"),
    "ip": ("地址", "Address"),
    "user_agent": ("客户端", "Client"),
}
WORDS: dict[str, dict[Any, tuple[str, str]]] = {
    "level": {
        5: ("非常满意", "Very satisfied"),
        4: ("满意", "Satisfied"),
        3: ("基本满意", "Fairly satisfied"),
        2: ("不满意", "Dissatisfied"),
        1: ("非常不满意", "Very dissatisfied"),
    },
    "rectification": {
        "open": ("待整改", "Open"),
        "in_progress": ("整改中", "In progress"),
        "done": ("已整改", "Done"),
        "closed": ("已关闭", "Closed"),
    },
    "channel": {"counter": ("窗口评价器", "Counter"), "phone": ("手机", "Phone")},
    "actor_kind": {
        "staff": ("工作人员", "Staff"),
        "device": ("设备", "Device"),
        "anonymous": ("匿名", "Anonymous"),
        "cli": ("命令行", "Command line"),
    },
    "actor_role": {
        "clerk": ("窗口人员", "Clerk"),
        "supervisor": ("督查人员", "Supervisor"),
        "admin": ("管理员", "Admin"),
        "kiosk": ("取号机", "Kiosk"),
        "display": ("显示屏", "Display"),
        "announcer": ("语音播报", "Announcer"),
        "evaluator": ("评价器", "Evaluator"),
        "printer": ("打印机", "Printer"),
    },
    "weekday": {
        i + 1: ("周" + z, e)
        for i, (z, e) in enumerate(
            zip("一二三四五六日", ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"), strict=True)
        )
    },
}


def _action_words(lang: str) -> dict[str, str]:
    from ...i18n import catalogue

    strings = catalogue(lang)
    return {k[len("ovs.action.") :]: v for k, v in strings.items() if k.startswith("ovs.action.")}


def header(col: str, lang: str) -> str:
    """A column's header in `lang`, with its unit."""
    zh, en = HEADERS.get(col, (col, col))
    text = en if lang == "en" else zh
    if col.endswith("_s"):
        return text + (" (min)" if lang == "en" else "（分钟）")
    if col.endswith(("_rate", "_share")):
        return text + (" (%)" if lang == "en" else "（%）")
    return text


def value(col: str, v: Any, lang: str, actions: dict[str, str]) -> Any:
    """One cell as the hall reads it: minutes with one decimal, per cent, words for codes."""
    if v is None:
        return None
    if col.endswith("_s") and isinstance(v, int | float):
        return round(float(v) / 60.0, 1)
    if col.endswith(("_rate", "_share")) and isinstance(v, int | float):
        return round(float(v) * 100.0, 1)
    words = WORDS.get(col)
    if words and v in words:
        return words[v][1 if lang == "en" else 0]
    if col == "action":
        return actions.get(str(v), v)
    return v


def localise(
    rows: list[dict[str, Any]], columns: Sequence[str], lang: str
) -> tuple[list[str], list[dict[str, Any]]]:
    """Headers and rows keyed by those headers, ready for CSV or XLSX."""
    actions = _action_words(lang) if "action" in columns else {}
    heads = [header(c, lang) for c in columns]
    out = [
        {h: value(c, r.get(c), lang, actions) for c, h in zip(columns, heads, strict=True)}
        for r in rows
    ]
    return heads, out


def file_response(
    rows: list[dict[str, Any]], fmt: str, columns: Sequence[str], stem: str, lang: str = "zh"
) -> Response:
    """The rows as a CSV or XLSX download in `lang` (zh or en)."""
    heads, out = localise(rows, columns, lang)
    # free texts (a rating's reason, a note) may carry a phone or ID number a visitor wrote in
    out = [{h: mask(v) if isinstance(v, str) else v for h, v in r.items()} for r in out]
    if fmt == "csv":
        return Response(
            reports.to_csv(out, heads),
            mimetype="text/csv",
            headers={"Content-Disposition": f"attachment; filename={stem}.csv"},
        )
    return Response(
        reports.to_xlsx(out, heads, stem.split("-")[0]),
        mimetype=XLSX,
        headers={"Content-Disposition": f"attachment; filename={stem}.xlsx"},
    )
