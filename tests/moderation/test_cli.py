"""flask moderation import / rescore, and the learning loop through flask classifiers train."""

from __future__ import annotations

import json
import shutil

import pytest
from sqlalchemy import func, select

from core.extensions import db
from core.models import AuditEntry
from core.services import get_user
from moderation.models import Cluster, Post
from moderation.services.learning import review_examples
from tests.moderation.conftest import DATA, HARMFUL, NEUTRAL, POSITIVE, UNVERIFIED


def _posts() -> int:
    return db.session.scalar(select(func.count()).select_from(Post))


def test_import_csv(runner, demo, tmp_path):
    path = tmp_path / "posts.csv"
    path.write_text("text,url,platform,unit,author,seen_at\n"
                    f'"{HARMFUL}",,zalo,ban-mat,,2026-11-20T08:00:00+07:00\n'
                    f'"Chia sẻ gấp!!! {HARMFUL}",https://vov.vn/x,zalo,ban-sam-quang,,\n'
                    f'"{UNVERIFIED}",,,,,\n'
                    f'"{NEUTRAL}",,facebook,,Ai đó,\n', encoding="utf-8-sig")
    before = _posts()
    result = runner.invoke(args=["moderation", "import", str(path), "--user", "kiemduyet.xa"])
    assert result.exit_code == 0, result.output
    assert "Đã nhập 4 bài" in result.output and "Nhập bài" in result.output
    assert _posts() == before + 4
    imported = db.session.scalars(select(Post).order_by(Post.id.desc()).limit(4)).all()
    assert {p.channel for p in imported} == {"import"}
    by_text = {p.text: p for p in imported}
    original, copy = by_text[HARMFUL], by_text[f"Chia sẻ gấp!!! {HARMFUL}"]
    assert copy.cluster_id == original.cluster_id  # the copy joined the original
    own = get_user("kiemduyet.xa").unit.code  # rows without a unit are the importer's
    assert [by_text[t].unit.code for t in (HARMFUL, copy.text, UNVERIFIED, NEUTRAL)] == [
        "ban-mat", "ban-sam-quang", own, own]
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "posts_imported"))
    assert entry.details["count"] == 4 and entry.details["file"] == "posts.csv"


def test_import_jsonl(runner, demo, tmp_path):
    path = tmp_path / "posts.jsonl"
    rows = [{"text": POSITIVE, "platform": "zalo"}, {"text": HARMFUL, "unit": "ban-mat"}]
    path.write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in rows) + "\n\n")
    before = _posts()
    result = runner.invoke(args=["moderation", "import", str(path), "--user", "kiemduyet.xa"])
    assert result.exit_code == 0, result.output
    assert _posts() == before + 2


def test_import_reports_every_bad_row_and_writes_nothing(runner, demo, tmp_path):
    path = tmp_path / "posts.csv"
    path.write_text("text,url,platform,unit\n"
                    f'"{HARMFUL}",,zalo,ban-mat\n'
                    ',,zalo,ban-mat\n'
                    f'"{"x" * 10001}",,,\n'
                    '"ok",không-phải-link,,\n'
                    '"ok",,myspace,nam-lanh\n', encoding="utf-8")
    before = (_posts(), db.session.scalar(select(func.count()).select_from(Cluster)))
    result = runner.invoke(args=["moderation", "import", str(path), "--user", "kiemduyet.xa"])
    assert result.exit_code == 1
    out = result.output
    assert "không ghi bài nào" in out
    assert "Dòng 3: text" in out and "Dòng 4: text: Tối đa 10000 ký tự." in out
    assert "Dòng 5: url" in out and "Dòng 6: platform" in out and "Dòng 6: unit" not in out
    assert (_posts(), db.session.scalar(select(func.count()).select_from(Cluster))) == before


def test_import_refuses_unknown_unit_and_bad_files(runner, demo, tmp_path):
    path = tmp_path / "posts.jsonl"
    path.write_text('{"text": "ok", "unit": "nam-lanh"}\n{"text": "ok"\n')
    result = runner.invoke(args=["moderation", "import", str(path), "--user", "kiemduyet.xa"])
    assert result.exit_code == 1 and "Dòng 2: không phải JSON hợp lệ" in result.output
    path.write_text('{"text": "ok", "unit": "nam-lanh"}\n')
    result = runner.invoke(args=["moderation", "import", str(path), "--user", "kiemduyet.xa"])
    assert result.exit_code == 1 and "Dòng 1: unit" in result.output
    other = tmp_path / "posts.txt"
    other.write_text("x")
    result = runner.invoke(args=["moderation", "import", str(other), "--user", "kiemduyet.xa"])
    assert result.exit_code == 1 and ".csv hoặc .jsonl" in result.output
    result = runner.invoke(args=["moderation", "import", str(path), "--user", "ai-do"])
    assert result.exit_code == 1 and "Không có người dùng" in result.output


