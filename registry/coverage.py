"""Coverage of a unit, per child unit: roster, declared, verified, overdue, coverage %.

One aggregate query over the subtree: officials are first summed per unit (an index-only scan of
ix_officials_coverage), then those per-unit sums are grouped by the child unit their path starts
with. Nothing loops over officials in Python, so a province of a million stays fast.
"""

from __future__ import annotations

import csv
import io
from dataclasses import asdict, dataclass
from datetime import datetime, timedelta

from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy import func, select, true

from core.extensions import db
from core.i18n import vn_sort_key
from core.models import VN_OFFSET, Unit, utcnow
from core.scoping import most_of_the_tree
from registry.models import (
    RECONFIRM_AFTER,
    Account,
    AccountDeclarant,
    AccountStatus,
    Official,
)


@dataclass
class CoverageRow:
    """One child unit (or the unit itself, for officials attached to it directly)."""

    unit: str
    name: str
    roster: int = 0
    declared: int = 0
    verified: int = 0
    overdue: int = 0

    @property
    def coverage(self) -> float:
        """Officials with at least one active declaration, in % of the roster."""
        return round(100 * self.declared / self.roster, 1) if self.roster else 0.0

    @property
    def verified_share(self) -> float:
        return round(100 * self.verified / self.roster, 1) if self.roster else 0.0

    def as_api(self) -> dict:
        data = asdict(self)
        data.pop("name")
        return {**data, "coverage": self.coverage}


def _child_key(path_column, prefix_length: int):
    """The first path segment below the root: the id of the child unit a unit lies in."""
    rest = func.substr(path_column, prefix_length + 1)
    if db.session.get_bind().dialect.name == "postgresql":
        return func.split_part(rest, "/", 1)
    return func.substr(rest, 1, func.instr(rest, "/") - 1)


def _per_unit(root: Unit, cutoff: datetime):
    """Active officials summed per unit (only the subtree's, unless it is most of the tree)."""
    def count_if(condition):
        return func.count().filter(condition)

    stmt = (select(Official.unit_id.label("unit_id"),
                   func.count().label("roster"),
                   count_if(Official.accounts_active > 0).label("declared"),
                   count_if(Official.verified_newest_at >= cutoff).label("verified"),
                   count_if(Official.verified_oldest_at < cutoff).label("overdue"))
            .where(Official.active == true())
            .group_by(Official.unit_id))
    # most of the tree (a province): summing every official per unit and keeping the
    # subtree's units beats probing a million officials against the subtree
    if not most_of_the_tree(root):
        stmt = stmt.where(Official.unit_id.in_(
            select(Unit.id).where(Unit.path.like(f"{root.path}%"))))
    return stmt.subquery("per_unit")


def coverage(root: Unit, now: datetime | None = None) -> tuple[list[CoverageRow], CoverageRow]:
    """Rows per child unit (name order) and the row of officials attached to `root` itself."""
    cutoff = (now or utcnow()) - RECONFIRM_AFTER
    per_unit = _per_unit(root, cutoff)
    key = _child_key(Unit.path, len(root.path)).label("child")
    stmt = (select(key, func.sum(per_unit.c.roster), func.sum(per_unit.c.declared),
                   func.sum(per_unit.c.verified), func.sum(per_unit.c.overdue))
            .join(Unit, Unit.id == per_unit.c.unit_id)
            .where(Unit.path.like(f"{root.path}%"))
            .group_by(key))
    sums = {child: [int(v or 0) for v in values] for child, *values in db.session.execute(stmt)}
    children = db.session.execute(select(Unit.id, Unit.code, Unit.name)
                                  .where(Unit.parent_id == root.id)).all()
    rows = [CoverageRow(code, name, *sums.get(str(uid), [0, 0, 0, 0]))
            for uid, code, name in children]
    rows.sort(key=lambda row: vn_sort_key(row.name))
    return rows, CoverageRow(root.code, root.name, *sums.get("", [0, 0, 0, 0]))


