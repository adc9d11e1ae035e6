"""Registry pages (endpoints registry.*): one module per group of pages, one blueprint."""

from flask import Blueprint

bp = Blueprint("registry", __name__)

from registry.views import (  # noqa: E402,F401 - the routes register themselves on bp
    coverage,
    declarations,
    importing,
    public,
    roster,
)
