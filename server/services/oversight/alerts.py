"""Alerts of the live monitor: checked by a background thread (started with the server: background.py), kept in the Alert table, pushed live.

Each condition has a key that names one occurrence (an item's queue in one hour, one pause of a
window, one visit, one rating); the unique (site, key) constraint raises each occurrence once, also
when several server processes check at the same time. Raising pushes `alert.raised` to the site
room after the commit; acknowledging pushes `alert.acknowledged`.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Sequence
from datetime import date, datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from ...engine.errors import InvalidTransition, NotFound
from ...engine.events import Event, VisitRated
from ...engine.numbering import local_time
from ...storage.models import Evaluation, Service, Site, Ticket, TicketEvent, Window, WindowService
from ...storage.models_audit import Alert
from ..access.principal import Forbidden, Principal
from ..cases import case_alerts
from ..context import Context
from ..queue import read_models
from ..ratings import rectification_steps
from ..ratings.evaluations import LEVELS
from . import assessment

log = logging.getLogger(__name__)
DEFAULTS = {"pause_max_min": 30.0, "idle_max_min": 15.0, "service_factor": 2.0}


def limits(ctx: Context, site: Site) -> dict[str, float]:
    """Thresholds: the hall's settings["oversight"], else OVERSIGHT_* config, else the defaults."""
    own = (site.settings or {}).get("oversight") or {}
    return {
        k: float(own.get(k, ctx.config.get("OVERSIGHT_" + k.upper(), v)))
        for k, v in DEFAULTS.items()
    }


def alert_dict(a: Alert) -> dict[str, Any]:
    """The API shape of an alert."""
    return {
        "id": a.id,
        "kind": a.kind,
        "severity": a.severity,
        "message": a.message,
        "data": a.data,
        "service_id": a.service_id,
        "window_id": a.window_id,
        "staff_id": a.staff_id,
        "ticket_id": a.ticket_id,
        "raised_at": read_models.iso(a.raised_at),
        "day": a.day.isoformat(),
        "acknowledged_at": read_models.iso(a.acknowledged_at),
        "acknowledged_by": a.acknowledged_by,
    }


def listing(
    s: Session, site_id: int, day: date | None, open_only: bool, limit: int = 200
) -> list[dict[str, Any]]:
    """Alerts of a day (or all days), newest first."""
    q = select(Alert).where(Alert.site_id == site_id)
    if day is not None:
        q = q.where(Alert.day == day)
    if open_only:
        q = q.where(Alert.acknowledged_at.is_(None))
    return [
        alert_dict(a)
        for a in s.scalars(q.order_by(Alert.raised_at.desc(), Alert.id.desc()).limit(limit))
    ]


def list_alerts(
    ctx: Context, who: Principal, day: date | None, open_only: bool
) -> list[dict[str, Any]]:
    """Alerts for supervisors and admins."""
    if not who.is_supervisor:
        raise Forbidden("alerts are for supervisors and admins")
    with ctx.uow(write=False) as uow:
        return listing(uow.session, who.site_id, day, open_only)


def acknowledge(ctx: Context, who: Principal, alert_id: int) -> dict[str, Any]:
    """Mark an alert as seen by this supervisor; pushes `alert.acknowledged`."""
    if not who.is_supervisor:
        raise Forbidden("alerts are for supervisors and admins")
    with ctx.uow() as uow:
        s = uow.session
        a = s.scalar(select(Alert).where(Alert.id == alert_id).with_for_update())
        if a is None or a.site_id != who.site_id:
            raise NotFound(f"no alert {alert_id}")
        if a.acknowledged_at is not None:
            raise InvalidTransition("this alert is already acknowledged")
        a.acknowledged_at, a.acknowledged_by = ctx.clock.now(), who.id
        out = alert_dict(a)
        uow.emit(
            "alert.acknowledged",
            {"seq": read_models.next_seq(s, a.site_id), "alert": out},
            f"site:{a.site_id}",
        )
        uow.commit()
        return out


# ---- the conditions -----------------------------------------------------------------------------