def total(rows: list[CoverageRow], own: CoverageRow, root: Unit) -> CoverageRow:
    """The whole subtree: the children plus the officials attached to the unit itself."""
    result = CoverageRow(root.code, root.name)
    for row in [*rows, own]:
        for field in ("roster", "declared", "verified", "overdue"):
            setattr(result, field, getattr(result, field) + getattr(row, field))
    return result


def _headers() -> list[str]:
    with force_locale("vi"):  # the files go into the commune's Vietnamese spreadsheets
        return [_("Unit"), _("Unit code"), _("Officials on the roster"),
                _("Declared at least one account"), _("Verified"), _("Re-confirmation overdue"),
                _("Coverage (%)")]


def _table(rows, own, root) -> list[list]:
    lines = [[r.name, r.unit, r.roster, r.declared, r.verified, r.overdue, r.coverage]
             for r in rows]
    if own.roster:
        with force_locale("vi"):
            label = _("%(unit)s (attached directly)", unit=root.name)
        lines.append([label, own.unit, own.roster, own.declared, own.verified, own.overdue,
                      own.coverage])
    whole = total(rows, own, root)
    with force_locale("vi"):
        lines.append([_("Total"), root.code, whole.roster, whole.declared, whole.verified,
                      whole.overdue, whole.coverage])
    return lines


def to_csv(rows, own, root) -> bytes:
    """CSV in UTF-8 with a BOM, so Excel shows the Vietnamese letters."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(_headers())
    writer.writerows(_table(rows, own, root))
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def to_xlsx(rows, own, root) -> bytes:
    """An XLSX workbook with one sheet, bold headers and sensible column widths."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    workbook = Workbook()
    sheet = workbook.active
    with force_locale("vi"):
        sheet.title = _("Coverage")[:31]
    sheet.append(_headers())
    for line in _table(rows, own, root):
        sheet.append(line)
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for column, width in zip("ABCDEFG", (34, 18, 14, 16, 12, 14, 12), strict=True):
        sheet.column_dimensions[column].width = width
    sheet.freeze_panes = "A2"
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def history(root: Unit, weeks: int, now: datetime | None = None) -> list[dict]:
    """Coverage of the subtree at the end of each of the last ``weeks`` weeks, oldest first:
    ``{"week_end", "roster", "declared", "coverage"}``.

    The roster then: today's active officials already added by then. Declared then: those
    with a declaration made by then whose accounts were not all retired by then (an account
    rejected since counts as never declared). One pass over the subtree's officials, whatever
    the number of weeks.
    """
    now = now or utcnow()
    ends = [now - timedelta(weeks=k) for k in range(weeks - 1, -1, -1)]
    declared = (select(AccountDeclarant.official_id,
                       func.min(AccountDeclarant.created_at).label("first"),
                       func.max(Account.retired_at).label("last_retired"),
                       func.count().filter(Account.retired_at.is_(None)).label("open"))
                .join(Account, Account.id == AccountDeclarant.account_id)
                .where(Account.status != AccountStatus.REJECTED)
                .group_by(AccountDeclarant.official_id).subquery("declared"))
    columns = []
    for end in ends:
        columns.append(func.count().filter(Official.created_at <= end))
        columns.append(func.count().filter(
            declared.c.first <= end, (declared.c.open > 0) | (declared.c.last_retired > end)))
    stmt = (select(*columns).select_from(Official)
            .outerjoin(declared, declared.c.official_id == Official.id)
            .join(Unit, Unit.id == Official.unit_id)
            .where(Official.active == true(), Unit.path.like(f"{root.path}%")))
    counts = db.session.execute(stmt).one()
    result = []
    for number, end in enumerate(ends):
        roster, covered = counts[2 * number], counts[2 * number + 1]
        result.append({"week_end": (end + VN_OFFSET).date().isoformat(), "roster": roster,
                       "declared": covered,
                       "coverage": round(100 * covered / roster, 1) if roster else 0.0})
    return result
