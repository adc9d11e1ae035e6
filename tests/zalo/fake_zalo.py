"""A fake of Zalo's OA open API on a loopback port: it checks method, path, headers and body as
the real API documents them, answers in Zalo's shapes (errors included), and records calls."""

from __future__ import annotations

import json
import threading
import time
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class FakeZalo:
    def __init__(self, secret_key: str, app_id: str):
        self.calls: list[dict] = []
        self.tokens = {"good-token"}       # access tokens Zalo accepts
        self.refresh_tokens = {"r-0"}      # refresh tokens not spent yet
        self.down = 0                      # answer 503 to this many sends first
        self.silent_users = {"silent"}     # users who have not interacted for 7 days
        self.refresh_delay = 0.0
        self._lock = threading.Lock()
        self.secret_key, self.app_id = secret_key, app_id
        fake = self

        class Handler(BaseHTTPRequestHandler):
            # http.server, not werkzeug: werkzeug drops headers with "_" (Zalo's access_token)
            def do_POST(self):  # noqa: N802 - the http.server API
                raw = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                route = {"/v3.0/oa/message/cs": fake.message,
                         "/v4/oa/access_token": fake.refresh}.get(self.path)
                status, answer = route(self.headers, raw) if route else (404, {})
                data = json.dumps(answer).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def message(self, headers, raw: bytes):
        body = json.loads(raw)
        token = headers.get("access_token")
        self.calls.append({"path": "/v3.0/oa/message/cs", "token": token, "body": body,
                           "content_type": headers.get("Content-Type")})
        if self.down:
            self.down -= 1
            return 503, {}
        if token not in self.tokens:
            return 200, {"error": -216, "message": "Access token is invalid"}
        if set(body) != {"recipient", "message"} or not body["message"].get("text"):
            return 200, {"error": -201, "message": "Parameters are invalid"}
        user = body["recipient"]["user_id"]
        if user in self.silent_users:
            return 200, {"error": -230, "message": "User has not interacted with the OA in 7 days"}
        return 200, {"error": 0, "message": "Success",
                     "data": {"message_id": f"zmsg-{len(self.calls)}", "user_id": user}}

    def refresh(self, headers, raw: bytes):
        form = dict(urllib.parse.parse_qsl(raw.decode()))
        self.calls.append({"path": "/v4/oa/access_token", "secret_key": headers.get("secret_key"),
                           "form": form})
        time.sleep(self.refresh_delay)
        if headers.get("secret_key") != self.secret_key or form.get("app_id") != self.app_id \
                or form.get("grant_type") != "refresh_token":
            return 200, {"error": -14002, "message": "Invalid app or secret key"}
        with self._lock:
            if form.get("refresh_token") not in self.refresh_tokens:
                return 200, {"error": -14003, "message": "Invalid refresh token"}
            self.refresh_tokens.discard(form["refresh_token"])
            n = len(self.refreshes())
            access, fresh = f"fresh-{n}", f"r-{n}"
            self.tokens.add(access)
            self.refresh_tokens.add(fresh)
        return 200, {"access_token": access, "refresh_token": fresh, "expires_in": "90000"}

    def sent(self) -> list[dict]:
        return [c for c in self.calls if c["path"] == "/v3.0/oa/message/cs"]

    def refreshes(self) -> list[dict]:
        return [c for c in self.calls if c["path"] == "/v4/oa/access_token"]

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()
