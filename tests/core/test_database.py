"""The connection pool: a connection the server dropped while it sat unused is never handed out."""

from __future__ import annotations

import time

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.pool import NullPool

from core.extensions import db


def _terminate(url, pid: int) -> None:
    """End one server process, as a restart or an idle timeout would, and wait until it is gone."""
    admin = create_engine(url, poolclass=NullPool)
    with admin.connect() as conn:
        conn.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
        for _ in range(100):  # bounded: the process ends within moments
            if conn.scalar(text("SELECT count(*) FROM pg_stat_activity WHERE pid = :pid"),
                           {"pid": pid}) == 0:
                break
            time.sleep(0.02)
    admin.dispose()


def test_a_pooled_connection_dropped_while_idle_is_replaced_before_use(app, client):
    if db.engine.dialect.name != "postgresql":
        pytest.skip("a server that drops connections needs PostgreSQL")
    pid = db.session.scalar(text("SELECT pg_backend_pid()"))
    db.session.remove()  # the connection goes back to the pool, alive as far as the pool knows
    _terminate(db.engine.url, pid)

    response = client.get("/healthz")

    assert response.status_code == 200 and response.get_json()["db"] == "ok"
    assert db.session.scalar(text("SELECT pg_backend_pid()")) != pid
