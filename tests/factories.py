"""Plain factory functions for tests: each makes one object, flushed, with sensible defaults."""

from __future__ import annotations

import itertools

from core import services
from core.extensions import db
from core.models import Unit, UnitKind, User

_seq = itertools.count(1)


def make_unit(code: str | None = None, parent: Unit | None = None,
              kind: str = UnitKind.VILLAGE, name: str | None = None) -> Unit:
    n = next(_seq)
    unit = services.create_unit(code or f"unit-{n}", name or f"Đơn vị {n}", kind, parent)
    db.session.commit()
    return unit


def make_user(username: str | None = None, unit: Unit | None = None,
              roles: tuple[str, ...] = ("member",), password: str = "mat-khau-dai") -> User:
    unit = unit or make_unit()
    user = services.create_user(username or f"user{next(_seq)}", password, unit, list(roles))
    db.session.commit()
    return user