def test_import_is_all_or_nothing_when_intake_fails_midway(runner, demo, tmp_path, monkeypatch):
    """The rows written in bulk before a copy is refused are rolled back with it."""
    from core.services import ServiceError
    from moderation.services import bulk

    def refuse(batch, *args):  # the one copy: the rows before it were written in bulk already
        assert db.session.scalar(select(func.count()).select_from(Cluster)) == before[1] + 3
        raise bulk.RowRefused(batch[0].number, ServiceError("Lỗi giả lập khi ghi.", "text"))

    monkeypatch.setattr(bulk, "_join_copies", refuse)
    path = tmp_path / "posts.csv"
    unique = ["Tổ hòa giải bản Pá Khôm họp bàn việc chia nước ruộng bậc thang vụ mùa năm nay.",
              "Thư viện xã nhận thêm ba trăm cuốn sách thiếu nhi do một nhóm sinh viên gửi tặng."]
    path.write_text("text\n" + "\n".join(f'"{t}"' for t in
                                          (*unique, HARMFUL, f"Chia sẻ gấp!!! {HARMFUL}")))
    before = (_posts(), db.session.scalar(select(func.count()).select_from(Cluster)))
    result = runner.invoke(args=["moderation", "import", str(path), "--user", "kiemduyet.xa"])
    assert result.exit_code == 1 and "Dòng 5: Lỗi giả lập khi ghi." in result.output
    assert "Không bài nào được ghi" in result.output
    assert (_posts(), db.session.scalar(select(func.count()).select_from(Cluster))) == before


def test_rescore_after_a_new_model(app, runner, demo, api_post, no_model, model_store, tmp_path):
    body = api_post("dangvien.banmat", HARMFUL).get_json()
    assert body["route"] == "unscored"
    result = runner.invoke(args=["moderation", "rescore"])
    assert result.exit_code == 1 and "Chưa có mô hình" in result.output
    models = tmp_path / "models-now"
    shutil.copytree(model_store, models)
    app.config["CAIDEP_MODELS_DIR"] = str(models)
    result = runner.invoke(args=["moderation", "rescore"])
    assert result.exit_code == 0, result.output
    assert "Đã chấm lại" in result.output and "Chấm lại" in result.output
    post = db.session.get(Post, body["id"])
    db.session.refresh(post)
    assert post.label == "harmful" and post.model_version and post.status == "pending"
    assert db.session.get(Cluster, post.cluster_id).max_harmful > 0.5
    assert "Không có bài nào" in runner.invoke(args=["moderation", "rescore"]).output


def test_review_examples_follow_the_decisions(client, token_for, api_post):
    headers = token_for("kiemduyet.xa")

    def decide(text, action, reason, **extra):
        post = api_post("dangvien.banmat", text).get_json()
        response = client.post(f"/api/v1/posts/{post['id']}/decision", headers=headers,
                               json={"action": action, "reason": reason, **extra})
        assert response.status_code == 200, response.get_json()
        return response.get_json()

    decide(HARMFUL, "reject", "hate")
    decide(UNVERIFIED, "mark_false", "rumour", link="https://sonla.gov.vn/dinh-chinh")
    decide(POSITIVE, "approve", "story")
    undone = decide("Đồ ngu mất dạy cút khỏi nhóm này đi nhé", "reject", "vulgar")
    client.post(f"/api/v1/decisions/{undone['id']}/undo", headers=headers)
    examples = review_examples()
    assert (HARMFUL, True) in examples["harmful"]
    assert (UNVERIFIED, True) in examples["unverified"]
    assert (POSITIVE, False) in examples["harmful"] and (POSITIVE, True) in examples["positive"]
    assert all(text != "Đồ ngu mất dạy cút khỏi nhóm này đi nhé"
               for head in examples.values() for text, _ in head)


def test_classifiers_train_includes_reviews(app, runner, client, token_for, api_post, tmp_path):
    post = api_post("dangvien.banmat", HARMFUL).get_json()
    client.post(f"/api/v1/posts/{post['id']}/decision", headers=token_for("kiemduyet.xa"),
                json={"action": "reject", "reason": "hate"})
    app.config["CAIDEP_MODELS_DIR"] = str(tmp_path / "trained")
    result = runner.invoke(args=["classifiers", "train", str(DATA / "toy.toml"),
                                 "--include-reviews", "--json"])
    assert result.exit_code == 0, result.output
    version = json.loads(result.output.strip().splitlines()[-1])["version"]
    sidecar = json.loads((tmp_path / "trained" / version / "model.json").read_text())
    assert sidecar["correction"]["harmful"]["n"] >= 1  # the decision reached the correction


def _import(runner, path):
    return runner.invoke(args=["moderation", "import", str(path), "--user", "kiemduyet.xa"])


