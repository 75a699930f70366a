"""A year of a busy hall on PostgreSQL, then the time each report takes over the whole year.

    .venv/bin/python bench/report_bench.py [--tickets 1000000] [--admin-url postgresql://postgres@127.0.0.1:5432/postgres] [--keep]

The hall (10 departments, 30 items, 30 windows, 30 clerks) and its history are generated inside
PostgreSQL with `INSERT ... SELECT` over `generate_series` (seeded, so runs compare): tickets with
their issued / called / started / finished, no-show, transfer and cancel events, ratings for 60 % of
the finished visits, and each window's open, lunch pause, resume and close every day. The schema
comes from the Alembic migrations, as in production. Each report is then run through the service
layer, as the API runs it; the table shows the first run and the median of three. Target: < 2 s.
The daily roll-ups (server/services/oversight/rollup.py) are built first and timed on their own: a hall
builds them once at upgrade (or its first report), then one closed day at a time.
"""

from __future__ import annotations

import argparse
import secrets
import statistics
import sys
import time
from datetime import date, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

START = date(2025, 1, 1)
DAYS = 365
N_DEPTS, N_SERVICES, N_WINDOWS = 10, 30, 30


def generate(conn: object, tickets: int) -> None:
    """Fill the hall and a year of history inside the database."""
    ex = conn.execute  # type: ignore[attr-defined]
    ex(
        "INSERT INTO sites (id, code, name, name_en, timezone, reset_hour, priority_ratio, announce_template, "
        "public_base_url, hours, holidays, enforce_hours, seq, settings) VALUES (1, 'bench', '压测中心', '', "
        "'Asia/Shanghai', 0, 3, '请{number}号到{window}号窗口办理', '', '{}', '[]', false, 0, '{}')"
    )
    ex(
        f"INSERT INTO departments (id, site_id, code, name, name_en, short_name, sort, active) "
        f"SELECT g, 1, 'd' || g, '部门' || g, '', '', g, true FROM generate_series(1, {N_DEPTS}) g"
    )
    ex(
        f"INSERT INTO services (id, site_id, department_id, code, name, name_en, prefix, mode, promised_days, "
        f"daily_cap, expected_service_min, wait_threshold_min, needs_consult, sort, active, disclosure) "
        f"SELECT g, 1, 1 + (g - 1) % {N_DEPTS}, 's' || g, '事项' || g, '', chr(64 + 1 + (g - 1) % {N_DEPTS}), "
        f"'instant', CASE WHEN g % 3 = 0 THEN 5 ELSE 0 END, NULL, 8 + g % 5, 30, false, g, true, '{{}}' "
        f"FROM generate_series(1, {N_SERVICES}) g"
    )
    ex(
        f"INSERT INTO staff (id, site_id, username, name, badge, role, password_hash, active, failed_logins) "
        f"SELECT g, 1, 'clerk' || g, '办事员' || g, 'B' || g, 'clerk', 'x', true, 0 FROM generate_series(1, {N_WINDOWS}) g"
    )
    ex(
        f"INSERT INTO windows (id, site_id, number, name, name_en, kind, state, priority_streak, marquee, active) "
        f"SELECT g, 1, g, '窗口' || g, '', 'normal', 'closed', 0, '', true FROM generate_series(1, {N_WINDOWS}) g"
    )
    ex(
        f"INSERT INTO window_services (window_id, service_id, weight) SELECT g, g, 5 FROM generate_series(1, {N_WINDOWS}) g"
    )
    ex("SELECT setseed(0.42)")
    # one row per ticket: arrival in opening hours (Shanghai = UTC+8), wait and service drawn exponentially
    ex(f"""CREATE UNLOGGED TABLE gen AS
        SELECT g AS id, 1 + floor(random() * {N_SERVICES})::int AS svc,
               timestamptz '{START.isoformat()} 01:00:00+00' + (floor((g - 1) * {DAYS}::float8 / {tickets}) * interval '1 day')
                   + random() * interval '8 hours' AS arrival,
               -ln(1 - random()) * 900 AS wait_s, 60 + -ln(1 - random()) * 480 AS service_s, random() AS fate,
               random() AS rate
        FROM generate_series(1, {tickets}) g""")
    ex("""INSERT INTO tickets (id, public_id, site_id, service_id, number, prefix, seq_no, day, priority, state,
             window_id, staff_id, recall_count, transfer_count, issued_at, queued_at, called_at, started_at,
             finished_at, outcome)
        SELECT id, 'b' || id, 1, svc, chr(64 + 1 + (svc - 1) % 10) || lpad(n::text, 4, '0'), chr(64 + 1 + (svc - 1) % 10),
               n, day, 'normal', st, CASE WHEN st = 'cancelled' THEN NULL ELSE svc END,
               CASE WHEN st = 'cancelled' THEN NULL ELSE svc END, 0, CASE WHEN st = 'transferred' THEN 1 ELSE 0 END,
               arrival, arrival, arrival + wait_s * interval '1 second', NULL, NULL, NULL
        FROM (SELECT gen.*, (arrival AT TIME ZONE 'Asia/Shanghai')::date AS day,
                     row_number() OVER (PARTITION BY (svc - 1) % 10, (arrival AT TIME ZONE 'Asia/Shanghai')::date
                                        ORDER BY id) AS n,
                     CASE WHEN fate < 0.85 THEN 'done' WHEN fate < 0.93 THEN 'no_show'
                          WHEN fate < 0.97 THEN 'transferred' ELSE 'cancelled' END AS st FROM gen) x""")
    cols = (
        "site_id, ticket_id, type, from_state, to_state, at, day, hour, service_id, window_id, staff_id, duration_s, "
        "elapsed_s, wait_s, data"
    )

    def events(
        type_: str, from_s: str, to_s: str, at: str, dur: str, where: str, win: bool = True
    ) -> None:
        # every ticket is called once here, so each call is its first: wait_s = call − arrival
        wait = "extract(epoch FROM at - arrival)" if type_ == "called" else "NULL"
        ex(f"""INSERT INTO ticket_events ({cols})
            SELECT 1, id, '{type_}', {from_s}, '{to_s}', at, (at AT TIME ZONE 'Asia/Shanghai')::date,
                   extract(hour FROM at AT TIME ZONE 'Asia/Shanghai')::int, svc,
                   {"svc" if win else "NULL"}, {"svc" if win else "NULL"}, {dur},
                   extract(epoch FROM at - arrival), {wait}, '{{}}'
            FROM (SELECT gen.*, {at} AS at FROM gen WHERE {where}) x""")

    called = "arrival + wait_s * interval '1 second'"
    started = f"{called} + interval '40 seconds'"
    ended = f"{started} + service_s * interval '1 second'"
    events("issued", "NULL", "waiting", "arrival", "NULL", "true", win=False)
    events("called", "'waiting'", "called", called, "wait_s", "fate < 0.97")
    events(
        "started",
        "'called'",
        "serving",
        started,
        "NULL",
        "fate < 0.85 OR (fate >= 0.93 AND fate < 0.97)",
    )
    events("finished", "'serving'", "done", ended, "service_s", "fate < 0.85")
    events(
        "no_show",
        "'called'",
        "no_show",
        f"{called} + interval '3 minutes'",
        "NULL",
        "fate >= 0.85 AND fate < 0.93",
    )
    events(
        "transferred", "'serving'", "waiting", ended, "service_s", "fate >= 0.93 AND fate < 0.97"
    )
    events(
        "cancelled",
        "'waiting'",
        "cancelled",
        "arrival + interval '20 minutes'",
        "NULL",
        "fate >= 0.97",
        win=False,
    )
    ex(f"""INSERT INTO evaluations (site_id, ticket_id, service_id, window_id, staff_id, level, reason, at, day, rectification)
        SELECT 1, id, svc, svc, svc, lv, CASE WHEN lv <= 2 THEN '等候时间长' END, at,
               (at AT TIME ZONE 'Asia/Shanghai')::date, CASE WHEN lv <= 2 THEN 'open' END
        FROM (SELECT gen.*, {ended} + interval '30 seconds' AS at,
                     CASE WHEN rate < 0.55 THEN 5 WHEN rate < 0.85 THEN 4 WHEN rate < 0.95 THEN 3
                          WHEN rate < 0.985 THEN 2 ELSE 1 END AS lv FROM gen WHERE fate < 0.85 ) x
        WHERE id % 5 < 3""")
    ex(f"""INSERT INTO window_events (site_id, window_id, staff_id, clerk_id, action, from_state, to_state, reason,
                                      at, day)
        SELECT 1, w, w, CASE WHEN a.to_s = 'closed' THEN NULL ELSE w END, a.action, a.from_s, a.to_s, a.reason, d + a.t, ((d + a.t) AT TIME ZONE 'Asia/Shanghai')::date
        FROM generate_series(1, {N_WINDOWS}) w,
             generate_series(timestamptz '{START.isoformat()} 00:00:00+08', timestamptz '{(START + timedelta(days=DAYS - 1)).isoformat()} 00:00:00+08',
                             interval '1 day') d,
             (VALUES ('open', 'closed', 'open', NULL, interval '9 hours'),
                     ('pause', 'open', 'paused', '午休', interval '12 hours'),
                     ('resume', 'paused', 'open', NULL, interval '13 hours 30 minutes'),
                     ('close', 'open', 'closed', NULL, interval '17 hours 30 minutes')) a(action, from_s, to_s, reason, t)""")
    ex("DROP TABLE gen")
    for table in ("tickets", "ticket_events", "evaluations", "window_events"):
        ex(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT max(id) FROM {table}))")


