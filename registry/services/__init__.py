"""The registry's logic. Services add and flush; views and commands commit."""

from registry.services.accounts import (
    DeclarationConflict,
    accounts_query,
    audit_personal_views,
    decide,
    declare,
    edit,
    find_account,
    reconfirm_due,
    record,
    retire,
    snapshot,
)
from registry.services.officials import (
    create_official,
    link_user,
    officials_query,
    own_official,
    update_official,
)

__all__ = [
    "DeclarationConflict", "accounts_query", "audit_personal_views", "create_official", "decide",
    "declare", "edit", "find_account", "link_user", "officials_query", "own_official",
    "reconfirm_due", "record", "retire", "snapshot", "update_official",
]
