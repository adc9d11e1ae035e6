"""Zalo webhook benchmark; prints JSON. Never part of the test run.

    .venv/bin/python bench/zalo.py      # BENCH_DATABASE_URL (default a local PostgreSQL
                                        # database bench_zalo, recreated), BENCH_REDIS_URL

1. A fresh PostgreSQL database with the demo commune, its OA linked, the default model active;
   the job queue on Redis; a fake Zalo OpenAPI on a loopback port taking the acknowledgements.
2. gunicorn (2 processes) serves the app; two `flask jobs worker` processes run the jobs.
3. BENCH_EVENTS (1,000) signed `user_send_text` events, each a different message, are posted to
   `POST /zalo/webhook` by 8 client threads. When a third of them have become posts, one worker
   is killed (SIGKILL) while events still arrive, and not restarted: the other one finds its
   unfinished jobs once they are JOBS_STALE_SECONDS old and queues the Zalo events again.
4. Reported: webhook answers per second, events per second end to end (posted → post written),
   and the counts that say nothing was lost or doubled: posts written, distinct events behind
   them, events still waiting, acknowledgements sent (and not: a message job the killed worker
   held is not repeated, since Zalo may have taken it already).
"""

from __future__ import annotations

import json
import os
import platform
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from sqlalchemy import create_engine, text

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.zalo.fake_zalo import FakeZalo  # noqa: E402 - after the path is set
from zalo.services import signature  # noqa: E402

URL = os.environ.get("BENCH_DATABASE_URL",
                     "postgresql+psycopg://postgres@127.0.0.1:5432/bench_zalo")
REDIS = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/13")
MODELS = Path(os.environ.get("BENCH_MODELS_DIR", "/tmp/caidep-bench-models"))
EVENTS = int(os.environ.get("BENCH_EVENTS", 1000))
APP_ID, OA_ID, KEY = "3604445566778899", "2710456789012345678", "bench-oa-secret-key"
STALE = 3
FLASK = [str(ROOT / ".venv" / "bin" / "flask"), "--app", "wsgi"]
TOPICS = ["mất điện", "nước sông", "đường lên bản", "giá phân bón", "lịch tiêm", "hỗ trợ giống",
          "lũ quét", "cầu treo", "học bổng", "chợ phiên"]


def log(message: str) -> None:
    print(f"[bench] {message}", file=sys.stderr, flush=True)


