"""The suite's own database plumbing: a PostgreSQL hall database handed to the next test is in
exactly the migrated template's state, and one that cannot be put back is dropped, never reused."""

from __future__ import annotations

from pathlib import Path

import psycopg
import pytest

from tests import conftest
from tests.conftest import SchemaTemplates


@pytest.fixture
def templates(pg_server: str) -> SchemaTemplates:
    """The run's own templates and pool (made once per run, as every hall test uses them)."""
    assert conftest._templates is not None
    return conftest._templates


def _exists(admin_url: str, url: str) -> bool:
    name = url.rsplit("/", 1)[1]
    with psycopg.connect(admin_url) as conn:
        return bool(
            conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchall()
        )


def test_a_used_hall_database_comes_back_with_the_templates_rows_and_sequences(
    templates: SchemaTemplates, pg_server: str, tmp_path: Path
) -> None:
    url = templates.take_pg(pg_server)
    hall = conftest.build_hall(url, tmp_path)  # sites, staff, windows, tokens, audit rows ...
    hall.ctx.db.dispose()
    with psycopg.connect(url) as conn:
        assert conn.execute("SELECT count(*) FROM staff").fetchone() == (6,)
        version = conn.execute("SELECT version_num FROM alembic_version").fetchall()
    templates.give_back_pg(url)

    again = templates.take_pg(pg_server)
    assert again == url  # reused, not dropped
    with psycopg.connect(again) as conn:
        for schema, table in conn.execute(
            "SELECT schemaname, tablename FROM pg_tables WHERE schemaname = 'public'"
        ).fetchall():
            rows = conn.execute(f'SELECT count(*) FROM "{schema}"."{table}"').fetchone()
            assert rows == ((1,) if table == "alembic_version" else (0,)), table
        assert conn.execute("SELECT version_num FROM alembic_version").fetchall() == version
        # the numbering starts again at 1, as in a database made fresh
        assert conn.execute("SELECT nextval('staff_id_seq')").fetchone() == (1,)
        assert conn.execute("SELECT nextval('sites_id_seq')").fetchone() == (1,)
    # the same hall again gets the same ids a fresh database gives
    templates.give_back_pg(again)
    url3 = templates.take_pg(pg_server)
    hall2 = conftest.build_hall(url3, tmp_path / "second")
    hall2.ctx.db.dispose()
    assert hall2.ids == hall.ids
    templates.give_back_pg(url3)


def test_a_database_whose_schema_changed_is_dropped_not_reused(
    templates: SchemaTemplates, pg_server: str
) -> None:
    url = templates.take_pg(pg_server)
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("ALTER TABLE staff ADD COLUMN leftover text")
    templates.give_back_pg(url)
    assert not _exists(pg_server, url)
    assert templates.take_pg(pg_server) != url


def test_a_database_someone_is_still_connected_to_is_dropped_not_reused(
    templates: SchemaTemplates, pg_server: str
) -> None:
    url = templates.take_pg(pg_server)
    leftover = psycopg.connect(url)
    try:
        templates.give_back_pg(url)
        assert not _exists(pg_server, url)
    finally:
        leftover.close()
