"""Per-official coverage stats, recomputed from the declarations after every change.

Coverage of a province reads only officials (see registry.coverage); these three columns are what
it needs, and this module is the one place that writes them, in the caller's transaction. The
update is set-based (one aggregate per chunk of officials, UPDATE … FROM), so its cost does not
depend on the planner guessing well for a correlated sub-select on a table it has no statistics
for (an import into freshly emptied tables).
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import func, select, update

from core.extensions import db
from registry.models import ACTIVE_STATUSES, Account, AccountDeclarant, AccountStatus, Official

CHUNK = 500


def _sums(official_ids: list[int] | None):
    """Each official's stats, computed from the accounts they declared."""
    verified = Account.status == AccountStatus.VERIFIED
    active = Account.status.in_([str(s) for s in ACTIVE_STATUSES])
    stmt = (select(AccountDeclarant.official_id.label("official_id"),
                   func.count().filter(active).label("active"),
                   func.max(Account.confirmed_at).filter(verified).label("newest"),
                   func.min(Account.confirmed_at).filter(verified).label("oldest"))
            .join(Account, Account.id == AccountDeclarant.account_id)
            .group_by(AccountDeclarant.official_id))
    if official_ids is not None:
        stmt = stmt.where(AccountDeclarant.official_id.in_(official_ids))
    return stmt.subquery("sums")


def _apply(official_ids: list[int] | None) -> None:
    reset = update(Official).values(accounts_active=0, verified_newest_at=None,
                                    verified_oldest_at=None)
    if official_ids is not None:
        reset = reset.where(Official.id.in_(official_ids))
    sums = _sums(official_ids)
    options = {"synchronize_session": False}
    db.session.execute(reset, execution_options=options)
    db.session.execute(update(Official).where(Official.id == sums.c.official_id).values(
        accounts_active=sums.c.active, verified_newest_at=sums.c.newest,
        verified_oldest_at=sums.c.oldest), execution_options=options)


def refresh(official_ids: Iterable[int]) -> None:
    """Recompute the stats of these officials (flushes first; chunked for long imports)."""
    ids = sorted({i for i in official_ids if i is not None})
    if not ids:
        return
    db.session.flush()
    for start in range(0, len(ids), CHUNK):
        _apply(ids[start:start + CHUNK])
    wanted = set(ids)
    for obj in list(db.session.identity_map.values()):
        if isinstance(obj, Official) and obj.id in wanted:
            db.session.expire(obj, ["accounts_active", "verified_newest_at", "verified_oldest_at"])


def refresh_all() -> None:
    """Recompute every official (after a bulk load)."""
    db.session.flush()
    _apply(None)
