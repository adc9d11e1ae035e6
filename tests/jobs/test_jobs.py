"""Background jobs as users meet them: an upload becomes a job with a progress bar and a
report, on the embedded queue and on Redis; a killed worker's job ends failed with nothing
written; the same file twice is refused; other people's jobs do not exist for you."""

from __future__ import annotations

import html
import io
import multiprocessing
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

from sqlalchemy import func, select

from core.extensions import db
from core.models import AuditEntry, Unit, utcnow
from jobs import services
from jobs.models import Job
from moderation.models import Post
from tests.conftest import post_form
from tests.jobs.conftest import wait_for

ROOT = Path(__file__).resolve().parents[2]
GOOD = ("text,unit\n"
        "Bà con bản Mạt góp công làm đường bê tông vào bản.,ban-mat\n"
        "Lịch họp chi bộ chuyển sang tối thứ sáu.,ban-mat\n")
BAD = GOOD + ",ban-mat\nMột bài của đơn vị lạ.,khong-co\n"


def _text(response) -> str:
    return html.unescape(response.get_data(as_text=True))


def _upload(client, data: str, name: str = "bai.csv"):
    return post_form(client, "/moderation/import", {"file": (io.BytesIO(data.encode()), name)},
                     content_type="multipart/form-data")


def _posts() -> int:
    return db.session.scalar(select(func.count(Post.id)))


def test_a_post_file_is_imported_by_a_worker_thread_with_its_report(worker_app, client,
                                                                    login_as):
    """The real queue (SQLite file, then Redis) and real worker threads, not the inline mode."""
    login_as("kiemduyet.xa")
    before = _posts()
    response = _upload(client, GOOD)
    assert response.status_code == 303
    job_id = int(response.headers["Location"].rsplit("/", 1)[1])
    job = wait_for(job_id)
    assert (job.state, job.error) == ("done", "")
    assert _posts() == before + 2
    page = _text(client.get(f"/jobs/{job_id}"))
    assert "Xong" in page and "Đã ghi 2 bài." in page and "Số bài đã ghi" in page
    assert 'http-equiv="refresh"' not in page  # a finished job's page stops refreshing
    assert client.get("/healthz").get_json()["queue"]["state"] == "ok"
    actions = set(db.session.scalars(select(AuditEntry.action)))
    assert {"job_queued", "job_done", "posts_imported"} <= actions


def test_a_file_with_bad_rows_fails_listing_each_and_writes_nothing(app, client, login_as):
    login_as("kiemduyet.xa")
    before = _posts()
    response = _upload(client, BAD)
    page = _text(client.get(response.headers["Location"]))
    assert "Thất bại" in page and "2 lỗi: chưa ghi gì." in page
    cells = [re.sub(r"<[^>]+>", " ", row).split() for row in re.findall(r"<tr>(.*?)</tr>", page)]
    assert ["4", "text", "Trường", "này", "là", "bắt", "buộc."] in cells  # row, column, reason
    assert cells[-1][:7] == ["5", "unit", "Đơn", "vị", "không", "tồn", "tại"]
    assert _posts() == before
    wrong = _upload(client, "text\nabc\n", "bai.pdf")
    assert wrong.status_code == 422 and "dùng tệp .csv hoặc .jsonl" in _text(wrong)
    empty = _upload(client, "  \n", "bai.csv")
    assert empty.status_code == 422 and "Tệp trống." in _text(empty)


def test_a_running_job_shows_a_progress_bar_that_refreshes_itself(queued_app, client, login_as):
    """Without JavaScript the page reloads itself; with it jobs.js polls status.json."""
    login_as("kiemduyet.xa")
    job_id = int(_upload(client, GOOD).headers["Location"].rsplit("/", 1)[1])
    page = _text(client.get(f"/jobs/{job_id}"))
    assert "Đang chờ đến lượt" in page and "<progress" in page
    assert '<noscript><meta http-equiv="refresh" content="3"></noscript>' in page
    assert "/static/js/jobs.js" in page and "<script>" not in page  # CSP: no inline script
    status = client.get(f"/jobs/{job_id}/status.json").get_json()
    assert (status["state"], status["done"], status["total"]) == ("queued", 0, None)


