"""Input and output schemas of the registry; the same ones read the page forms and the API."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from marshmallow import Schema, ValidationError, fields, post_load, pre_load, validate

from core.schemas import Text, id_field, text_field
from registry.identity import IdentifierError, normalize_phone, parse
from registry.models import AccountKind, AccountStatus, DeclarantRole, Platform

KIND_LABELS = {
    "personal": _l("personal account"), "page": _l("page"), "group": _l("group"),
    "channel": _l("channel"), "official_account": _l("official account"),
}
ROLE_LABELS = {"owner": _l("owner"), "admin": _l("administrator"), "member": _l("member")}
STATUS_LABELS = {"declared": _l("declared"), "verified": _l("verified"),
                 "rejected": _l("rejected"), "retired": _l("retired"), "overdue": _l("overdue")}
EVENT_LABELS = {
    "declared": _l("declared"), "co_declared": _l("co-declared"), "redeclared": _l("declared again"),
    "edited": _l("edited"), "role_changed": _l("role changed"), "retired": _l("retired"),
    "declarant_left": _l("a declarant left"), "verified": _l("verified"),
    "reconfirmed": _l("re-confirmed"), "rejected": _l("rejected"),
}
EVENT_FIELDS = {
    "status": _l("Status"), "display_name": _l("Display name"), "member_count": _l("Members"),
    "public": _l("Public"), "purpose": _l("Purpose"), "official": _l("Declared by"),
    "role": _l("Role"), "declarant": _l("Declarant"),
}
MUST_BE_ONE_OF = _l("Must be one of: {choices}.")


def event_value(key: str, value) -> str:
    """A value of the history as people read it."""
    if value is None or value == "":
        return "—"
    if key == "status":
        return str(STATUS_LABELS.get(value, value))
    if key == "role":
        return str(ROLE_LABELS.get(value, value))
    if isinstance(value, bool):
        return str(_l("yes") if value else _l("no"))
    return str(value)


def one_of(values) -> validate.OneOf:
    return validate.OneOf([str(v) for v in values], error=MUST_BE_ONE_OF)


class FormSchema(Schema):
    """Blank form fields count as not given (an empty number box is not an invalid number)."""

    @pre_load
    def _drop_blanks(self, data, **_kwargs):
        if not hasattr(data, "items"):
            return data
        return {key: value for key, value in data.items()
                if not (isinstance(value, str) and not value.strip()
                        and not isinstance(self.fields.get(key), Text))}


class Phone(fields.String):
    """A phone number in any Vietnamese form, stored as +84…; landlines allowed on the roster."""

    def _deserialize(self, value, attr, data, **kwargs):
        text = super()._deserialize(value, attr, data, **kwargs).strip()
        if not text:
            return None
        try:
            return normalize_phone(text, mobile_only=False, platform=None)
        except IdentifierError as error:
            raise ValidationError(str(error.reason) + " " + str(
                _l("For example 0912 345 678 or +84 212 3856 789."))) from None


class OfficialCreateSchema(FormSchema):
    """A new person on a roster."""

    full_name = text_field(200)
    unit = fields.String(required=True)
    position = text_field(200, required=False, load_default="")
    party_member = fields.Boolean(load_default=False)
    phone = Phone(load_default=None, allow_none=True)


class OfficialUpdateSchema(FormSchema):
    """Changes to an official: any field, a move to another unit, (de)activation."""

    full_name = text_field(200, required=False)
    unit = fields.String()
    position = text_field(200, required=False)
    party_member = fields.Boolean()
    phone = Phone(allow_none=True)
    active = fields.Boolean()


class OfficialQuerySchema(Schema):
    unit = fields.String(load_default=None)
    active = fields.Boolean(load_default=None)
    page = fields.Integer(load_default=1, validate=validate.Range(
        min=1, max=100000, error=_l("Between {min} and {max}.")))


class OfficialSchema(Schema):
    """An official as the API shows it (phone masked unless the viewer administers the unit)."""

    id = fields.Integer()
    full_name = fields.String()
    unit = fields.String()
    unit_name = fields.String()
    position = fields.String()
    party_member = fields.Boolean()
    phone = fields.String(allow_none=True)
    active = fields.Boolean()
    username = fields.String(allow_none=True)
    accounts_active = fields.Integer()


class OfficialListSchema(Schema):
    items = fields.List(fields.Nested(OfficialSchema))
    page = fields.Integer()
    total = fields.Integer()


class AccountDetailsSchema(FormSchema):
    """What a declarant may say about an account besides its identity."""

    display_name = text_field(200, required=False)
    role = fields.String(validate=one_of(DeclarantRole))
    member_count = fields.Integer(allow_none=True, validate=validate.Range(
        min=0, max=10_000_000, error=_l("Between {min} and {max}.")))
    public = fields.Boolean(allow_none=True)
    purpose = text_field(1000, required=False)


class AccountCreateSchema(AccountDetailsSchema):
    """A declaration: the identifier is parsed into a canonical identity here, so a bad one is a
    422 on `identifier` with the Vietnamese message (the same on the page)."""

    platform = fields.String(load_default=None, validate=one_of(Platform))
    kind = fields.String(load_default=None, validate=one_of(AccountKind))
    identifier = text_field(500)
    role = fields.String(load_default=str(DeclarantRole.OWNER), validate=one_of(DeclarantRole))
    official_id = id_field(load_default=None, allow_none=True)

    @post_load
    def _identity(self, data, **_kwargs):
        try:
            identity = parse(data["identifier"], data.get("platform"))
        except IdentifierError as error:
            raise ValidationError({"identifier": [error.message]}) from None
        kind = data.get("kind") or identity.kind
        if kind not in identity.kinds:
            allowed = ", ".join(str(KIND_LABELS[k]) for k in sorted(identity.kinds))
            raise ValidationError({"kind": [str(_l(
                "This address cannot be a %(kind)s; choose: %(allowed)s.",
                kind=KIND_LABELS[kind], allowed=allowed))]})
        return {**data, "platform": identity.platform, "kind": kind, "identity": identity}


class AccountUpdateSchema(AccountDetailsSchema):
    """Edits of a declaration (the identity itself never changes: retire and declare anew)."""


class VerificationSchema(FormSchema):
    """A unit admin's decision on a declaration."""

    decision = fields.String(required=True, validate=one_of(
        [AccountStatus.VERIFIED, AccountStatus.REJECTED]))
    reason = text_field(1000, required=False, load_default="")

    @post_load
    def _reason_for_rejection(self, data, **_kwargs):
        if data["decision"] == AccountStatus.REJECTED and not data.get("reason"):
            raise ValidationError({"reason": [str(_l("Say why the declaration is rejected."))]})
        return data


