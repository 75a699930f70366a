"""Upgrading a hall that already has history: the 0004 migration fills `elapsed_s` on old events,
so "finished within the promised time" is right for days logged before the upgrade."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from alembic import command
from sqlalchemy import inspect, text

from server.services.access.principal import Principal
from server.services.context import Context
from server.services.oversight import reports
from server.storage.db import Database
from server.storage.migrate import alembic_config, upgrade


def _to(db: Database, revision: str) -> None:
    cfg = alembic_config(db)
    with db.writer.begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, revision)


def test_upgrade_fills_elapsed_time_on_existing_events_and_reports_use_it(db_url: str) -> None:
    db = Database(db_url)
    try:
        _to(db, "0003")
        issued = datetime(2026, 3, 2, 1, 0, tzinfo=UTC)  # 09:00 in Shanghai
        with db.writer.begin() as c:
            c.execute(
                text(
                    "INSERT INTO sites (id, code, name, name_en, timezone, reset_hour, priority_ratio, announce_template,"
                    " public_base_url, hours, holidays, enforce_hours, seq, settings) VALUES (1, 'm', '迁移中心', '',"
                    " 'Asia/Shanghai', 0, 3, '请{number}号到{window}号窗口办理', '', '{}', '[]', false, 0, '{}')"
                )
            )
            c.execute(
                text(
                    "INSERT INTO departments (id, site_id, code, name, name_en, short_name, sort, active)"
                    " VALUES (1, 1, 'd', '部门', '', '', 1, true)"
                )
            )
            # on-the-spot item: promise = 30 min threshold + 10 min expected service = 40 min
            c.execute(
                text(
                    "INSERT INTO services (id, site_id, department_id, code, name, name_en, prefix, mode, promised_days,"
                    " daily_cap, expected_service_min, wait_threshold_min, needs_consult, sort, active, disclosure)"
                    " VALUES (1, 1, 1, 's', '事项', '', 'A', 'instant', 0, NULL, 10, 30, false, 1, true, '{}')"
                )
            )
            for tid, minutes in ((1, 25), (2, 55)):
                c.execute(
                    text(
                        "INSERT INTO tickets (id, public_id, site_id, service_id, number, prefix, seq_no, day, priority,"
                        " state, recall_count, transfer_count, issued_at, queued_at) VALUES (:id, :pid, 1, 1, :num, 'A',"
                        " :id, :day, 'normal', 'done', 0, 0, :at, :at)"
                    ),
                    {
                        "id": tid,
                        "pid": f"p{tid}",
                        "num": f"A00{tid}",
                        "day": date(2026, 3, 2),
                        "at": issued,
                    },
                )
                c.execute(
                    text(
                        "INSERT INTO ticket_events (site_id, ticket_id, type, from_state, to_state, at, day, hour,"
                        " service_id, duration_s, data) VALUES (1, :id, 'finished', 'serving', 'done', :at, :day, 9, 1,"
                        " 300, '{}')"
                    ),
                    {"id": tid, "at": issued + timedelta(minutes=minutes), "day": date(2026, 3, 2)},
                )
        upgrade(db)
        assert "elapsed_s" in {c["name"] for c in inspect(db.writer).get_columns("ticket_events")}
        with db.writer.connect() as c:
            got = sorted(
                round(v) for (v,) in c.execute(text("SELECT elapsed_s FROM ticket_events"))
            )
        assert got == [25 * 60, 55 * 60]
        rows = reports.summary(
            Context(db=db),
            Principal("staff", 1, 1, "admin", "m"),
            date(2026, 3, 2),
            date(2026, 3, 2),
            "service",
        )
        assert rows[0]["served"] == 2
        assert rows[0]["within_promised"] == 1  # 25 min is within 40 min, 55 min is not
        assert rows[0]["within_promised_rate"] == 0.5
    finally:
        db.dispose()


def test_upgrade_to_0010_gives_old_tickets_their_first_call_wait_and_keeps_the_log_append_only(
    db_url: str,
) -> None:
    db = Database(db_url)
    try:
        _to(db, "0009")
        issued = datetime(2026, 3, 2, 1, 0, tzinfo=UTC)  # 09:00 in Shanghai
        day = date(2026, 3, 2)
        with db.writer.begin() as c:
            c.execute(
                text(
                    "INSERT INTO sites (id, code, name, name_en, timezone, reset_hour, priority_ratio, announce_template,"
                    " public_base_url, hours, holidays, enforce_hours, seq, settings) VALUES (1, 'm', '迁移中心', '',"
                    " 'Asia/Shanghai', 0, 3, '请{number}号到{window}号窗口办理', '', '{}', '[]', false, 0, '{}')"
                )
            )
            c.execute(
                text(
                    "INSERT INTO departments (id, site_id, code, name, name_en, short_name, sort, active)"
                    " VALUES (1, 1, 'd', '部门', '', '', 1, true)"
                )
            )
            c.execute(
                text(
                    "INSERT INTO services (id, site_id, department_id, code, name, name_en, prefix, mode, promised_days,"
                    " daily_cap, expected_service_min, wait_threshold_min, needs_consult, sort, active, disclosure)"
                    " VALUES (1, 1, 1, 's', '事项', '', 'A', 'instant', 0, NULL, 10, 30, false, 1, true, '{}')"
                )
            )
            c.execute(
                text(
                    "INSERT INTO windows (id, site_id, number, name, name_en, kind, state, priority_streak,"
                    " marquee, active) VALUES (1, 1, 1, '一号', '', 'normal', 'open', 0, '', true)"
                )
            )
            c.execute(
                text(
                    "INSERT INTO tickets (id, public_id, site_id, service_id, number, prefix, seq_no, day, priority,"
                    " state, recall_count, transfer_count, issued_at, queued_at) VALUES (1, 'p1', 1, 1, 'A001', 'A',"
                    " 1, :day, 'normal', 'done', 0, 1, :at, :at)"
                ),
                {"day": day, "at": issued},
            )
            # called after 5 min, transferred at 10, called again at 30 (its queue wait then: 20 min)
            for minute, type_, dur in (
                (5, "called", 300),
                (10, "transferred", 240),
                (30, "called", 1200),
            ):
                c.execute(
                    text(
                        "INSERT INTO ticket_events (site_id, ticket_id, type, from_state, to_state, at, day, hour,"
                        " service_id, window_id, duration_s, elapsed_s, data) VALUES (1, 1, :t, 'waiting', 'called',"
                        " :at, :day, 9, 1, 1, :d, :e, '{}')"
                    ),
                    {
                        "t": type_,
                        "at": issued + timedelta(minutes=minute),
                        "day": day,
                        "d": dur,
                        "e": minute * 60,
                    },
                )
            c.execute(
                text(
                    "INSERT INTO window_events (site_id, window_id, staff_id, action, from_state, to_state,"
                    " at, day) VALUES (1, 1, 7, 'open', 'closed', 'open', :at, :day)"
                ),
                {"at": issued, "day": day},
            )
        upgrade(db)
        with db.writer.connect() as c:
            waits = [
                r[0]
                for r in c.execute(
                    text("SELECT wait_s FROM ticket_events WHERE type = 'called' ORDER BY id")
                )
            ]
            clerk = c.execute(text("SELECT clerk_id FROM window_events")).scalar_one()
        assert waits == [300.0, None] and clerk == 7
        rows = reports.summary(
            Context(db=db), Principal("staff", 1, 1, "admin", "m"), day, day, "service"
        )
        assert (rows[0]["wait_avg_s"], rows[0]["wait_p90_s"]) == (
            300.0,
            300.0,
        )  # not (300 + 1200) / 2
        from sqlalchemy.exc import DatabaseError

        for sql in ("UPDATE ticket_events SET wait_s = 1", "DELETE FROM ticket_events"):
            with pytest.raises(DatabaseError), db.writer.begin() as conn:
                conn.execute(text(sql))
    finally:
        db.dispose()
