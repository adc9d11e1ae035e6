"""Commands: units create, users create / token, seed-demo."""

from __future__ import annotations

import gettext
import importlib
from pathlib import Path

import click
from flask import Flask
from flask.cli import AppGroup

from core import demo, services
from core.extensions import db
from core.models import Role, UnitKind

units_cli = AppGroup("units", help="Quản lý cây đơn vị.")
users_cli = AppGroup("users", help="Quản lý người dùng.")

KIND_ALIASES = {
    "tinh": UnitKind.PROVINCE, "tỉnh": UnitKind.PROVINCE,
    "huyen": UnitKind.DISTRICT, "huyện": UnitKind.DISTRICT,
    "xa": UnitKind.COMMUNE, "xã": UnitKind.COMMUNE,
    "chi-bo": UnitKind.PARTY_CELL, "chi bộ": UnitKind.PARTY_CELL,
    "ban": UnitKind.VILLAGE, "bản": UnitKind.VILLAGE, "thon": UnitKind.VILLAGE,
    "co-quan": UnitKind.AGENCY, "cơ quan": UnitKind.AGENCY,
}


def _kind(value: str) -> str:
    kind = KIND_ALIASES.get(value.strip().lower(), value.strip().lower())
    if kind not in set(UnitKind):
        choices = ", ".join(list(UnitKind))
        raise click.BadParameter(f"Loại đơn vị không hợp lệ: {value}. Chọn một trong: {choices}.")
    return kind


def _unit_or_fail(code: str):
    unit = services.get_unit(code)
    if unit is None:
        raise click.ClickException(f"Không có đơn vị mã '{code}'. Xem các mã bằng 'flask units list'.")
    return unit


def _commit_or_fail(action):
    """Run `action` in one transaction; domain errors become clear messages, nothing half-written."""
    try:
        result = action()
        db.session.commit()
        return result
    except services.ServiceError as error:
        db.session.rollback()
        raise click.ClickException(error.message) from None


@units_cli.command("create")
@click.option("--code", required=True, help="Mã ngắn, duy nhất (vd. muong-leo).")
@click.option("--name", required=True, help="Tên đơn vị.")
@click.option("--kind", required=True, help="province|district|commune|party_cell|village|agency")
@click.option("--parent", default=None, help="Mã đơn vị cấp trên.")
def create_unit(code, name, kind, parent):
    """Tạo một đơn vị."""
    kind = _kind(kind)
    parent_unit = _unit_or_fail(parent) if parent else None
    unit = _commit_or_fail(lambda: services.create_unit(code, name, kind, parent_unit))
    click.echo(f"Đã tạo đơn vị {unit.code} ({unit.name}).")


@units_cli.command("list")
def list_units():
    """Liệt kê cây đơn vị."""
    from sqlalchemy import select

    from core.models import Unit

    for unit in db.session.scalars(select(Unit).order_by(Unit.path)):
        click.echo(f"{'  ' * unit.depth}{unit.code}\t{unit.name}\t{unit.kind}")


@users_cli.command("create")
@click.option("--username", required=True)
@click.option("--password", required=True, prompt=True, hide_input=True)
@click.option("--unit", "unit_code", required=True, help="Mã đơn vị của người dùng.")
@click.option("--role", "roles", multiple=True, required=True,
              type=click.Choice([r.value for r in Role]), help="Có thể lặp lại.")
@click.option("--full-name", default="")
@click.option("--official", "official_id", type=int, default=None,
              help="Gắn với hồ sơ cán bộ có sẵn (mã số).")
def create_user(username, password, unit_code, roles, full_name, official_id):
    """Tạo người dùng với một hoặc nhiều vai trò."""
    unit = _unit_or_fail(unit_code)

    def action():
        user = services.create_user(username, password, unit, list(roles), full_name)
        for hook in _user_created_hooks():
            hook(user, official_id)
        return user

    user = _commit_or_fail(action)
    click.echo(f"Đã tạo người dùng {user.username} ({', '.join(sorted(user.roles))}) tại {unit.code}.")


def _user_created_hooks():
    from flask import current_app

    return current_app.extensions.get("caidep.user_created", [])


@users_cli.command("token")
@click.argument("username")
@click.option("--name", default="CLI", help="Tên để nhận ra mã truy cập.")
def user_token(username, name):
    """In ra một mã truy cập API mới cho USERNAME (chỉ hiện một lần)."""
    user = services.get_user(username)
    if user is None:
        raise click.ClickException(f"Không có người dùng '{username}'.")
    _, plain = services.create_token(user, name)
    services.audit("token_created", actor=user, target=user, unit=user.unit, name=name, via="cli")
    db.session.commit()
    click.echo(plain)


@click.command("seed-demo")
def seed_demo():
    """Nạp xã mẫu (chạy lại nhiều lần không tạo trùng) và in thông tin đăng nhập."""
    logins = demo.seed()
    db.session.commit()
    click.echo(demo.format_logins(logins))


# Click asks gettext for its own messages ("Error: Missing argument 'FILE'.", "Usage:",
# --help) in each module that shows one.
_CLICK_MODULES = ("core", "decorators", "exceptions", "formatting", "parser", "termui", "types",
                  "utils")


def vietnamese_click() -> None:
    """Click's own messages in Vietnamese, as the commands' help and errors are: a mistyped
    path or a missing argument is the error an official at the command line meets first.

    Click looks each message up with `gettext` whatever the machine's locale (a server's is
    often C), so its modules are given our catalogue (translations/vi/LC_MESSAGES/click.po);
    a message it lacks stays in English.
    """
    catalogue = gettext.translation("click", Path(__file__).parent / "translations",
                                    languages=["vi"], fallback=True)
    for name in _CLICK_MODULES:
        module = importlib.import_module(f"click.{name}")
        if hasattr(module, "_"):
            module._ = catalogue.gettext
        if hasattr(module, "ngettext"):
            module.ngettext = catalogue.ngettext


def init_app(app: Flask) -> None:
    """Register the core commands."""
    app.cli.add_command(units_cli)
    app.cli.add_command(users_cli)
    app.cli.add_command(seed_demo)