class AccountQuerySchema(Schema):
    unit = fields.String(load_default=None)
    status = fields.String(load_default=None, validate=one_of([*AccountStatus, "overdue"]))
    platform = fields.String(load_default=None, validate=one_of(Platform))
    official = id_field(load_default=None)
    page = fields.Integer(load_default=1, validate=validate.Range(
        min=1, max=100000, error=_l("Between {min} and {max}.")))


class DeclarantSchema(Schema):
    official_id = fields.Integer()
    full_name = fields.String()
    unit = fields.String()
    role = fields.String()


class AccountSchema(Schema):
    """A declared account as the API shows it."""

    id = fields.Integer()
    platform = fields.String()
    kind = fields.String()
    canonical_id = fields.String()
    identifier = fields.String()
    url = fields.String(allow_none=True)
    display_name = fields.String()
    member_count = fields.Integer(allow_none=True)
    public = fields.Boolean(allow_none=True)
    purpose = fields.String()
    status = fields.String()
    overdue = fields.Boolean()
    official_id = fields.Integer()
    unit = fields.String()
    declarants = fields.List(fields.Nested(DeclarantSchema))
    declared_at = fields.DateTime()
    verified_at = fields.DateTime(allow_none=True)
    reconfirm_due = fields.DateTime(allow_none=True)
    reject_reason = fields.String(allow_none=True)
    retired_at = fields.DateTime(allow_none=True)
    outcome = fields.String()


class AccountListSchema(Schema):
    items = fields.List(fields.Nested(AccountSchema))
    page = fields.Integer()
    total = fields.Integer()


class CoverageQuerySchema(Schema):
    unit = fields.String(load_default=None)


class CoverageRowSchema(Schema):
    unit = fields.String()
    roster = fields.Integer()
    declared = fields.Integer()
    verified = fields.Integer()
    overdue = fields.Integer()
    coverage = fields.Float()


class CoverageSchema(Schema):
    unit = fields.String()
    children = fields.List(fields.Nested(CoverageRowSchema))


class VerifyQuerySchema(Schema):
    url = text_field(500)


class PublicAccountSchema(Schema):
    platform = fields.String()
    display_name = fields.String()
    unit = fields.String()
    unit_name = fields.String()


class VerifyResultSchema(Schema):
    verified = fields.Boolean()
    account = fields.Nested(PublicAccountSchema)