@pytest.mark.parametrize("encoding", ["cp1258", "latin-1"])
def test_import_of_a_file_not_in_utf8_says_how_to_save_it(runner, demo, tmp_path, encoding):
    path = tmp_path / "posts.csv"
    path.write_bytes("text\nĐoàn thanh niên, bà con\n".encode(encoding) if encoding == "cp1258"
                     else "text\ncafé\n".encode(encoding))
    before = _posts()
    result = _import(runner, path)
    assert result.exit_code == 1 and "Traceback" not in result.output
    assert "không dùng mã UTF-8" in result.output and "CSV UTF-8" in result.output
    assert _posts() == before


def test_a_bad_byte_deep_in_a_long_file_is_found_on_its_line(runner, demo, tmp_path, monkeypatch):
    from core import textfiles

    monkeypatch.setattr(textfiles, "SLICE", 64)  # the encoding is checked a slice at a time
    lines = [f"Bà con bản Mạt góp công làm đường, tin số {n}".encode() for n in range(40)]
    lines[30] = lines[30].replace("ạ".encode(), "ạ".encode()[:2])  # a character cut short
    path = tmp_path / "posts.csv"
    path.write_bytes(b"text\n" + b"\n".join(lines) + b"\n")
    before = _posts()
    result = _import(runner, path)
    assert result.exit_code == 1 and "Traceback" not in result.output
    assert "dòng 32" in result.output and _posts() == before


def test_a_file_read_in_slices_keeps_every_character(runner, demo, tmp_path, monkeypatch):
    from core import textfiles

    monkeypatch.setattr(textfiles, "SLICE", 7)  # every multi-byte character straddles one
    path = tmp_path / "posts.jsonl"
    texts = [f"Hội phụ nữ xã trao bò giống cho hộ nghèo, đợt {n}\u2028Tin của chi hội"
             for n in range(3)]
    path.write_text("".join(json.dumps({"text": t}, ensure_ascii=False) + "\n" for t in texts),
                    encoding="utf-8")
    before = _posts()
    result = _import(runner, path)
    assert result.exit_code == 0, result.output
    assert "Đã nhập 3 bài" in result.output and _posts() == before + 3
    stored = db.session.scalars(select(Post.text).order_by(Post.id.desc()).limit(3)).all()
    assert sorted(stored) == sorted(texts)  # U+2028 inside a JSON string is not a line break


def test_import_reads_excel_unicode_text_and_semicolons(runner, demo, tmp_path):
    utf16 = tmp_path / "unicode.csv"
    utf16.write_bytes(f"text\tplatform\n{HARMFUL}\tzalo\n".encode("utf-16"))
    semicolons = tmp_path / "semicolons.csv"
    semicolons.write_text(f"text;platform\n\"{UNVERIFIED}\";facebook\n", encoding="utf-8")
    before = _posts()
    for path in (utf16, semicolons):
        result = _import(runner, path)
        assert result.exit_code == 0, result.output
    platforms = db.session.scalars(select(Post.platform).order_by(Post.id.desc()).limit(2)).all()
    assert _posts() == before + 2 and platforms == ["facebook", "zalo"]


@pytest.mark.parametrize(("content", "message"), [
    ("text,plaform\nok,zalo\n", "cột không nhận: plaform"),
    ("text,text\nok,ok\n", "cột lặp lại: text"),
    ('text,url\n"ok,\nsecond,row\n', "dấu ngoặc kép"),
])
def test_import_refuses_a_header_or_quoting_it_cannot_trust(runner, demo, tmp_path, content,
                                                             message):
    path = tmp_path / "posts.csv"
    path.write_text(content, encoding="utf-8")
    before = _posts()
    result = _import(runner, path)
    assert result.exit_code == 1 and message in result.output, result.output
    assert _posts() == before


def test_import_reports_cells_outside_the_header_and_every_bad_jsonl_line(runner, demo,
                                                                          tmp_path):
    path = tmp_path / "posts.csv"
    path.write_text(f"text,platform\n\"{HARMFUL}\",zalo,thừa\nok,zalo\n", encoding="utf-8")
    result = _import(runner, path)
    assert result.exit_code == 1 and "Dòng 2: có dữ liệu ở ô 3" in result.output
    lines = tmp_path / "posts.jsonl"
    lines.write_text('{"text": "ok"}\n{"text": "ok"\n{"text": "ok", "plaform": "zalo"}\n'
                     '{"text": ""}\n', encoding="utf-8")
    before = _posts()
    result = _import(runner, lines)
    assert result.exit_code == 1
    out = result.output
    assert "Tệp có 3 lỗi" in out and "Dòng 2: không phải JSON hợp lệ" in out
    assert "Dòng 3: trường không nhận: plaform" in out and "Dòng 4: text" in out
    assert _posts() == before
