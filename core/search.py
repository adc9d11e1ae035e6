"""Accent-insensitive full-text search over one folded column, on SQLite and PostgreSQL alike.

A searchable table keeps ``search_text``: its searched fields folded by ``core.text.fold``
("Đập thủy điện" → "dap thuy dien"), so "dap thuy dien" and "đập thủy điện" find the same
rows whichever way either was typed. The index over it is the database's own:

- PostgreSQL: a stored ``search_vector`` (``to_tsvector('simple', search_text)``, generated)
  with a GIN index;
- SQLite: an FTS5 table ``<table>_fts`` over the column (external content, no second copy of
  the text), kept by three triggers.

Both tokenise the folded words the same way (``[a-z0-9]+`` separated by spaces), and a query
means every word (the last may be the start of one: "nguyen van" finds "Nguyễn Văn An").
"""

from __future__ import annotations

import re

from sqlalchemy import DDL, Integer, Select, Text, column, event, func, literal_column, text
from sqlalchemy.orm import Mapped, mapped_column

from core.extensions import db
from core.text import fold, fold_words

MAX_WORDS = 12
MAX_WORD = 40
# A shorter last word matches only itself: most Vietnamese syllables are shorter, and "con:*"
# (cong, conh…) or "a:*" would read a large part of the index; "nguye" → "nguyen" still works.
PREFIX_MIN = 5
SEARCH_CONFIG = literal_column("'simple'")
VECTOR = "search_vector"  # PostgreSQL: to_tsvector('simple', search_text), stored
SCOPE_WORD = "scope"  # + a unit id: see _vector_sql
_SCOPE_LIKE = re.compile(rf"{SCOPE_WORD}[0-9]+")


class Searchable:
    """Mixin: a folded ``search_text`` column, from the fields in ``__search_fields__``."""

    __search_fields__: tuple[str, ...] = ()
    __search_scope__: str | None = None  # a unit path column: see _vector_sql
    search_text: Mapped[str] = mapped_column(Text, default="", server_default="")


def document(*parts) -> str:
    """The folded text a row is found by."""
    return fold(" ".join(str(part) for part in parts if part))


def query_words(query: str | None) -> list[str]:
    """The words a query means (at most MAX_WORDS, each cut to MAX_WORD letters)."""
    words = [word for word in fold_words(query) if not _SCOPE_LIKE.fullmatch(word)]
    return [word[:MAX_WORD] for word in words[:MAX_WORDS]]


def _vector_sql(scope: str | None) -> str:
    """The generated vector: the folded words, and on a scoped table one ``scope<id>`` word for
    the row's unit and each unit above it (from its path '/1/4/9/'), so "in this commune" is
    one more posting list for the GIN index to intersect instead of a filter on every match."""
    if not scope:
        return "to_tsvector('simple', search_text)"
    return (f"to_tsvector('simple', search_text || ' ' || "
            f"translate(regexp_replace({scope}, '([0-9]+)', '{SCOPE_WORD}\\1', 'g'), '/', ' '))")


def scope_word(unit) -> str:
    """The word a scoped table's vector holds for every row in ``unit``'s subtree."""
    return f"{SCOPE_WORD}{unit.id}"


def statements(table: str, dialect: str, scope: str | None = None) -> list[str]:
    """The DDL that indexes ``table.search_text`` on this dialect (run by create_all and by the
    migration that adds the column).

    On PostgreSQL the vector is a stored generated column, not only an index expression: a
    common word matches a tenth of a million posts, and checking those rows (a lossy bitmap,
    or a walk down the date index) then reads a stored vector instead of tokenising every
    text again (10 s → milliseconds with 1,000,000 posts)."""
    if dialect == "postgresql":
        return [f"ALTER TABLE {table} ADD COLUMN IF NOT EXISTS {VECTOR} tsvector GENERATED ALWAYS "
                f"AS ({_vector_sql(scope)}) STORED",
                f"CREATE INDEX IF NOT EXISTS ix_{table}_search ON {table} USING gin ({VECTOR})"]
    if dialect != "sqlite":
        return []
    fts = f"{table}_fts"
    delete = (f"INSERT INTO {fts}({fts}, rowid, search_text) "
              f"VALUES ('delete', old.id, old.search_text);")
    insert = f"INSERT INTO {fts}(rowid, search_text) VALUES (new.id, new.search_text);"
    return [
        f"CREATE VIRTUAL TABLE IF NOT EXISTS {fts} USING fts5(search_text, content='{table}', "
        f"content_rowid='id', tokenize='unicode61')",
        f"CREATE TRIGGER IF NOT EXISTS {fts}_insert AFTER INSERT ON {table} BEGIN {insert} END",
        f"CREATE TRIGGER IF NOT EXISTS {fts}_delete AFTER DELETE ON {table} BEGIN {delete} END",
        f"CREATE TRIGGER IF NOT EXISTS {fts}_update AFTER UPDATE OF search_text ON {table} "
        f"BEGIN {delete} {insert} END",
    ]


