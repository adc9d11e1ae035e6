"""Locale (Vietnamese first, English second), time zone and date formats."""

from __future__ import annotations

from datetime import datetime

from flask import Flask, current_app, has_request_context, session
from flask_babel import format_datetime, format_decimal, get_locale
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from core.models import Role, UnitKind, as_utc

ROLE_LABELS = {
    Role.MEMBER: _l("Member"),
    Role.REVIEWER: _l("Reviewer"),
    Role.UNIT_ADMIN: _l("Unit administrator"),
    Role.ADMIN: _l("Administrator"),
}

KIND_LABELS = {
    UnitKind.PROVINCE: _l("Province"),
    UnitKind.DISTRICT: _l("District"),
    UnitKind.COMMUNE: _l("Commune"),
    UnitKind.PARTY_CELL: _l("Party cell"),
    UnitKind.VILLAGE: _l("Village"),
    UnitKind.AGENCY: _l("Agency"),
}

# Audit actions as people read them; each job adds its own with register_audit_labels().
AUDIT_LABELS = {
    "login": _l("Logged in"),
    "login_failed": _l("Failed login"),
    "logout": _l("Logged out"),
    "token_created": _l("API token created"),
    "token_revoked": _l("API token revoked"),
    "unit_created": _l("Unit created"),
}


def register_audit_labels(labels: dict) -> None:
    """Let a job name its own audit actions."""
    AUDIT_LABELS.update(labels)


# Vietnamese alphabetical order: base letters first, then the tone as a tie-breaker.
_ALPHABET = "aăâbcdđeêghiklmnoôơpqrstuưvxy"
_MARKS = {"\u0306": 1, "\u0302": 2, "\u031b": 3}  # breve ă, circumflex â ê ô, horn ơ ư
_TONES = {"\u0300": 1, "\u0309": 2, "\u0303": 3, "\u0301": 4, "\u0323": 5}  # à ả ã á ạ


def select_locale() -> str:
    """The language chosen in this session, else the user's, else Vietnamese."""
    languages = current_app.config["LANGUAGES"]
    if not has_request_context():  # commands and seeders: the default (Vietnamese)
        return current_app.config["BABEL_DEFAULT_LOCALE"]
    chosen = session.get("lang")
    if chosen in languages:
        return chosen
    user_locale = getattr(current_user, "locale", None) if current_user else None
    return user_locale if user_locale in languages else current_app.config["BABEL_DEFAULT_LOCALE"]


def select_timezone() -> str:
    """Every user is in Vietnam."""
    return current_app.config["BABEL_DEFAULT_TIMEZONE"]


def date_vn(moment: datetime | None) -> str:
    """dd/mm/yyyy in Vietnam time."""
    return format_datetime(as_utc(moment), "dd/MM/yyyy") if moment else ""


def datetime_vn(moment: datetime | None) -> str:
    """dd/mm/yyyy HH:mm in Vietnam time."""
    return format_datetime(as_utc(moment), "dd/MM/yyyy HH:mm") if moment else ""


def _letters(word: str) -> tuple[list[int], list[int]]:
    import unicodedata

    bases, tones = [], []
    for char in unicodedata.normalize("NFD", word.lower()):
        if char in _TONES:
            tones[-1:] = [_TONES[char]]
            continue
        if unicodedata.combining(char):
            bases[-1:] = [bases[-1] + _MARKS.get(char, 0)] if bases else []
            continue
        bases.append(_ALPHABET.index(char) * 4 if char in _ALPHABET else 200 + ord(char))
        tones.append(0)
    return bases, tones


def vn_sort_key(name: str) -> tuple:
    """Sort key for Vietnamese names: a < ă < â < b … đ after d, tones break ties."""
    bases, tones = _letters(name or "")
    return bases, tones


NAME_KEY_LENGTH = 400


def vn_name_key(full_name: str) -> str:
    """A string whose binary order is the Vietnamese order of people's names, for ORDER BY in
    the database (a binary collation) where pages are cut.

    As Vietnamese lists go: by given name (the last word) first, then the whole name; each
    in the Vietnamese alphabet (a ă â b … d đ …) with tones breaking ties, so An < Anh < Ánh.
    Each letter becomes one character (code points below U+0400); words are separated by a
    space and the parts by U+001F, both sorting before any letter.
    """
    words = (full_name or "").split()
    if not words:
        return ""
    parts = []
    for group in ([words[-1]], words):
        letters = [_letters(word) for word in group]
        parts.append(" ".join("".join(chr(0x30 + min(b, 200 + 0x2FF)) for b in bases)
                              for bases, _ in letters))
        parts.append(" ".join("".join(chr(0x30 + t) for t in tones) for _, tones in letters))
    return "\x1f".join(parts)[:NAME_KEY_LENGTH]


def init_app(app: Flask) -> None:
    """Expose the date and number filters and the labels of roles and unit kinds to templates."""
    app.jinja_env.filters["date_vn"] = date_vn
    app.jinja_env.filters["datetime_vn"] = datetime_vn
    app.jinja_env.filters["number"] = format_decimal  # 1.000 in Vietnamese, 1,000 in English
    app.jinja_env.globals["role_label"] = lambda role: ROLE_LABELS.get(role, role)
    app.jinja_env.globals["unit_kind_label"] = lambda kind: KIND_LABELS.get(kind, kind)
    app.jinja_env.globals["ancestors"] = _ancestors
    app.jinja_env.globals["get_locale"] = get_locale
    app.jinja_env.globals["audit_label"] = lambda action: AUDIT_LABELS.get(action, action)


def _ancestors(unit) -> list:
    from core.services import ancestors

    return ancestors(unit)
