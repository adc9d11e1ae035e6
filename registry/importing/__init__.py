"""Import of rosters and declarations from CSV/XLSX: check every row first, then write all or
nothing. A dry run stops after the check; errors name the row, the column and what is wrong.

Rows are people (unit code + full name, optionally with an account); several rows for the same
person in the same unit add several accounts. Re-importing the same file changes nothing.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field

from flask_babel import gettext as _
from marshmallow import ValidationError
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from core.extensions import db
from core.models import Unit, User
from core.scoping import in_scope
from core.services import audit
from registry import permissions
from registry.importing.reading import LABELS, ImportFileError, plain, read_table
from registry.importing.values import account_input, official_input
from registry.models import ACTIVE_STATUSES, SHARED_KINDS, Account, Official
from registry.schemas import AccountCreateSchema, OfficialCreateSchema
from registry.services import accounts as account_services
from registry.services import stats

__all__ = ["ImportFileError", "ImportReport", "RowError", "check", "read_table", "run_import",
           "write"]
CHUNK = 500


@dataclass
class RowError:
    row: int
    column: str
    message: str


@dataclass
class ImportReport:
    """What a check or an import found and did."""

    rows: int = 0
    officials_new: int = 0
    officials_updated: int = 0
    accounts_new: int = 0
    co_declared: int = 0
    unchanged: int = 0
    errors: list[RowError] = field(default_factory=list)
    written: bool = False
    seconds: float = 0.0

    def error(self, row: int, column: str, message) -> None:
        self.errors.append(RowError(row, str(LABELS.get(column, column)), str(message)))


@dataclass
class Person:
    """One official of the file: the rows that name them, and the record they become."""

    unit: Unit
    data: dict
    row: int
    official: Official | None = None
    changes: dict = field(default_factory=dict)


@dataclass
class Plan:
    report: ImportReport
    people: dict = field(default_factory=dict)        # (unit id, plain name) → Person
    declarations: list = field(default_factory=list)  # (Person, identity, data, row)


def _units(rows, actor: User | None) -> dict:
    codes = {plain(values.get("unit")).replace(" ", "-") for _, values in rows}
    found = {}
    codes = sorted(codes)
    for start in range(0, len(codes), CHUNK):
        for unit in db.session.scalars(select(Unit).where(Unit.code.in_(codes[start:start + CHUNK]))):
            if actor is None or in_scope(actor, unit):
                found[unit.code] = unit
    return found


def _load(schema, values: dict, report: ImportReport, row: int) -> dict | None:
    try:
        return schema.load(values)
    except ValidationError as error:
        for column, messages in error.messages.items():
            for message in messages if isinstance(messages, list) else [messages]:
                report.error(row, column if column in LABELS else "identifier", message)
        return None


def check(rows: list, actor: User | None = None, progress: Callable = lambda n: None) -> Plan:
    """Validate every row and resolve people and accounts; writes nothing."""
    plan = Plan(ImportReport(rows=len(rows)))
    units = _units(rows, actor)
    official_schema, account_schema = OfficialCreateSchema(), AccountCreateSchema()
    for number, values in rows:
        person = _person(plan, units, official_schema, number, values)
        raw_account = account_input(values)
        if raw_account is not None:
            data = _load(account_schema, raw_account, plan.report, number)
            if data is not None and person is not None:
                plan.declarations.append((person, data["identity"], data, number))
        progress(1)
    _match_officials(plan, actor)
    _check_accounts(plan, actor)
    plan.report.errors.sort(key=lambda error: error.row)
    people = plan.people.values()
    plan.report.officials_new = sum(p.official is None for p in people)
    plan.report.officials_updated = sum(bool(p.official and p.changes) for p in people)
    return plan


def _person(plan: Plan, units: dict, schema, number: int, values: dict) -> Person | None:
    report = plan.report
    raw = official_input(values, report, number)
    if raw is None:
        return None
    unit = units.get(raw["unit"])
    if unit is None:
        report.error(number, "unit", _("There is no unit with code “%(code)s” in your scope.",
                                       code=raw["unit"]))
        return None
    number_given = raw.pop("official_id")
    data = _load(schema, raw, report, number)
    if data is None:
        return None
    data["_given"] = set(raw)
    key = (unit.id, plain(data["full_name"]), number_given)
    person = plan.people.get(key)
    if person is None:
        plan.people[key] = person = Person(unit, data, number)
    elif data.get("phone") and person.data.get("phone") not in (None, data["phone"]):
        report.error(number, "phone", _("Row %(row)s has the same person with another phone "
                                        "number; fill in “Official number” to tell them apart.",
                                        row=person.row))
    return person


def _match_officials(plan: Plan, actor: User | None) -> None:
    """Each person of the file is an existing official (same unit and name, or number) or new."""
    unit_ids = sorted({person.unit.id for person in plan.people.values()})
    existing: dict = {}
    for start in range(0, len(unit_ids), CHUNK):
        stmt = select(Official).where(Official.unit_id.in_(unit_ids[start:start + CHUNK]))
        for official in db.session.scalars(stmt):
            existing.setdefault((official.unit_id, plain(official.full_name)), []).append(official)
    for (unit_id, name, number), person in plan.people.items():
        if number:
            person.official = _by_number(plan, person, number, actor)
            continue
        same = existing.get((unit_id, name), [])
        if len(same) > 1:
            plan.report.error(person.row, "full_name", _(
                "%(count)s officials of this unit are called %(name)s; fill in “Official "
                "number” to say which.", count=len(same), name=person.data["full_name"]))
        person.official = same[0] if len(same) == 1 else None
        _changes(plan, person)


def _by_number(plan, person, number, actor) -> Official | None:
    official = db.session.get(Official, number)
    if official is None or (actor is not None and not permissions.can_manage_official(actor,
                                                                                      official)):
        plan.report.error(person.row, "official_id", _("There is no official with number "
                                                       "%(id)s.", id=number))
        return None
    if official.unit_id != person.unit.id:
        plan.report.error(person.row, "official_id", _(
            "Official number %(id)s belongs to %(unit)s, not to this unit.", id=number,
            unit=official.unit.name))
    person.data["full_name"] = official.full_name  # the number decides who it is
    _changes(plan, person, official)
    return official


def _changes(plan: Plan, person: Person, official: Official | None = None) -> None:
    official = official or person.official
    if official is None:
        return
    given = {k: person.data[k] for k in ("position", "phone") if person.data.get(k)}
    if "party_member" in person.data.get("_given", ()):
        given["party_member"] = person.data["party_member"]
    person.changes = {k: v for k, v in given.items() if getattr(official, k) != v}


def _check_accounts(plan: Plan, actor: User | None) -> None:
    """Refuse an account already someone else's (in the database or earlier in the file)."""
    keys = sorted({(identity.platform, identity.canonical_id)
                   for _, identity, _, _ in plan.declarations})
    found = {}
    for platform in sorted({key[0] for key in keys}):  # (platform, canonical_id): the unique index
        ids = [canonical for p, canonical in keys if p == platform]
        for start in range(0, len(ids), CHUNK):
            stmt = (select(Account).options(selectinload(Account.declarants))
                    .where(Account.platform == platform,
                           Account.canonical_id.in_(ids[start:start + CHUNK])))
            for account in db.session.scalars(stmt):
                found[(account.platform, account.canonical_id)] = account
    seen: dict = {}
    kept = []
    for person, identity, data, row in plan.declarations:
        key = (identity.platform, identity.canonical_id)
        account = found.get(key)
        if account is not None and account.status in ACTIVE_STATUSES:
            declarants = {r.official_id for r in account.declarants}
            if person.official is not None and person.official.id in declarants:
                plan.report.unchanged += 1
                continue
            if account.kind not in SHARED_KINDS:
                plan.report.error(row, "identifier",
                                  account_services.conflict_message(actor, account))
                continue
        earlier = seen.get(key)
        if earlier is not None:
            if earlier[0] is person:
                continue  # the same row twice
            if (account.kind if account else data["kind"]) not in SHARED_KINDS:
                plan.report.error(row, "identifier", _(
                    "Row %(row)s already declares this account for someone else.", row=earlier[1]))
                continue
        shared_here = earlier is not None or (account is not None
                                              and account.status in ACTIVE_STATUSES)
        plan.report.co_declared += shared_here
        plan.report.accounts_new += not shared_here
        seen[key] = (person, row)
        kept.append((person, identity, data, row, account))
    plan.declarations = kept


