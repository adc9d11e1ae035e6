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
    table, values = insert_values(obj)
    missing = tuple(c for c in table.columns if c.key not in values)
    statement = _INSERTS.get((table, missing))
    if statement is None:  # building the statement costs more than running it: keep it
        statement = _INSERTS[(table, missing)] = insert(table).returning(*missing)
    row = db.session.connection().execute(statement, values).one()
    attach_inserted(obj, missing, row)


def insert_values(obj) -> tuple:
    """(table, {column key: value}) that an INSERT of the new object `obj` would write: the
    attributes it has (an explicit None is NULL, as in the unit of work) and the foreign keys
    of the many-to-one relationships set on it (None while the related object has no id)."""
    state = sa_inspect(obj)
    if not state.transient:
        raise ValueError(f"insert_now needs a new object, not {state!r}")
    mapper = state.mapper
    values = {}
    for prop in mapper.column_attrs:
        if prop.key in state.dict:
            values[prop.columns[0].key] = state.dict[prop.key]
    for rel in mapper.relationships:
        target = state.dict.get(rel.key)
        if rel.direction is orm.interfaces.MANYTOONE and target is not None:
            for local, remote in rel.local_remote_pairs:
                value = getattr(target, mapper_attr(remote, target))
                values[local.key] = state.dict[mapper.get_property_by_column(local).key] = value
    return mapper.local_table, values


def with_python_defaults(obj, values: dict) -> dict:
    """`values` (of insert_values) completed with the Python-side defaults of the columns it
    leaves out, computed as the INSERT would and set on `obj` too: for statements that nest
    the INSERT (a CTE), where Core does not fill them in."""
    state = sa_inspect(obj)
    for column in state.mapper.local_table.columns:
        default = column.default
        if column.key in values or default is None or not (default.is_scalar
                                                            or default.is_callable):
            continue
        value = default.arg if default.is_scalar else default.arg(None)
        values[column.key] = state.dict[state.mapper.get_property_by_column(column).key] = value
    return values


def attach_inserted(obj, columns, row) -> None:
    """Give a just-inserted object the values its INSERT returned for `columns`, and make it
    a persistent member of the session, as if it had been loaded."""
    state = sa_inspect(obj)
    for column, value in zip(columns, row, strict=True):
        state.dict[state.mapper.get_property_by_column(column).key] = value
    orm.make_transient_to_detached(obj)
    db.session.add(obj)


def mapper_attr(column, obj) -> str:
    """The attribute of `obj` that maps `column`."""
    return sa_inspect(obj).mapper.get_property_by_column(column).key
