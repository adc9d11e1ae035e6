"""The OA page's forms: linking an OA, the commune's wording of the OA's messages, the digest."""

from __future__ import annotations

import string

from flask_babel import lazy_gettext as _l
from marshmallow import Schema, ValidationError, fields, pre_load, validate

from core.schemas import Text
from zalo.messages import DEFAULTS, PLACEHOLDERS, REQUIRED, TEXT_MAX

ZALO_ID = validate.Regexp(r"^[0-9A-Za-z_.-]{1,40}$",
                          error=_l("Letters, digits, '_', '.' or '-' only (at most 40)."))
SECRETS = ("secret_key", "access_token", "refresh_token")
PERIODS = ("off", "daily", "weekly")
PERIOD_LABELS = {"off": _l("Not sent"), "daily": _l("Every day"), "weekly": _l("Every week")}


class LinkFormSchema(Schema):
    """Link (or re-link) the OA; a key or token left blank keeps the one stored."""

    app_id = Text(required=True, validate=ZALO_ID)
    oa_id = Text(required=True, validate=ZALO_ID)
    secret_key = Text(load_default=None, validate=validate.Length(
        min=8, max=200, error=_l("Between {min} and {max} characters.")))
    access_token = Text(load_default=None, validate=validate.Length(max=2000))
    refresh_token = Text(load_default=None, validate=validate.Length(max=2000))

    @pre_load
    def _blank_keeps(self, data, **_kwargs):
        """An empty key or token box means "keep the stored one"."""
        return {key: value for key, value in data.items()
                if key not in SECRETS or (value or "").strip()}


def check_template(kind: str):
    """A validator: only the placeholders this kind knows, and the ones it needs."""

    def check(value: str) -> None:
        try:
            parts = [(name, spec, conversion)
                     for _, name, spec, conversion in string.Formatter().parse(value)
                     if name is not None]
        except ValueError:
            parts = [("", "bad", None)]
        if any(spec or conversion for _, spec, conversion in parts):
            raise ValidationError(str(_l("Write placeholders plainly, as {unit}, and braces in "
                                         "pairs.")))
        names = {name for name, _, _ in parts}
        unknown = sorted(names - PLACEHOLDERS[kind])
        if unknown:
            raise ValidationError(str(_l("Unknown placeholder {%(name)s}; this message may use: "
                                     "%(allowed)s.", name=unknown[0],
                                     allowed=", ".join(f"{{{n}}}" for n in
                                                       sorted(PLACEHOLDERS[kind])))))
        missing = sorted(REQUIRED.get(kind, set()) - names)
        if missing:
            raise ValidationError(str(_l("This message must contain {%(name)s}.",
                                         name=missing[0])))

    return check


TemplatesFormSchema = Schema.from_dict(
    {str(kind): Text(load_default="", validate=[
        validate.Length(max=TEXT_MAX, error=_l("At most {max} characters.")), check_template(kind)])
     for kind in DEFAULTS}, name="TemplatesFormSchema")


class DigestFormSchema(Schema):
    """How often the digest goes to the followers who asked for it."""

    digest_period = fields.String(required=True, validate=validate.OneOf(
        PERIODS, error=_l("Must be one of: {choices}.")))
