"""Extension objects, created once and bound to the app in create_app."""

from datetime import datetime

import flask_smorest
from flask import request
from flask_babel import Babel
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_wtf.csrf import CSRFProtect
from sqlalchemy import DateTime, MetaData, event, insert, orm
from sqlalchemy import inspect as sa_inspect
from sqlalchemy.engine import Engine
from sqlalchemy.orm import DeclarativeBase

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    """Declarative base whose constraints get predictable names for Alembic."""

    # Every *_at column is timestamptz on PostgreSQL; values are always UTC.
    registry = orm.registry(
        metadata=MetaData(naming_convention=NAMING_CONVENTION),
        type_annotation_map={datetime: DateTime(timezone=True)},
    )


class Api(flask_smorest.Api):
    """flask-smorest Api whose error answers follow SPEC §6, and pages get HTML."""

    def handle_http_exception(self, error):
        """Delegate to core.errors so one module decides the error shape."""
        from core.errors import handle_http_exception

        return handle_http_exception(error)


db = SQLAlchemy(model_class=Base)
migrate = Migrate(compare_type=True, render_as_batch=True)
login_manager = LoginManager()
csrf = CSRFProtect()
babel = Babel()
limiter = Limiter(key_func=get_remote_address, default_limits=[])
api = Api()


@event.listens_for(Engine, "connect")
def _sqlite_pragmas(dbapi_connection, _record):
    """SQLite: enforce foreign keys, wait on locks, and let readers run beside a writer."""
    if type(dbapi_connection).__module__.startswith("sqlite3"):
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=10000")
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.close()


def wants_json() -> bool:
    """API requests answer JSON; everything else answers pages."""
    return request.path.startswith("/api/") or request.path == "/healthz"


_INSERTS: dict = {}


def insert_now(obj) -> None:
    """INSERT a new ORM object at once with one cached Core statement, then attach it to the
    session as if it had been loaded (``make_transient_to_detached`` + ``add``).

    For hot paths that write one row per request: the unit of work costs several times the
    INSERT itself. Columns left unset get their defaults; many-to-one relationships that were
    set fill their foreign keys; the generated primary key and defaults come back by RETURNING.
    The object must be transient and its related objects already have their ids.
    """
    state = sa_inspect(obj)
    if not state.transient:
        raise ValueError(f"insert_now needs a new object, not {state!r}")
    mapper = state.mapper
    values = {}
    for prop in mapper.column_attrs:
        if prop.key in state.dict:  # as the unit of work does: an explicit None is NULL
            values[prop.columns[0].key] = state.dict[prop.key]
    for rel in mapper.relationships:
        target = state.dict.get(rel.key)
        if rel.direction is orm.interfaces.MANYTOONE and target is not None:
            for local, remote in rel.local_remote_pairs:
                value = getattr(target, mapper_attr(remote, target))
                values[local.key] = state.dict[mapper.get_property_by_column(local).key] = value
    table = mapper.local_table
    missing = tuple(c for c in table.columns if c.key not in values)
    statement = _INSERTS.get((table, missing))
    if statement is None:  # building the statement costs more than running it: keep it
        statement = _INSERTS[(table, missing)] = insert(table).returning(*missing)
    row = db.session.connection().execute(statement, values).one()
    for column, value in zip(missing, row, strict=True):
        state.dict[mapper.get_property_by_column(column).key] = value
    orm.make_transient_to_detached(obj)
    db.session.add(obj)


def mapper_attr(column, obj) -> str:
    """The attribute of `obj` that maps `column`."""
    return sa_inspect(obj).mapper.get_property_by_column(column).key
