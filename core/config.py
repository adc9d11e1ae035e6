"""Configuration read from the environment, with safe development defaults."""

import os
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
INSTANCE = Path(os.environ.get("CAIDEP_INSTANCE_DIR", ROOT / "instance"))

DEV_SECRET = "dev-only-secret-change-me"  # noqa: S105 - refused outside debug/testing


def _bool(name: str, default: bool = False) -> bool:
    """Read a yes/no variable the way people write it."""
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def _list(name: str, default: str) -> list[str]:
    """Read a comma-separated variable into a list of non-empty items."""
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


class Config:
    """Settings for every environment; each can be overridden by a variable of the same name."""

    SECRET_KEY = os.environ.get("SECRET_KEY", DEV_SECRET)
    SQLALCHEMY_DATABASE_URI = os.environ.get(
        "DATABASE_URL", f"sqlite:///{INSTANCE / 'caidep.sqlite3'}"
    )
    SQLALCHEMY_ENGINE_OPTIONS = {"pool_pre_ping": True}
    # The site's public address (https://caidep.example.vn): links written outside a request,
    # by a background job, start with it. Pages use the address they were asked at.
    PUBLIC_URL = os.environ.get("PUBLIC_URL", "").rstrip("/")
    DEBUG = _bool("FLASK_DEBUG")

    # Uploads: four 5 MB images plus the text fit under this.
    MAX_CONTENT_LENGTH = int(os.environ.get("MAX_CONTENT_LENGTH", 24 * 1024 * 1024))
    INSTANCE_DIR = str(INSTANCE)

    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    SESSION_COOKIE_SECURE = _bool("SESSION_COOKIE_SECURE", default=not DEBUG)
    REMEMBER_COOKIE_HTTPONLY = True
    REMEMBER_COOKIE_SAMESITE = "Lax"
    REMEMBER_COOKIE_SECURE = SESSION_COOKIE_SECURE
    WTF_CSRF_TIME_LIMIT = 8 * 3600

    BABEL_DEFAULT_LOCALE = "vi"
    BABEL_DEFAULT_TIMEZONE = "Asia/Ho_Chi_Minh"
    LANGUAGES = ["vi", "en"]
    BABEL_TRANSLATION_DIRECTORIES = ";".join(
        str(ROOT / pkg / "translations")
        for pkg in ("core", "registry", "moderation", "feed", "jobs", "zalo")
    )

    # Login throttling; use redis://… when several gunicorn workers share the limits.
    RATELIMIT_STORAGE_URI = os.environ.get("RATELIMIT_STORAGE_URI", "memory://")
    RATELIMIT_HEADERS_ENABLED = True
    LOGIN_ATTEMPTS_LIMIT = os.environ.get("LOGIN_ATTEMPTS_LIMIT", "5 per minute")

    API_TITLE = "Cái Đẹp API"
    API_VERSION = "v1"
    OPENAPI_VERSION = "3.1.0"
    OPENAPI_URL_PREFIX = "/api/v1"
    OPENAPI_JSON_PATH = "openapi.json"

    API_TOKEN_DAYS = int(os.environ.get("API_TOKEN_DAYS", 365))

    CAIDEP_MODELS_DIR = os.environ.get("CAIDEP_MODELS_DIR", str(INSTANCE / "models"))
    CAIDEP_DATA_DIR = os.environ.get("CAIDEP_DATA_DIR", str(ROOT.parent / "shared" / "data"))
    CAIDEP_UPLOADS_DIR = os.environ.get("CAIDEP_UPLOADS_DIR", str(INSTANCE / "uploads"))
    OFFICIAL_SOURCES = _list(
        "OFFICIAL_SOURCES",
        "gov.vn,dangcongsan.vn,nhandan.vn,vov.vn,vtv.vn,baochinhphu.vn,qdnd.vn,sonla.gov.vn",
    )
    UNRELIABLE_SOURCES = _list("UNRELIABLE_SOURCES", "")
    DEMO_PASSWORD = os.environ.get("CAIDEP_DEMO_PASSWORD", "caidep-demo-2026")


class TestConfig(Config):
    """Settings for the test suite: fast hashing, no cookie security over plain HTTP."""

    TESTING = True
    SECRET_KEY = "test-secret"  # noqa: S105
    SESSION_COOKIE_SECURE = False
    REMEMBER_COOKIE_SECURE = False
    RATELIMIT_STORAGE_URI = "memory://"
    JOBS_WORKER = "inline"  # a job runs at once, in the request that queues it
    PASSWORD_HASH_METHOD = "scrypt:4096:8:1"
