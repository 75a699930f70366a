"""The notices outbox (issue 19), like the print spooler: stored before it is sent, claimed by a
compare-and-set before each attempt, retried with backoff, visible to staff.

Notices go only to visitors who opted in (`Appointment.notify`). They are made in two ways:
in the same transaction as what they announce (a booking), or by `notices_subscriber`, fed the
committed realtime events (`ticket.called`, a finished `ticket.updated`) — the hook the lead moves
onto the subscriber registry. A notice's `key` is unique, so an event seen twice makes one notice.

A crash between the gateway's answer and the row's `sent` leaves it `sending` with a lapsed claim;
it is sent again with the same idempotency key, which the gateway contract makes one message.
"""

from __future__ import annotations

import logging
import secrets
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import and_, or_, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from ...engine.cases import mask_phone
from ...engine.errors import NotFound
from ...logmask import mask, mask_deep
from ...storage.models import Appointment, Notice, Service, Site, Ticket
from ..access.principal import Forbidden, Principal
from ..context import Context
from ..queue import read_models
from .notice_channels import Channel, Outcome

log = logging.getLogger(__name__)

LEASE = timedelta(seconds=60)
MAX_ATTEMPTS = 6

TEXTS = {
    "booked": "【{centre}】您已预约{item}，{day} {time}，预约码{code}。请在时段开始前到大厅取号机“预约取号”。",
    "reminder": "【{centre}】提醒：您预约了明天{time}办理{item}，预约码{code}。如不能前来，请提前取消预约。",
    "near": "【{centre}】您的号码{number}前面还有{n}人，请到{window}号窗口候办区等候。",
    "next": "【{centre}】您的号码{number}即将叫号，请到{window}号窗口候办区等候。",
    "called": "【{centre}】请{number}号到{window}号窗口办理{item}。",
    "ready": "【{centre}】您办理的{item}（办件编号{case}）已办结，请携带受理回执到综合窗口领取。",
    "rate": "【{centre}】{item}已办理完毕，欢迎对本次服务进行评价：{link}",
}


def backoff(attempts: int) -> timedelta:
    """Wait before the next attempt: 10 s, 20 s, 40 s … at most an hour."""
    return timedelta(seconds=min(3600, 10 * 2 ** max(0, attempts - 1)))


def enqueue(
    s: Session,
    site_id: int,
    key: str,
    kind: str,
    channel: str,
    recipient: str,
    text: str,
    now: datetime,
    *,
    ticket_id: int | None = None,
    appointment_id: int | None = None,
    data: dict[str, Any] | None = None,
) -> None:
    """Store one notice unless one with this key exists (an event heard twice is one notice)."""
    ins = (pg_insert if s.get_bind().dialect.name == "postgresql" else sqlite_insert)(Notice)
    s.execute(
        ins.values(
            site_id=site_id,
            key=key[:120],
            kind=kind,
            channel=channel,
            recipient=recipient,
            ticket_id=ticket_id,
            appointment_id=appointment_id,
            payload={"text": text, **(data or {})},
            state="queued",
            attempts=0,
            next_at=now,
            created_at=now,
            log=[],
        ).on_conflict_do_nothing(index_elements=["key"])
    )


def _local(site: Site, dt: datetime) -> datetime:
    return dt.astimezone(ZoneInfo(site.timezone))


def for_booking(
    s: Session, site: Site, a: Appointment, sv: Service, now: datetime, kind: str = "booked"
) -> None:
    """The booking's confirmation (or the day-before reminder), in the booking's own transaction."""
    if not a.notify:
        return
    start = _local(site, a.start)
    text = TEXTS[kind].format(
        centre=site.name,
        item=sv.name,
        day=start.date().isoformat(),
        time=start.strftime("%H:%M"),
        code=a.code,
    )
    enqueue(
        s,
        site.id,
        f"{kind}:{a.id}",
        kind,
        "sms",
        a.phone,
        text,
        now,
        appointment_id=a.id,
        data={"kind": kind, "code": a.code},
    )


def case_ready(s: Session, site: Site, c: Any, now: datetime) -> None:
    """办件可领取 (综合窗口统一送达), in the move's own transaction: to the phone the ticket's holder
    opted in with (or its booking's), else to the applicant's phone if they agreed at 受理."""
    from .notice_optins import recipients

    to = recipients(s, [c.ticket_id]).get(c.ticket_id)
    if to is None and not c.notify:
        return
    phone, appointment_id = to if to is not None else (c.applicant_phone, None)
    sv = s.get_one(Service, c.service_id)
    text = TEXTS["ready"].format(centre=site.name, item=sv.name, case=c.number)
    enqueue(
        s,
        site.id,
        f"ready:{c.id}",
        "ready",
        "sms",
        phone,
        text,
        now,
        ticket_id=c.ticket_id,
        appointment_id=appointment_id,
        data={"kind": "ready", "case": c.number},
    )


