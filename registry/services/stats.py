"""Per-official coverage stats, recomputed from the declarations after every change.

Coverage of a province reads only officials (see registry.coverage); these three columns are what
it needs, and this module is the one place that writes them, in the caller's transaction.
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import func, select, update

from core.extensions import db
from registry.models import ACTIVE_STATUSES, Account, AccountDeclarant, AccountStatus, Official

CHUNK = 500


def _declared(column, condition):
    """One value over the declarations of the official being updated (a correlated sub-select)."""
    return (select(column).select_from(AccountDeclarant)
            .join(Account, Account.id == AccountDeclarant.account_id)
            .where(AccountDeclarant.official_id == Official.id, condition)
            .scalar_subquery())


def stats_values() -> dict:
    """Each official's stats computed from the accounts they declared."""
    verified = Account.status == AccountStatus.VERIFIED
    active = Account.status.in_([str(s) for s in ACTIVE_STATUSES])
    return {
        "accounts_active": _declared(func.count(), active),
        "verified_newest_at": _declared(func.max(Account.confirmed_at), verified),
        "verified_oldest_at": _declared(func.min(Account.confirmed_at), verified),
    }


def refresh(official_ids: Iterable[int]) -> None:
    """Recompute the stats of these officials (flushes first; chunked for long imports)."""
    ids = sorted({i for i in official_ids if i is not None})
    if not ids:
        return
    db.session.flush()
    values = stats_values()
    for start in range(0, len(ids), CHUNK):
        chunk = ids[start:start + CHUNK]
        db.session.execute(update(Official).where(Official.id.in_(chunk)).values(**values),
                           execution_options={"synchronize_session": False})
    wanted = set(ids)
    for obj in list(db.session.identity_map.values()):
        if isinstance(obj, Official) and obj.id in wanted:
            db.session.expire(obj, ["accounts_active", "verified_newest_at", "verified_oldest_at"])


def refresh_all() -> None:
    """Recompute every official (after a bulk load; also what the migration backfills)."""
    db.session.flush()
    db.session.execute(update(Official).values(**stats_values()),
                       execution_options={"synchronize_session": False})
