"""The public /verify page: anyone checks whether a link is a verified public account."""

from __future__ import annotations

from flask import current_app, render_template, request

from core.extensions import limiter
from registry import lookup
from registry.views import bp


def _limit() -> str:
    return current_app.config["REGISTRY_VERIFY_LIMIT"]


def _is_lookup() -> bool:
    return not request.args.get("url")


@bp.route("/verify")
@limiter.limit(_limit, exempt_when=_is_lookup)
def verify():
    """Paste a link; only verified public accounts (pages, official accounts, public groups)
    are confirmed, with their unit. Personal accounts and phone numbers are never revealed."""
    url = (request.args.get("url") or "").strip()
    if not url:
        return render_template("registry/verify.html", url="", result=None, error=None)
    try:
        account = lookup.verified_public(url)
    except lookup.IdentifierError as error:
        return render_template("registry/verify.html", url=url, result=None,
                               error=error.message), 422
    card = lookup.public_card(account) if account else None
    return render_template("registry/verify.html", url=url, result={"verified": bool(account),
                                                                    "account": card}, error=None)
