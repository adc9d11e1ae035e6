"""Cái Đẹp: the application factory."""

from __future__ import annotations

import os

from flask import Flask
from werkzeug.routing import IntegerConverter

from core import cli, errors, i18n, navigation, search, security
from core.config import DEV_SECRET, ROOT, Config
from core.extensions import api as rest_api
from core.extensions import babel, csrf, db, limiter, login_manager, migrate


class RecordNumber(IntegerConverter):
    """``<int:…>`` in every route: at most the largest INTEGER id, so a longer number is a plain
    404 instead of an overflow in the database driver."""

    def __init__(self, map, *args, **kwargs):
        from core.schemas import MAX_ID

        kwargs.setdefault("max", MAX_ID)
        super().__init__(map, *args, **kwargs)


def create_app(config: dict | type | None = None) -> Flask:
    """Build the app: config, extensions, blueprints, commands — in that order."""
    app = Flask(__name__, template_folder=str(ROOT / "templates"),
                static_folder=str(ROOT / "static"), instance_path=Config.INSTANCE_DIR)
    app.config.from_object(Config)
    if isinstance(config, dict):
        app.config.from_mapping(config)
    elif config is not None:
        app.config.from_object(config)
    _check_secret(app)
    os.makedirs(app.instance_path, exist_ok=True)
    app.url_map.converters["int"] = RecordNumber  # before any route is added

    db.init_app(app)
    migrate.init_app(app, db, directory=str(ROOT / "migrations"),
                     include_object=search.include_object)
    login_manager.init_app(app)
    csrf.init_app(app)
    babel.init_app(app, locale_selector=i18n.select_locale, timezone_selector=i18n.select_timezone)
    limiter.init_app(app)
    rest_api.init_app(app, spec_kwargs=_openapi_spec())
    errors.init_app(app)
    security.init_app(app)
    i18n.init_app(app)
    navigation.init_app(app)
    cli.vietnamese_click()  # before the commands are defined: some of their words are Click's

    import classifiers.cli
    import core.api
    import core.views
    import feed
    import feed.api
    import feed.views
    import jobs
    import jobs.api
    import moderation
    import moderation.api
    import moderation.cli
    import moderation.tasks  # noqa: F401 - job kinds register themselves on import
    import moderation.views
    import registry
    import registry.api
    import registry.cli
    import registry.tasks  # noqa: F401
    import registry.views
    import zalo
    import zalo.api

    app.register_blueprint(core.views.bp)
    _register_api(core.api.blp)
    cli.init_app(app)
    app.register_blueprint(registry.views.bp)
    _register_api(registry.api.blp)
    app.cli.add_command(registry.cli.cli)
    registry.init_app(app)
    app.register_blueprint(moderation.views.bp)
    _register_api(moderation.api.blp)
    app.cli.add_command(moderation.cli.cli)
    app.cli.add_command(classifiers.cli.cli)
    moderation.init_app(app)
    app.register_blueprint(feed.views.bp)
    _register_api(feed.api.blp)
    feed.init_app(app)
    jobs.init_app(app)
    _register_api(jobs.api.blp)
    zalo.init_app(app)
    _register_api(zalo.api.blp)
    return app


def _register_api(blueprint) -> None:
    """API blueprints authenticate by bearer token, so they skip the session CSRF check."""
    csrf.exempt(blueprint)
    rest_api.register_blueprint(blueprint)


class ConfigurationError(RuntimeError):
    """The app cannot start as configured; the message tells the operator what to set."""


def _check_secret(app: Flask) -> None:
    """Refuse to run in production with the development secret key."""
    relaxed = app.debug or app.testing or os.environ.get("CAIDEP_ALLOW_DEV_SECRET") == "1"
    if app.config["SECRET_KEY"] == DEV_SECRET and not relaxed:
        raise ConfigurationError(
            "SECRET_KEY chưa được đặt: đặt biến môi trường SECRET_KEY, một chuỗi ngẫu nhiên "
            "giữ bí mật, ví dụ SECRET_KEY=$(python3 -c 'import secrets; "
            "print(secrets.token_hex(32))'). Chỉ để chạy thử trên máy mình: "
            "CAIDEP_ALLOW_DEV_SECRET=1. (SECRET_KEY is not set.)")


def _openapi_spec() -> dict:
    """Document bearer-token auth once for every route."""
    return {
        "components": {
            "securitySchemes": {"bearerAuth": {"type": "http", "scheme": "bearer"}},
        },
        "security": [{"bearerAuth": []}],
        "info": {"description": "Cái Đẹp: registry, moderation and curated feed for communes."},
    }
