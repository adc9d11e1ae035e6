"""Error answers: JSON in SPEC §6's shape under /api, friendly pages elsewhere, never a trace."""

from __future__ import annotations

from flask import current_app, jsonify, render_template
from flask_babel import gettext as _
from flask_wtf.csrf import CSRFError
from marshmallow import ValidationError
from werkzeug.exceptions import HTTPException, InternalServerError

from core.extensions import wants_json

CODES = {
    400: "bad_request", 401: "unauthorized", 403: "forbidden", 404: "not_found",
    405: "method_not_allowed", 409: "conflict", 410: "gone", 413: "payload_too_large",
    415: "unsupported_media_type", 422: "validation_error", 429: "too_many_requests",
    500: "internal_error",
}


def default_message(status: int) -> str:
    """A plain Vietnamese-first sentence for each status."""
    messages = {
        400: _("The request is malformed."),
        401: _("You need to log in (or send a valid API token)."),
        403: _("You do not have permission to do this."),
        404: _("Not found, or you do not have access to it."),
        405: _("This method is not allowed here."),
        409: _("This conflicts with existing data."),
        410: _("This content has been withdrawn."),
        413: _("The upload is too large."),
        415: _("Unsupported content type."),
        422: _("Some fields are not valid."),
        429: _("Too many attempts. Please wait a minute and try again."),
        500: _("Something went wrong on our side. Nothing was saved; please try again."),
    }
    return messages.get(status, _("Error"))


class ApiError(HTTPException):
    """An error with a stable machine code, a message and optional per-field messages."""

    def __init__(self, status: int, code: str | None = None, message: str | None = None,
                 fields: dict | None = None):
        super().__init__(description=message)
        self.code = status
        self.error_code = code or CODES.get(status, "error")
        self.message = message
        self.fields = fields or {}


def plain(messages):
    """Lazy translated strings inside nested error messages, made plain for JSON and templates."""
    if isinstance(messages, dict):
        return {str(key): plain(value) for key, value in messages.items()}
    if isinstance(messages, list | tuple):
        return [plain(value) for value in messages]
    return str(messages)


def field_messages(messages):
    """Each field's messages as a list of strings (nested fields as objects of the same).
    marshmallow wraps only plain ``str`` messages in a list, not lazily translated ones, so
    a client looping over a field's messages would otherwise sometimes get letters."""
    if isinstance(messages, dict):
        return {str(key): field_messages(value) for key, value in messages.items()}
    if isinstance(messages, list | tuple):
        return [str(value) for value in messages]
    return [str(messages)]


def error_payload(status: int, code: str, message: str, fields: dict | None = None) -> dict:
    """The error body every API answer uses."""
    return {"error": {"code": code, "message": str(message), "fields": field_messages(fields or {})}}


def _fields_from(error: HTTPException) -> dict:
    data = getattr(error, "data", None) or {}
    messages = data.get("errors") or data.get("messages") or {}
    # webargs nests by location ("json", "query"); the client cares about the field names.
    if isinstance(messages, dict) and set(messages) <= {"json", "query", "form", "files", "view_args"}:
        merged = {}
        for value in messages.values():
            merged.update(value if isinstance(value, dict) else {"_schema": value})
        return merged
    return messages if isinstance(messages, dict) else {"_schema": messages}


def _describe(error: HTTPException) -> tuple[int, str, str, dict]:
    status = error.code or 500
    if isinstance(error, ApiError):
        return status, error.error_code, error.message or default_message(status), error.fields
    fields = _fields_from(error)
    message = default_message(status)
    if status == 400 and "Invalid JSON body." in str(fields):
        return 400, "malformed_json", _("The request body is not valid JSON."), {}
    if isinstance(error, CSRFError):
        message = _("Your session expired or the form was tampered with. Reload the page and try again.")
    return status, CODES.get(status, "error"), message, fields


def handle_http_exception(error: HTTPException):
    """Answer any HTTP error as JSON for the API, as a page for people."""
    if isinstance(error, InternalServerError):
        original = getattr(error, "original_exception", None)
        if original is not None:
            current_app.logger.exception("Unhandled error", exc_info=original)
    status, code, message, fields = _describe(error)
    headers = getattr(error, "data", {}).get("headers", {}) if getattr(error, "data", None) else {}
    if status == 401 and wants_json():
        headers = {**headers, "WWW-Authenticate": 'Bearer realm="caidep"'}
    if wants_json():
        response = jsonify(error_payload(status, code, message, fields))
    else:
        response = current_app.make_response(
            render_template("core/error.html", status=status, message=message)
        )
    response.status_code = status
    response.headers.update(headers)
    return response


def handle_validation_error(error: ValidationError):
    """A schema refused the input outside of flask-smorest: 422 with the field messages."""
    fields = error.messages if isinstance(error.messages, dict) else {"_schema": error.messages}
    return handle_http_exception(ApiError(422, "validation_error", default_message(422), fields))


def handle_unexpected(error: Exception):
    """Anything uncaught: log it, roll back, answer a 500 without details."""
    from core.extensions import db

    db.session.rollback()
    wrapped = InternalServerError()
    wrapped.original_exception = error
    return handle_http_exception(wrapped)


def init_app(app) -> None:
    """Register the handlers (flask-smorest routes HTTPException here through core.extensions.Api)."""
    app.register_error_handler(HTTPException, handle_http_exception)
    app.register_error_handler(ValidationError, handle_validation_error)
    if not app.debug and not app.testing:
        app.register_error_handler(Exception, handle_unexpected)