def recreate_database() -> None:
    base, name = URL.rsplit("/", 1)
    admin = create_engine(base + "/postgres", isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def ensure_model() -> str:
    from classifiers import ModelStore, train_recipe

    store = ModelStore(MODELS)
    if store.active_version() is None:
        log("training the default model (once)…")
        store.activate(store.save(train_recipe(ROOT / "recipes" / "default.toml", None)))
    return store.active_version()


def run(env: dict, *args: str) -> None:
    subprocess.run([*FLASK, *args], env=env, cwd=ROOT, check=True, capture_output=True)


def body(number: int) -> bytes:
    topic = TOPICS[number % len(TOPICS)]
    message = {"msg_id": f"bench-{number}",
               "text": f"Bà con ơi, tin số {number} về {topic}: có phải thật không? "
                       f"Nghe nói từ tuần {number % 52 + 1} sẽ thay đổi, mã tin {number * 7919}."}
    return json.dumps({"app_id": APP_ID, "user_id_by_app": f"u{number}",
                       "event_name": "user_send_text", "sender": {"id": f"follower-{number}"},
                       "recipient": {"id": OA_ID}, "message": message,
                       "timestamp": str(int(time.time() * 1000))}, ensure_ascii=False).encode()


def post_event(base: str, number: int) -> int:
    raw = body(number)
    stamp = json.loads(raw)["timestamp"]
    request = urllib.request.Request(f"{base}/zalo/webhook", data=raw, method="POST", headers={
        "Content-Type": "application/json",
        "X-ZEvent-Signature": signature(APP_ID, raw, stamp, KEY)})
    with urllib.request.urlopen(request, timeout=30) as answer:
        return answer.status


def counts(engine) -> dict:
    with engine.connect() as conn:
        row = conn.execute(text(
            "SELECT (SELECT count(*) FROM posts WHERE channel = 'zalo'),"
            " (SELECT count(DISTINCT post_id) FROM zalo_events WHERE post_id IS NOT NULL),"
            " (SELECT count(*) FROM zalo_events),"
            " (SELECT count(*) FROM zalo_events WHERE state = 'queued'),"
            " (SELECT count(*) FROM zalo_messages WHERE state = 'sent'),"
            " (SELECT count(*) FROM zalo_messages WHERE state <> 'sent'),"
            " (SELECT count(*) FROM jobs WHERE kind = 'zalo.event' AND state = 'failed')")).one()
    return dict(zip(("posts", "events_with_a_post", "events_stored", "events_waiting",
                     "acks_sent", "messages_open", "event_jobs_failed"), row, strict=True))


def main() -> None:  # noqa: PLR0915 - one straight script
    recreate_database()
    version = ensure_model()
    fake = FakeZalo(KEY, APP_ID)
    env = {**os.environ, "DATABASE_URL": URL, "SECRET_KEY": "bench-zalo-only",
           "JOBS_QUEUE_URL": REDIS, "JOBS_WORKER": "none", "JOBS_STALE_SECONDS": str(STALE),
           "JOBS_HEARTBEAT_SECONDS": "1", "ZALO_OPENAPI_URL": fake.url, "ZALO_OAUTH_URL": fake.url,
           "CAIDEP_MODELS_DIR": str(MODELS), "CAIDEP_UPLOADS_DIR": "/tmp/caidep-bench-uploads",
           "ZALO_SEND_BACKOFF": "0.2"}
    import redis

    redis.Redis.from_url(REDIS).flushdb()
    run(env, "db", "upgrade")
    run(env, "seed-demo")
    run(env, "zalo", "link", "--unit", "muong-leo", "--app-id", APP_ID, "--oa-id", OA_ID,
        "--secret-key", KEY, "--access-token", "good-token", "--refresh-token", "r-0")
    port = free_port()
    web = subprocess.Popen([str(ROOT / ".venv" / "bin" / "gunicorn"), "--workers", "2",
                            "--bind", f"127.0.0.1:{port}", "wsgi:app"], env=env, cwd=ROOT,
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    workers = [subprocess.Popen([*FLASK, "jobs", "worker", "--workers", "2"], env=env, cwd=ROOT,
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
               for _ in range(2)]
    base = f"http://127.0.0.1:{port}"
    engine = create_engine(URL)
    try:
        for _ in range(100):
            try:
                urllib.request.urlopen(f"{base}/healthz", timeout=2)
                break
            except OSError:
                time.sleep(0.2)
        log(f"posting {EVENTS} signed events…")
        killed = {}

        def kill_one_mid_way() -> None:
            while not killed and time.monotonic() < deadline:
                written = counts(engine)["posts"]
                if written >= EVENTS // 3:
                    workers[0].send_signal(signal.SIGKILL)
                    killed["posts"] = written
                    log(f"worker 1 killed with {written} posts written")
                time.sleep(0.1)

        deadline = time.monotonic() + 600
        killer = threading.Thread(target=kill_one_mid_way, daemon=True)
        killer.start()
        t0 = time.perf_counter()
        with ThreadPoolExecutor(8) as pool:
            statuses = list(pool.map(lambda n: post_event(base, n), range(EVENTS)))
        posted = time.perf_counter() - t0
        while time.monotonic() < deadline:
            now = counts(engine)
            if now["events_waiting"] == 0 and now["posts"] >= EVENTS:
                break
            time.sleep(0.2)
        done = time.perf_counter() - t0
        final = counts(engine)
        replies_by = time.monotonic() + 60
        while time.monotonic() < replies_by and counts(engine)["messages_open"]:
            time.sleep(0.2)  # the last acknowledgements
        replies = counts(engine)
        final.pop("messages_open")
        final.update(acks_sent=replies["acks_sent"], acks_not_sent=replies["messages_open"])
        killed_at = killed.get("posts")
    finally:
        for proc in [web, *workers]:
            if proc.poll() is None:
                proc.terminate()
        for proc in [web, *workers]:
            try:
                proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                proc.kill()
        fake.close()
        engine.dispose()
    print(json.dumps({
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version(),
                    "platform": platform.platform()},
        "model": version, "events": EVENTS, "web": "gunicorn, 2 processes",
        "workers": "2 × flask jobs worker --workers 2 (Redis queue); worker 1 killed",
        "webhook_answers_200": statuses.count(200),
        "webhook_events_per_second": round(EVENTS / posted, 1),
        "end_to_end_events_per_second": round(EVENTS / done, 1),
        "end_to_end_seconds": round(done, 1),
        "posts_written_when_worker_killed": killed_at,
        **final,
        "none_lost": final["posts"] == EVENTS and final["events_waiting"] == 0,
        "none_doubled": final["posts"] == final["events_with_a_post"] == EVENTS,
    }, indent=2))


if __name__ == "__main__":
    main()