def remind_tomorrow(ctx: Context) -> int:
    """Queue the reminder for tomorrow's opted-in bookings (once each, by key)."""
    now = ctx.clock.now()
    n = 0
    with ctx.uow() as uow:
        s = uow.session
        for site in s.scalars(select(Site)):
            tomorrow = _local(site, now).date() + timedelta(days=1)
            rows = s.execute(
                select(Appointment, Service)
                .join(Service, Service.id == Appointment.service_id)
                .where(
                    Appointment.site_id == site.id,
                    Appointment.day == tomorrow,
                    Appointment.state == "booked",
                    Appointment.notify.is_(True),
                )
            ).all()
            for a, sv in rows:
                for_booking(s, site, a, sv, now, "reminder")
                n += 1
        uow.commit()
    return n


# ---- delivery -------------------------------------------------------------------------------


def _claim(s: Session, notice_id: int, now: datetime, token: str, lease: timedelta = LEASE) -> bool:
    """Take one notice for an attempt: queued and due, or `sending` with a lapsed claim (a crash)."""
    res = s.execute(
        update(Notice)
        .where(
            Notice.id == notice_id,
            or_(
                and_(Notice.state == "queued", Notice.next_at <= now),
                and_(Notice.state == "sending", Notice.claimed_until < now),
            ),
        )
        .values(
            state="sending", claim=token, claimed_until=now + lease, attempts=Notice.attempts + 1
        )
    )
    return int(res.rowcount) == 1  # type: ignore[attr-defined]


def deliver_due(
    ctx: Context, channels: dict[str, Channel], limit: int = 20, lease: timedelta = LEASE
) -> int:
    """Send what is due, each notice claimed first (for `lease`, longer than a send may take); the
    number sent."""
    now = ctx.clock.now()
    with ctx.uow(write=False) as uow:
        ids = list(
            uow.session.scalars(
                select(Notice.id)
                .where(
                    or_(
                        and_(Notice.state == "queued", Notice.next_at <= now),
                        and_(Notice.state == "sending", Notice.claimed_until < now),
                    )
                )
                .order_by(Notice.id)
                .limit(limit)
            )
        )
    sent = 0
    for nid in ids:
        token = secrets.token_hex(8)
        with ctx.uow() as uow:
            if not _claim(uow.session, nid, ctx.clock.now(), token, lease):
                continue  # another worker has it
            n = uow.session.get_one(Notice, nid)
            key, channel, recipient, payload, attempts = (
                n.key,
                n.channel,
                n.recipient,
                dict(n.payload),
                n.attempts,
            )
            uow.commit()
        ch = channels.get(channel)
        out = (
            ch.send(key, recipient, str(payload.get("text", "")), payload)
            if ch is not None
            else Outcome(False, None, f"channel {channel} is not configured")
        )
        outcome_ok, status, error, retry = out.ok, out.status, out.error, out.retry
        at = ctx.clock.now()
        entry = {"at": read_models.iso(at), "ok": outcome_ok, "status": status, "error": error}
        with ctx.uow() as uow:
            s = uow.session
            n = s.get_one(Notice, nid)
            if n.claim != token:
                continue  # the claim lapsed and another worker took it: it settles the notice
            n.log = [*n.log, entry]
            n.claim, n.claimed_until = None, None
            if outcome_ok:
                n.state, n.sent_at, n.last_error = "sent", at, None
                sent += 1
            elif not retry or attempts >= MAX_ATTEMPTS:
                n.state, n.last_error = "failed", (error or "")[:300]
            else:
                n.state, n.next_at, n.last_error = (
                    "queued",
                    at + backoff(attempts),
                    (error or "")[:300],
                )
            uow.commit()
        log.info(
            "notice %s %s to %s: %s",
            key,
            channel,
            _masked(channel, recipient),
            "sent" if outcome_ok else f"not sent ({error})",
        )
    return sent


def _masked(channel: str, recipient: str) -> str:
    return (
        mask_phone(recipient)
        if channel == "sms"
        else (recipient[:4] + "…" if channel == "wechat" else recipient)
    )


def list_for_ticket(ctx: Context, who: Principal, ticket_id: int) -> list[dict[str, Any]]:
    """A ticket's notices (and its booking's) for staff: channel, state, attempts, masked recipient."""
    if not who.is_staff:
        raise Forbidden("staff only")
    with ctx.uow(write=False) as uow:
        s = uow.session
        t = s.get(Ticket, ticket_id)
        if t is None or t.site_id != who.site_id:
            raise NotFound(f"no ticket {ticket_id}")
        appt = s.scalar(select(Appointment.id).where(Appointment.ticket_id == ticket_id))
        cond = Notice.ticket_id == ticket_id
        if appt is not None:
            cond = or_(cond, Notice.appointment_id == appt)
        rows = s.scalars(select(Notice).where(cond).order_by(Notice.id))
        return [
            {
                "id": n.id,
                "kind": n.kind,
                "channel": n.channel,
                "state": "queued" if n.state == "sending" else n.state,
                "attempts": n.attempts,
                "recipient": _masked(n.channel, n.recipient),
                "text": mask(str(n.payload.get("text", ""))),
                "created_at": read_models.iso(n.created_at),
                "sent_at": read_models.iso(n.sent_at),
                # a gateway's error may quote the number it refused
                "last_error": mask(n.last_error) if n.last_error else n.last_error,
                "log": mask_deep(n.log),
            }
            for n in rows
        ]