def test_the_same_file_twice_while_the_first_waits_is_refused(queued_app, client, login_as):
    login_as("kiemduyet.xa")
    first = _upload(client, GOOD)
    assert first.status_code == 303
    again = _upload(client, GOOD)
    assert again.status_code == 409 and "Tệp này đang được xử lý" in _text(again)
    assert db.session.scalar(select(func.count(Job.id))) == 1
    other = _upload(client, GOOD.replace("thứ sáu", "thứ bảy"))
    assert other.status_code == 303  # another file is another job


def test_a_job_is_seen_by_its_starter_and_unit_admins_only(queued_app, client, login_as,
                                                         token_for):
    login_as("kiemduyet.xa")
    job_url = _upload(client, GOOD).headers["Location"]
    job_id = int(job_url.rsplit("/", 1)[1])
    assert client.get("/jobs").status_code == 200 and job_url in _text(client.get("/jobs"))
    client.post("/logout", data={"csrf_token": ""})
    for outsider in ("kiemduyet.namlanh", "dangvien.banmat"):
        other = queued_app.test_client()
        post_form(other, "/login", {"username": outsider, "password": "caidep-demo-2026"})
        assert other.get(job_url).status_code == 404
        assert other.get(f"{job_url}/status.json").status_code == 404
        assert job_url not in _text(other.get("/jobs"))
        api = other.get(f"/api/v1/jobs/{job_id}", headers=token_for(outsider))
        assert api.status_code == 404 and api.get_json()["error"]["code"] == "not_found"
    admin = queued_app.test_client()
    post_form(admin, "/login", {"username": "quantri.xa", "password": "caidep-demo-2026"})
    assert admin.get(job_url).status_code == 200
    api = admin.get(f"/api/v1/jobs/{job_id}", headers=token_for("quantri.xa"))
    assert api.status_code == 200 and api.get_json()["state"] == "queued"


def test_a_queued_job_can_be_cancelled_and_then_never_runs(queued_app, client, login_as):
    login_as("kiemduyet.xa")
    before = _posts()
    job_url = _upload(client, GOOD).headers["Location"]
    page = post_form(client, f"{job_url}/cancel", {}, page=job_url, follow_redirects=True)
    assert "Đã hủy" in _text(page)
    job_id = int(job_url.rsplit("/", 1)[1])
    services.run(job_id)  # the worker finds it cancelled and leaves it
    assert db.session.get(Job, job_id).state == "cancelled" and _posts() == before


# --- A worker killed half-way --------------------------------------------------------------

@services.handler("test.half_written", "test: writes, then hangs")
def _half_written(job, progress):
    """Writes a unit, tells the test it has, then hangs until killed."""
    progress.total(2)
    db.session.add(Unit(code="viet-do-dang", name="Viết dở dang", kind="village", path="/x/"))
    db.session.flush()
    progress(1)
    Path(job.params["flag"]).write_text("written")
    time.sleep(600)


def _child(app, job_id: int) -> None:
    db.engine.dispose(close=False)  # the parent's connections are not ours
    with app.app_context():
        services.run(job_id)


def test_a_job_whose_worker_is_killed_fails_and_leaves_nothing_written(queued_app, tmp_path):
    flag = tmp_path / "flag"
    job = services.create("test.half_written", None, None, "test",
                          params={"flag": str(flag)})
    db.session.commit()
    job_id = job.id
    db.session.close()
    child = multiprocessing.get_context("fork").Process(target=_child,
                                                       args=(queued_app, job_id))
    child.start()
    deadline = time.monotonic() + 30
    while not flag.exists() and time.monotonic() < deadline:
        time.sleep(0.05)
    assert flag.exists(), "the job never started"
    assert db.session.get(Job, job_id).state == "running"
    os.kill(child.pid, signal.SIGKILL)
    child.join()
    queued_app.config["JOBS_STALE_SECONDS"] = 0  # no heartbeat since the kill
    time.sleep(0.01)
    assert services.reap_stale() == 1
    db.session.expire_all()
    ended = db.session.get(Job, job_id)
    assert ended.state == "failed" and "đã dừng trước khi xong; chưa ghi gì" in ended.error
    assert db.session.scalar(select(Unit).where(Unit.code == "viet-do-dang")) is None


