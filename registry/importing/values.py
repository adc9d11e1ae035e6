"""Spreadsheet cells → the values the registry's schemas read (Vietnamese words accepted)."""

from __future__ import annotations

from datetime import date, datetime

from flask_babel import gettext as _

from registry.importing.reading import plain

PLATFORMS = {"facebook": "facebook", "fb": "facebook", "zalo": "zalo", "tiktok": "tiktok",
             "youtube": "youtube", "x": "x", "twitter": "x", "x twitter": "x",
             "instagram": "instagram", "telegram": "telegram", "khac": "other", "other": "other"}
KINDS = {"ca nhan": "personal", "tai khoan ca nhan": "personal", "personal": "personal",
         "trang": "page", "fanpage": "page", "page": "page", "nhom": "group", "group": "group",
         "kenh": "channel", "channel": "channel", "oa": "official_account",
         "tai khoan chinh thuc": "official_account", "official account": "official_account"}
ROLES = {"chu": "owner", "chu so huu": "owner", "owner": "owner", "quan tri": "admin",
         "quan tri vien": "admin", "admin": "admin", "thanh vien": "member", "member": "member"}
YES = {"co", "x", "1", "yes", "true", "dung", "v", "la dang vien"}
NO = {"khong", "0", "no", "false", "sai"}
ACCOUNT_COLUMNS = ("platform", "kind", "identifier", "display_name", "role", "member_count",
                   "public", "purpose")


def cell(value) -> str:
    """A cell as text: 12.0 → '12', dates as dd/mm/yyyy, None → ''."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, datetime | date):
        return value.strftime("%d/%m/%Y")
    return str(value).strip()


def phone_cell(value) -> str:
    """Excel turns 0912345678 into the number 912345678: give it its 0 back."""
    text = cell(value)
    if isinstance(value, int | float) and len(text) == 9:
        return "0" + text
    return text


def _mapped(value, table: dict) -> str:
    text = cell(value)
    return table.get(plain(text), text.lower())


def _boolean(value) -> str:
    word = plain(cell(value))
    if word in YES:
        return "true"
    if word in NO:
        return "false"
    return cell(value)


def official_input(values: dict, report, row: int) -> dict | None:
    """The official's columns for OfficialCreateSchema, plus `official_id` (or None on error)."""
    raw = {"unit": plain(values.get("unit")).replace(" ", "-"),
           "full_name": cell(values.get("full_name"))}
    if cell(values.get("position")):
        raw["position"] = cell(values.get("position"))
    if cell(values.get("party_member")):
        raw["party_member"] = _boolean(values.get("party_member"))
    if cell(values.get("phone")):
        raw["phone"] = phone_cell(values.get("phone"))
    number = cell(values.get("official_id"))
    if number and not number.isdigit():
        report.error(row, "official_id", _("Not a valid whole number."))
        return None
    if not raw["unit"]:
        report.error(row, "unit", _("This field is required."))
        return None
    raw["official_id"] = int(number) if number else None
    return raw


def account_input(values: dict) -> dict | None:
    """The account's columns for AccountCreateSchema, or None if the row declares no account."""
    if not any(cell(values.get(key)) for key in ACCOUNT_COLUMNS):
        return None
    raw = {"identifier": cell(values.get("identifier"))}
    for key, table in (("platform", PLATFORMS), ("kind", KINDS), ("role", ROLES)):
        if cell(values.get(key)):
            raw[key] = _mapped(values.get(key), table)
    for key in ("display_name", "purpose"):
        if cell(values.get(key)):
            raw[key] = cell(values.get(key))
    if cell(values.get("member_count")):
        raw["member_count"] = cell(values.get("member_count")).replace(".", "").replace(",", "")
    if cell(values.get("public")):
        raw["public"] = _boolean(values.get("public"))
    return raw
