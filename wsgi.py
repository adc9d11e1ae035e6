"""Entry point for gunicorn and `flask --app wsgi`."""

import sys

from core import ConfigurationError, create_app

try:
    app = create_app()
except ConfigurationError as error:  # one line saying what to set, not a traceback
    print(error, file=sys.stderr)
    # 4 is gunicorn's "App failed to load": its master stops instead of restarting workers.
    raise SystemExit(4) from None