def test_a_live_worker_keeps_its_job_running(queued_app):
    """The reaper leaves a job alone while its heartbeat is fresh."""
    job = services.create("test.half_written", None, None, "test", params={"flag": "/dev/null"})
    job.state = "running"
    db.session.commit()
    from jobs import queue

    queue.put(f"beat:{job.id}", time.time())
    assert services.reap_stale() == 0 and db.session.get(Job, job.id).state == "running"


@services.handler("test.checks_first", "test: does what is left", again=True)
def _checks_first(job, progress):
    return services.report({"done": 1})


def test_a_job_safe_to_repeat_is_queued_again_when_its_worker_died(queued_app):
    """Only kinds that check what is left to do (a Zalo event) come back; others just fail."""
    dead = [services.create(kind, None, None, kind, params={"n": 7})
            for kind in ("test.checks_first", "test.half_written")]
    for job in dead:
        job.state, job.started_at = "running", utcnow()
    db.session.commit()
    queued_app.config["JOBS_STALE_SECONDS"] = 0
    time.sleep(0.01)
    assert services.reap_stale() == 2
    rows = db.session.scalars(select(Job).order_by(Job.id)).all()
    assert [(j.kind, j.state) for j in rows] == [
        ("test.checks_first", "failed"), ("test.half_written", "failed"),
        ("test.checks_first", "queued")]
    assert rows[-1].params == {"n": 7}


# --- `flask jobs worker`, the one command of the README ------------------------------------

def test_flask_jobs_worker_runs_the_queued_jobs(queued_app, client, login_as, tmp_path):
    login_as("kiemduyet.xa")
    before = _posts()
    job_id = int(_upload(client, GOOD).headers["Location"].rsplit("/", 1)[1])
    env = {**os.environ, "DATABASE_URL": queued_app.config["SQLALCHEMY_DATABASE_URI"],
           "JOBS_QUEUE_URL": queued_app.config["JOBS_QUEUE_URL"],
           "CAIDEP_MODELS_DIR": str(tmp_path / "models"), "CAIDEP_ALLOW_DEV_SECRET": "1",
           "CAIDEP_INSTANCE_DIR": str(tmp_path / "instance")}
    worker = subprocess.Popen([sys.executable, "-m", "flask", "--app", "wsgi", "jobs", "worker",
                               "--workers", "1"], cwd=ROOT, env=env, stdout=subprocess.PIPE,
                              stderr=subprocess.STDOUT, text=True)
    try:
        job = wait_for(job_id, 60)
    finally:
        worker.send_signal(signal.SIGINT)
        output = worker.communicate(timeout=30)[0]
    assert job.state == "done" and _posts() == before + 2, output
    assert "Chạy việc: 1 luồng, hàng đợi sqlite." in output


def test_run_pending_runs_what_waits_and_returns(queued_app, client, login_as, runner):
    """`flask jobs run-pending`: the queued import runs, and the command returns."""
    login_as("kiemduyet.xa")
    job_id = int(_upload(client, GOOD).headers["Location"].rsplit("/", 1)[1])
    assert db.session.get(Job, job_id).state == "queued"
    result = runner.invoke(args=["jobs", "run-pending"])
    assert result.exit_code == 0 and "Đã chạy 1 việc" in result.output, result.output
    db.session.expire_all()
    assert db.session.get(Job, job_id).state == "done"
    assert "Đã chạy 0 việc" in runner.invoke(args=["jobs", "run-pending"]).output
