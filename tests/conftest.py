"""Fixtures shared by every test: an app per database backend, clients, logins, the demo commune."""

from __future__ import annotations

import os
import re

import pytest
from flask.testing import FlaskClient
from sqlalchemy import text

from core import create_app
from core.config import TestConfig
from core.extensions import db, limiter

BACKENDS = ["sqlite"] + (["postgresql"] if os.environ.get("TEST_DATABASE_URL") else [])
_ready_schemas: set[str] = set()


@pytest.fixture(scope="session")
def sqlite_url(tmp_path_factory) -> str:
    return f"sqlite:///{tmp_path_factory.mktemp('db') / 'test.sqlite3'}"


def make_config(tmp_path, url: str, **extra) -> type:
    """A config class for one test: its own database URL and folders."""
    overrides = {
        "SQLALCHEMY_DATABASE_URI": url,
        "CAIDEP_MODELS_DIR": str(tmp_path / "models"),
        "CAIDEP_UPLOADS_DIR": str(tmp_path / "uploads"),
        **extra,
    }
    return type("PerTestConfig", (TestConfig,), overrides)


def _reset_schema(url: str) -> None:
    """Create the schema once per backend and run; empty every table after each test."""
    if url not in _ready_schemas:
        with db.engine.begin() as conn:
            conn.execute(text("DROP TABLE IF EXISTS alembic_version"))
        db.drop_all()
        db.create_all()
        _ready_schemas.add(url)


def _empty_tables() -> None:
    """DELETE in dependency order: on tables this small it is far quicker than TRUNCATE."""
    with db.engine.begin() as conn:
        for table in reversed(db.metadata.sorted_tables):
            conn.execute(table.delete())


class FreshContextClient(FlaskClient):
    """Each request gets its own app context, as in production: its own `g`, session and locale."""

    def open(self, *args, **kwargs):
        with self.application.app_context():
            return super().open(*args, **kwargs)


@pytest.fixture(params=BACKENDS)
def app(request, sqlite_url, tmp_path):
    """The app on a fresh, empty database (SQLite, and PostgreSQL when TEST_DATABASE_URL is set)."""
    url = sqlite_url if request.param == "sqlite" else os.environ["TEST_DATABASE_URL"]
    application = create_app(make_config(tmp_path, url))
    application.test_client_class = FreshContextClient
    with application.app_context():
        _reset_schema(url)
        try:
            yield application
        finally:
            db.session.remove()
            _empty_tables()
            limiter.reset()
            db.engine.dispose()  # each test's app has its own engine: close its connections


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


_demo_snapshots: dict[str, list] = {}


def _snapshot() -> list:
    """Every row of every table, in dependency order."""
    with db.engine.connect() as conn:
        return [(table, [dict(row._mapping) for row in conn.execute(table.select())])
                for table in db.metadata.sorted_tables]


def _restore(snapshot: list) -> None:
    """Bulk-insert a snapshot; on PostgreSQL move each id sequence past the restored rows."""
    with db.engine.begin() as conn:
        for table, rows in snapshot:
            if rows:
                conn.execute(table.insert(), rows)
        if conn.dialect.name != "postgresql":
            return
        for table, rows in snapshot:
            if rows and "id" in table.c:
                conn.execute(text(f"SELECT setval(pg_get_serial_sequence('{table.name}', 'id'), "
                                  f"(SELECT MAX(id) FROM {table.name}))"))


@pytest.fixture
def demo(app):
    """The demo commune of `flask seed-demo`; returns its units and users by code / username.

    Seeding runs once per database; later tests get the same rows back by a bulk insert.
    """
    from core import demo as demo_module
    from core.services import get_user

    url = app.config["SQLALCHEMY_DATABASE_URI"]
    if url in _demo_snapshots:
        _restore(_demo_snapshots[url])
    else:
        demo_module.seed()
        db.session.commit()
        _demo_snapshots[url] = _snapshot()
    units = demo_module.seed_units()
    users = {name: get_user(name) for name, *_ in demo_module.USERS}
    return {"units": units, "users": users, "password": app.config["DEMO_PASSWORD"]}


CSRF_RE = re.compile(r'name="csrf_token" value="([^"]+)"')


def csrf_from(client, path: str) -> str:
    """The CSRF token of the form on `path`, as a browser would read it."""
    page = client.get(path)
    match = CSRF_RE.search(page.get_data(as_text=True))
    assert match, f"no CSRF token on {path}"
    return match.group(1)


def post_form(client, path: str, data: dict, page: str | None = None, **kwargs):
    """Submit a form the way a browser does: with the CSRF token of the page showing it."""
    token = csrf_from(client, page or path)
    return client.post(path, data={"csrf_token": token, **data}, **kwargs)


@pytest.fixture
def login_as(client, demo):
    """Log the test client in as a demo user (by username) and return that user."""

    def _login(username: str):
        response = post_form(client, "/login", {"username": username, "password": demo["password"]})
        assert response.status_code == 302, response.get_data(as_text=True)[:500]
        return demo["users"][username]

    return _login


@pytest.fixture
def token_for(app, demo):
    """A bearer header for a demo user."""
    from core.services import create_token

    def _token(username: str) -> dict:
        _, plain = create_token(demo["users"][username], "test")
        db.session.commit()
        return {"Authorization": f"Bearer {plain}"}

    return _token