def write(plan: Plan, actor: User | None = None, progress: Callable = lambda n: None,
          source: str = "") -> ImportReport:
    """Write the checked plan in the caller's transaction (the caller commits or rolls back)."""
    report = plan.report
    for person in plan.people.values():
        if person.official is None:
            fields = {k: v for k, v in person.data.items() if not k.startswith("_") and k != "unit"}
            person.official = Official(unit=person.unit, **fields)
            db.session.add(person.official)
        for key, value in person.changes.items():
            setattr(person.official, key, value)
    db.session.flush()
    accounts: dict = {}
    for person, identity, data, _row, existing in plan.declarations:
        key = (identity.platform, identity.canonical_id)
        accounts[key], _outcome = account_services.apply_declaration(
            actor, person.official, identity, data, accounts.get(key, existing))
        progress(1)
    stats.refresh(person.official.id for person in plan.people.values())
    audit("registry_imported", actor=actor, unit=actor.unit if actor else None,
          summary=source[:200], rows=report.rows, officials_new=report.officials_new,
          officials_updated=report.officials_updated, accounts_new=report.accounts_new,
          co_declared=report.co_declared)
    report.written = True
    return report


def run_import(filename: str, data: bytes, actor: User | None = None,
               dry_run: bool = False) -> ImportReport:
    """Read, check, and (unless a dry run or any error) write; raises ImportFileError."""
    started = time.perf_counter()
    _header, rows = read_table(filename, data)
    plan = check(rows, actor)
    if not plan.report.errors and not dry_run:
        write(plan, actor, source=filename)
    plan.report.seconds = round(time.perf_counter() - started, 2)
    return plan.report