def drop_statements(table: str, dialect: str) -> list[str]:
    if dialect == "postgresql":
        return [f"DROP INDEX IF EXISTS ix_{table}_search",
                f"ALTER TABLE {table} DROP COLUMN IF EXISTS {VECTOR}"]
    if dialect != "sqlite":
        return []
    return [f"DROP TRIGGER IF EXISTS {table}_fts_{name}" for name in ("insert", "delete", "update")
            ] + [f"DROP TABLE IF EXISTS {table}_fts"]


def rebuild_statements(table: str, dialect: str) -> list[str]:
    """After rows were written with the triggers off (or before they existed)."""
    return [f"INSERT INTO {table}_fts({table}_fts) VALUES ('rebuild')"] if dialect == "sqlite" else []


def include_object(obj, name, type_, reflected, compare_to) -> bool:
    """Alembic's filter: the search indexes are made by ``statements`` (DDL the models cannot
    describe), so autogenerate and the schema check leave them out."""
    if type_ == "table" and name and (name.endswith("_fts") or "_fts_" in name):
        return False
    if type_ == "column" and name == VECTOR:
        return False
    return not (type_ == "index" and name and name.startswith("ix_") and name.endswith("_search"))


def searchable(model):
    """Class decorator: index the model's ``search_text`` and keep it from its fields."""
    table = model.__table__
    for dialect in ("postgresql", "sqlite"):
        for sql in statements(table.name, dialect, model.__search_scope__):
            event.listen(table, "after_create", DDL(sql).execute_if(dialect=dialect))
        for sql in drop_statements(table.name, dialect):
            event.listen(table, "before_drop", DDL(sql).execute_if(dialect=dialect))
    fields = model.__search_fields__
    for name in fields:  # on every change of a field (set events: hot paths skip the flush)
        event.listen(getattr(model, name), "set", _keeper(fields, name))
    return model


def _keeper(fields: tuple[str, ...], changed: str):
    def keep(target, value, _old, _initiator) -> None:
        target.search_text = document(*(value if name == changed else getattr(target, name)
                                        for name in fields))
    return keep


def search_text_of(model, values: dict) -> str:
    """``search_text`` for a row written without the ORM (bulk inserts)."""
    return document(*(values.get(name) for name in model.__search_fields__))


def matching(stmt: Select, model, query: str | None) -> Select:
    """``stmt`` limited to the rows of ``model`` whose folded text has every word of ``query``
    (no words: no rows)."""
    words = query_words(query)
    if not words:
        return stmt.where(literal_column("1") == 0)
    table = model.__table__.name
    if _dialect() == "postgresql":
        return stmt.where(vector_matches(vector_of(model), words))
    last_is_prefix = len(words[-1]) >= PREFIX_MIN
    match = " ".join(f'"{word}"' for word in words) + ("*" if last_is_prefix else "")
    rowids = (text(f"SELECT rowid FROM {table}_fts WHERE {table}_fts MATCH :match")
              .bindparams(match=match).columns(column("rowid", Integer)))
    return stmt.where(model.id.in_(rowids))


def vector_of(model):
    """PostgreSQL: the model's stored search vector, as a column to select or compare."""
    return literal_column(f"{model.__table__.name}.{VECTOR}")


def vector_matches(vector, words: list[str], also: tuple[str, ...] = ()):
    """PostgreSQL: ``vector`` has every word (the last may be the start of one), and the
    words ``also`` (a scope word) exactly."""
    last = words[-1] + (":*" if len(words[-1]) >= PREFIX_MIN else "")
    terms = [*words[:-1], last, *also]
    return vector.op("@@")(func.to_tsquery(SEARCH_CONFIG, " & ".join(terms)))


def _dialect() -> str:
    return db.session.get_bind().dialect.name