def main() -> None:
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("--tickets", type=int, default=1_000_000)
    ap.add_argument("--admin-url", default="postgresql://postgres@127.0.0.1:5432/postgres")
    ap.add_argument("--keep", action="store_true", help="keep the database (its URL is printed)")
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()

    import psycopg

    from server.services.access.principal import Principal
    from server.services.context import Context
    from server.services.oversight import assessment, reports
    from server.storage.db import Database
    from server.storage.migrate import upgrade

    name = "qh_bench_" + secrets.token_hex(4)
    with psycopg.connect(args.admin_url, autocommit=True) as c:
        c.execute(f'CREATE DATABASE "{name}"')
    url = args.admin_url.rsplit("/", 1)[0] + "/" + name
    db = Database(url)
    try:
        upgrade(db)
        t0 = time.perf_counter()
        with psycopg.connect(url, autocommit=False) as conn:
            generate(conn, args.tickets)
            conn.commit()
        with psycopg.connect(url, autocommit=True) as conn:
            conn.execute("VACUUM ANALYZE")
            n_ev = conn.execute("SELECT count(*) FROM ticket_events").fetchone()[0]  # type: ignore[index]
            n_t = conn.execute("SELECT count(*) FROM tickets").fetchone()[0]  # type: ignore[index]
            n_e = conn.execute("SELECT count(*) FROM evaluations").fetchone()[0]  # type: ignore[index]
        print(
            f"generated {n_t:,} tickets, {n_ev:,} events, {n_e:,} ratings in {time.perf_counter() - t0:.0f} s"
        )

        ctx = Context(db=db)
        who = Principal("staff", 0, 1, "admin", "bench")
        from server.services.oversight import rollup

        t0 = time.perf_counter()
        rollup.refresh(ctx, 1)
        print(
            f"daily roll-ups of the closed days built in {time.perf_counter() - t0:.1f} s "
            "(once; afterwards one day's worth per day)"
        )
        end = START + timedelta(days=DAYS - 1)
        cases: list[tuple[str, object]] = [
            (f"summary by {by}", (lambda by=by: reports.summary(ctx, who, START, end, by)))
            for by in ("service", "window", "staff", "day", "department", "hour")
        ]
        cases += [
            ("assessment by window", lambda: assessment.assess(ctx, who, START, end, "window")),
            ("assessment by staff", lambda: assessment.assess(ctx, who, START, end, "staff")),
            ("arrivals heat map", lambda: reports.heatmap(ctx, who, START, end)),
            ("bad ratings", lambda: reports.bad_ratings(ctx, who, START, end)),
        ]
        print(
            f"\n{'report over a whole year':<26}{'rows':>7}{'first s':>10}{'median s':>10}  target < 2 s"
        )
        worst = 0.0
        for label, fn in cases:
            times = []
            rows = 0
            for _ in range(args.repeat):
                t = time.perf_counter()
                out = fn()  # type: ignore[operator]
                times.append(time.perf_counter() - t)
                rows = len(out["items"] if isinstance(out, dict) else out)
            med = statistics.median(times)
            worst = max(worst, med)
            print(
                f"{label:<26}{rows:>7}{times[0]:>10.2f}{med:>10.2f}  {'ok' if med < 2 else 'SLOW'}"
            )
        print(f"\nslowest median: {worst:.2f} s")
    finally:
        db.dispose()
        if args.keep:
            print("kept:", url)
        else:
            with psycopg.connect(args.admin_url, autocommit=True) as c:
                c.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


if __name__ == "__main__":
    main()
