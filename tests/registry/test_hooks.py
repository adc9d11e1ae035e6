"""`flask users create --official ID` links a login to the roster; the demo seeder is idempotent."""

from __future__ import annotations

from sqlalchemy import func, select

from core import demo as demo_module
from core.extensions import db
from registry.models import Account, Official


def _create(runner, *extra):
    return runner.invoke(args=["users", "create", "--username", "moi.banmat", "--password",
                               "mat-khau-dai", "--unit", "ban-mat", *extra])


def test_users_create_official_links_the_login_to_the_roster(runner, demo):
    elder = db.session.scalar(select(Official).where(
        Official.unit_id == demo["units"]["ban-mat"].id, Official.user_id.is_(None)))
    result = _create(runner, "--role", "member", "--official", str(elder.id))
    assert result.exit_code == 0, result.output
    db.session.expire_all()
    assert db.session.get(Official, elder.id).user.username == "moi.banmat"


def test_a_member_without_a_record_gets_one(runner, demo):
    result = _create(runner, "--role", "member", "--full-name", "Lò Thị Mới")
    assert result.exit_code == 0, result.output
    official = db.session.scalar(select(Official).join(Official.user).where(
        Official.full_name == "Lò Thị Mới"))
    assert official is not None and official.unit.code == "ban-mat"


def test_linking_refuses_unknown_taken_or_foreign_records_and_writes_nothing(runner, demo):
    taken = db.session.scalar(select(Official).where(Official.user_id.is_not(None)))
    foreign = db.session.scalar(select(Official).where(
        Official.unit_id == demo["units"]["ban-na-hin"].id))
    for official_id, words in ((999999, "Không có hồ sơ cán bộ số 999999"),
                               (taken.id, "đã gắn với một tài khoản đăng nhập khác"),
                               (foreign.id, "nằm ngoài đơn vị")):
        result = _create(runner, "--role", "member", "--official", str(official_id))
        assert result.exit_code != 0 and words in result.output, result.output
    assert "moi.banmat" not in str(db.session.scalars(select(Official.user_id)).all())
    from core.services import get_user

    assert get_user("moi.banmat") is None


def test_the_demo_seeder_is_idempotent(demo):
    counts = (db.session.scalar(select(func.count()).select_from(Official)),
              db.session.scalar(select(func.count()).select_from(Account)))
    demo_module.seed()
    db.session.commit()
    assert counts == (db.session.scalar(select(func.count()).select_from(Official)),
                      db.session.scalar(select(func.count()).select_from(Account)))
    assert counts[0] >= 17 * 3 and counts[1] >= 10
