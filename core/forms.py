"""Read a page form through a marshmallow schema, keeping what the user typed and the errors."""

from __future__ import annotations

from dataclasses import dataclass, field

from flask import request
from marshmallow import EXCLUDE, Schema, ValidationError

from core.errors import plain


@dataclass
class FormResult:
    """What a form handler needs: the clean data, or the raw values and per-field errors."""

    data: dict = field(default_factory=dict)
    values: dict = field(default_factory=dict)
    errors: dict = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return not self.errors


def load_form(schema: Schema, source=None) -> FormResult:
    """Validate `source` (default: the request form) with `schema`; never raises on bad input."""
    raw = source if source is not None else request.form
    values = {key: raw.get(key) for key in raw if key != "csrf_token"}
    multi = getattr(raw, "getlist", None)
    if multi is not None:
        for name, fld in schema.fields.items():
            if fld.__class__.__name__ == "List" and name in raw:
                values[name] = raw.getlist(name)
    try:
        return FormResult(data=schema.load(values, unknown=EXCLUDE), values=values)
    except ValidationError as error:
        messages = error.messages if isinstance(error.messages, dict) else {"_schema": error.messages}
        return FormResult(values=values, errors=plain(messages))