def _candidates(ctx: Context, s: Session, site: Site, now: datetime) -> list[dict[str, Any]]:
    """Every alert condition that holds now (each bounded by items, windows or today's ratings)."""
    lim = limits(ctx, site)
    day = read_models.today(site, now)
    hour = local_time(now, site.timezone).hour
    # "today" is the business day (as for the queues): events and ratings carry the calendar date,
    # so they are picked by time since the business day began (reset_hour), not by their `day`
    since = assessment.business_span(site, day)[0]
    dates = (local_time(since, site.timezone).date(), local_time(now, site.timezone).date())
    out: list[dict[str, Any]] = []
    for sid, n, oldest in s.execute(
        select(Ticket.service_id, func.count(), func.min(Ticket.queued_at))
        .where(Ticket.site_id == site.id, Ticket.day == day, Ticket.state == "waiting")
        .group_by(Ticket.service_id)
    ):
        sv = s.get_one(Service, sid)
        waited = (now - oldest).total_seconds()
        if waited > sv.wait_threshold_min * 60:
            out.append(
                {
                    "key": f"wait:{sv.id}:{day}:{hour}",
                    "kind": "wait_over",
                    "service_id": sv.id,
                    "message": f"{sv.name}：{n}人等候，最长已等{int(waited // 60)}分钟，超过{sv.wait_threshold_min}分钟",
                    "data": {
                        "service": sv.name,
                        "waiting": int(n),
                        "minutes": int(waited // 60),
                        "threshold": sv.wait_threshold_min,
                    },
                }
            )
    last_act = dict(
        s.execute(
            select(TicketEvent.window_id, func.max(TicketEvent.at))
            .where(
                TicketEvent.site_id == site.id,
                TicketEvent.day.between(*dates),
                TicketEvent.at >= since,
                TicketEvent.window_id.is_not(None),
            )
            .group_by(TicketEvent.window_id)
        ).all()
    )
    held = {
        t.window_id: t
        for t in s.scalars(
            select(Ticket).where(Ticket.site_id == site.id, Ticket.state.in_(["called", "serving"]))
        )
    }
    waiting_ids = set(
        s.scalars(
            select(Ticket.service_id)
            .where(Ticket.site_id == site.id, Ticket.day == day, Ticket.state == "waiting")
            .distinct()
        )
    )
    for w in s.scalars(select(Window).where(Window.site_id == site.id, Window.active)):
        if w.state_since is None:
            continue
        base = {"window_id": w.id, "staff_id": w.staff_id}
        if w.state == "paused":
            mins = (now - w.state_since).total_seconds() / 60
            if mins > lim["pause_max_min"]:
                out.append(
                    {
                        **base,
                        "key": f"paused:{w.id}:{w.state_since.isoformat()}",
                        "kind": "window_paused",
                        "message": f"{w.number}号窗口暂停已{int(mins)}分钟（{w.pause_reason or ''}）",
                        "data": {
                            "window": w.number,
                            "minutes": int(mins),
                            "reason": w.pause_reason,
                        },
                    }
                )
        elif w.state == "open" and w.id not in held:
            # its own name: `since` is the business day's start, which the ratings below still need
            idle_since = max(w.state_since, last_act.get(w.id) or w.state_since)
            mins = (now - idle_since).total_seconds() / 60
            serves = set(
                s.scalars(select(WindowService.service_id).where(WindowService.window_id == w.id))
            )
            if mins > lim["idle_max_min"] and serves & waiting_ids:
                out.append(
                    {
                        **base,
                        "key": f"idle:{w.id}:{idle_since.isoformat()}",
                        "kind": "window_idle",
                        "message": f"{w.number}号窗口空闲已{int(mins)}分钟，仍有人等候",
                        "data": {"window": w.number, "minutes": int(mins)},
                    }
                )
    for t, sv, wnum in s.execute(
        select(Ticket, Service, Window.number)
        .join(Service, Service.id == Ticket.service_id)
        .join(Window, Window.id == Ticket.window_id)
        .where(Ticket.site_id == site.id, Ticket.state == "serving", Ticket.started_at.is_not(None))
    ):
        started = t.started_at or now
        mins = (now - started).total_seconds() / 60
        if mins > lim["service_factor"] * sv.expected_service_min:
            out.append(
                {
                    "key": f"service:{t.id}:{started.isoformat()}",
                    "kind": "service_over",
                    "window_id": t.window_id,
                    "staff_id": t.staff_id,
                    "ticket_id": t.id,
                    "service_id": sv.id,
                    "message": f"{wnum}号窗口办理{t.number}已{int(mins)}分钟，预计{sv.expected_service_min}分钟",
                    "data": {
                        "window": wnum,
                        "number": t.number,
                        "minutes": int(mins),
                        "expected": sv.expected_service_min,
                    },
                }
            )
    for ev, number, wnum in s.execute(
        _ratings().where(
            Evaluation.site_id == site.id,
            Evaluation.day.between(*dates),
            Evaluation.at >= since,
            Evaluation.level <= 2,
        )
    ):
        out.append(_rating_alert(ev, number, wnum))
    out += case_alerts.candidates(
        s, site, now
    )  # cases (issue 17): due within a working day, overdue
    out += rectification_steps.alert_candidates(s, site, local_time(now, site.timezone).date())
    return out


def _ratings() -> Any:
    return (
        select(Evaluation, Ticket.number, Window.number)
        .join(Ticket, Ticket.id == Evaluation.ticket_id)
        .outerjoin(Window, Window.id == Evaluation.window_id)
    )


def _rating_alert(ev: Evaluation, number: str, wnum: int | None) -> dict[str, Any]:
    """The alert of one bad rating (its key is the rating: it is raised once, by whoever is first)."""
    return {
        "key": f"rating:{ev.id}",
        "kind": "bad_rating",
        "severity": "bad",
        "window_id": ev.window_id,
        "staff_id": ev.staff_id,
        "ticket_id": ev.ticket_id,
        "service_id": ev.service_id,
        "message": f"{wnum}号窗口{number}收到差评（{LEVELS.get(ev.level, ev.level)}）：{ev.reason or ''}",
        "data": {
            "window": wnum,
            "number": number,
            "level": ev.level,
            "reason": ev.reason,
            "evaluation_id": ev.id,
        },
    }


# ---- the subscriber: alerts that follow a domain event at once ----------------------------------


def after_commit(ctx: Context, events: Sequence[Event]) -> None:
    """Bus subscriber (create_app): a bad rating raises its alert as soon as it is committed, not
    at the checker's next round. Thresholds (waits, pauses, idle windows, long services) are the
    passing of time, not events: the background checker keeps watching those."""
    for event in events:
        if isinstance(event, VisitRated) and event.level <= 2:
            try:
                raise_for_rating(ctx, event.site_id, event.evaluation_id)
            except Exception:  # the rating has committed; the checker's next round retries
                log.exception("could not raise the alert of rating %s", event.evaluation_id)


def raise_for_rating(ctx: Context, site_id: int, evaluation_id: int) -> list[dict[str, Any]]:
    """Raise the bad-rating alert of one evaluation, unless it was raised already."""
    with ctx.uow(write=False) as uow:
        row = uow.session.execute(_ratings().where(Evaluation.id == evaluation_id)).first()
        if row is None or row[0].level > 2:
            return []
        cand = _rating_alert(*row)
        if uow.session.scalar(
            select(Alert.id).where(Alert.site_id == site_id, Alert.key == cand["key"])
        ):
            return []
    return _raise(ctx, site_id, [cand], ctx.clock.now())


def check(ctx: Context, now: datetime | None = None) -> list[dict[str, Any]]:
    """Raise every alert whose condition holds and that was not raised before; returns the new ones."""
    now = now or ctx.clock.now()
    raised: list[dict[str, Any]] = []
    with ctx.uow(write=False) as uow:
        sites = list(uow.session.scalars(select(Site.id)))
    for site_id in sites:
        with ctx.uow(write=False) as uow:
            site = uow.session.get_one(Site, site_id)
            cands = _candidates(ctx, uow.session, site, now)
            known = (
                set(
                    uow.session.scalars(
                        select(Alert.key).where(
                            Alert.site_id == site_id, Alert.key.in_([c["key"] for c in cands])
                        )
                    )
                )
                if cands
                else set()
            )
        fresh = [c for c in cands if c["key"] not in known]
        if fresh:
            raised += _raise(ctx, site_id, fresh, now)
    return raised


def _raise(
    ctx: Context, site_id: int, fresh: list[dict[str, Any]], now: datetime
) -> list[dict[str, Any]]:
    out = []
    try:
        with ctx.uow() as uow:
            s = uow.session
            site = s.get_one(Site, site_id)
            for c in fresh:
                a = Alert(
                    site_id=site.id,
                    severity=c.pop("severity", "warn"),
                    raised_at=now,
                    day=read_models.today(site, now),
                    **c,
                )
                s.add(a)
                s.flush()
                d = alert_dict(a)
                out.append(d)
                uow.emit(
                    "alert.raised",
                    {"seq": read_models.next_seq(s, site.id), "alert": d},
                    f"site:{site.id}",
                )
            uow.commit()
    except IntegrityError:  # another process raised one of them first: the next round sees it
        log.info("an alert was raised concurrently; skipping this round")
        return []
    return out


# ---- the background checker ---------------------------------------------------------------------


class Checker:
    """Runs `check` every OVERSIGHT_CHECK_S seconds in a daemon thread, and tells screens when a
    publicity item's schedule starts or ends."""

    def __init__(self, ctx: Context, interval: float) -> None:
        self.ctx, self.interval = ctx, interval
        self._stop = threading.Event()
        self.thread: threading.Thread | None = None

    def start(self) -> None:
        """Start the thread (once)."""
        if self.thread is None:
            self.thread = threading.Thread(target=self._run, name="oversight-alerts", daemon=True)
            self.thread.start()

    def stop(self, timeout: float = 5.0) -> None:
        """Stop the thread (a check in progress finishes first, up to `timeout` seconds)."""
        self._stop.set()
        if self.thread is not None:
            self.thread.join(timeout=timeout)

    def _run(self) -> None:
        from ..catalog import publicity

        last = self.ctx.clock.now()
        while not self._stop.wait(self.interval):
            try:
                check(self.ctx)
                now = self.ctx.clock.now()
                publicity.announce_schedule(
                    self.ctx, last, now
                )  # scheduled publicity starts or ends
                last = now
            except Exception:  # a database hiccup must not end the monitoring for the day
                log.exception("alert check failed")
