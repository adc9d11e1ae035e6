"""Input and output schemas shared by the pages and the API."""

import unicodedata

from flask_babel import lazy_gettext as _l
from marshmallow import Schema, fields, validate

from core.models import UnitKind

# marshmallow's own messages are English only; these are shown to people, so they go through Babel.
_FIELD_MESSAGES = {
    fields.Field: {"required": _l("This field is required."), "null": _l("This field is required."),
                   "validator_failed": _l("Invalid value.")},
    fields.String: {"invalid": _l("Not valid text.")},
    fields.Integer: {"invalid": _l("Not a valid whole number."),
                     "too_large": _l("The number is too large.")},
    fields.Float: {"invalid": _l("Not a valid number.")},
    fields.Boolean: {"invalid": _l("Not a valid yes/no value.")},
    fields.Date: {"invalid": _l("Not a valid date (dd/mm/yyyy).")},
    fields.DateTime: {"invalid": _l("Not a valid date and time.")},
    fields.Email: {"invalid": _l("Not a valid email address.")},
    fields.Url: {"invalid": _l("Not a valid web address.")},
    fields.List: {"invalid": _l("Not a valid list.")},
    fields.Dict: {"invalid": _l("Not a valid object.")},
    fields.Nested: {"type": _l("Not a valid object.")},
}
for _field_class, _messages in _FIELD_MESSAGES.items():
    _field_class.default_error_messages = {**_field_class.default_error_messages, **_messages}
Schema.error_messages = {**Schema.error_messages, "unknown": _l("Unknown field."),
                         "type": _l("Invalid input type.")}


class Text(fields.String):
    """A string field that trims whitespace, so "   " counts as empty, and composes accents
    (NFC): some Vietnamese keyboards type "ệ" as e + two combining marks, which would count
    three characters against a length limit and never match its composed twin."""

    def _deserialize(self, value, attr, data, **kwargs):
        result = super()._deserialize(value, attr, data, **kwargs)
        return unicodedata.normalize("NFC", result).strip() if isinstance(result, str) else result


def text_field(max_length: int, required: bool = True, **kwargs) -> Text:
    """Trimmed text with a length limit; empty counts as missing when the field is required."""
    validators = [validate.Length(max=max_length, error=_l("At most {max} characters."))]
    if required:
        validators.insert(0, validate.Length(min=1, error=_l("This field is required.")))
    return Text(required=required, validate=validators, **kwargs)


MAX_ID = 2**31 - 1  # record numbers are INTEGER columns


def id_field(**kwargs) -> fields.Integer:
    """A record number given by a client: a whole number the database can hold (a larger one
    names nothing, and would make the driver fail instead of the look-up)."""
    return fields.Integer(validate=validate.Range(min=1, max=MAX_ID, error=_l("No such number.")),
                          **kwargs)


class LoginSchema(Schema):
    """The login form."""

    username = text_field(64)
    password = fields.String(required=True, validate=validate.Length(
        min=1, max=256, error=_l("This field is required.")))
    next = fields.String(load_default="")


class TokenCreateSchema(Schema):
    """A new API token: a name to recognise it by."""

    name = text_field(100)


class UnitSchema(Schema):
    """A unit as the API shows it."""

    id = fields.Integer()
    code = fields.String()
    name = fields.String()
    kind = fields.String()
    parent = fields.Function(lambda unit: unit.parent.code if unit.parent else None)
    depth = fields.Integer()


class UnitCreateSchema(Schema):
    """A new unit below an existing one."""

    code = fields.String(required=True, validate=validate.Regexp(
        r"^[a-z0-9]+(-[a-z0-9]+)*$", error=_l("Use lower-case letters without accents, digits and "
                                             "hyphens, e.g. ban-mat.")))
    name = text_field(200)
    kind = fields.String(required=True, validate=validate.OneOf(
        [k.value for k in UnitKind], error=_l("Must be one of: {choices}.")))
    parent = fields.String(required=True)


class MeSchema(Schema):
    """The authenticated user."""

    id = fields.Integer()
    username = fields.String()
    full_name = fields.String()
    unit = fields.Function(lambda user: user.unit.code)
    roles = fields.Function(lambda user: sorted(user.roles))


class UnitQuerySchema(Schema):
    """`?unit=CODE` filters, used by many list routes."""

    unit = fields.String(load_default=None)


class UnitListSchema(Schema):
    """A list answer."""

    items = fields.List(fields.Nested(UnitSchema))


class AuditFilterSchema(Schema):
    """Filters of the audit log page (all optional)."""

    actor = fields.String(load_default=None)
    action = fields.String(load_default=None)
    unit = fields.String(load_default=None)
    date_from = fields.Date(load_default=None, format="%Y-%m-%d")
    date_to = fields.Date(load_default=None, format="%Y-%m-%d")
    page = fields.Integer(load_default=1, validate=validate.Range(min=1, max=100000))
