"""A STAND-IN for a model server, for tests only: it is not a language model and understands nothing.

It listens on 127.0.0.1 (a free port) and speaks the OpenAI chat-completions
protocol (``POST /v1/chat/completions`` -> ``{"choices": [{"message":
{"content": ...}}]}``), answering deterministically from the post text by
keyword rules (:func:`keyword_answer`), so the figures a validation gives
can be checked by hand.  ``mode`` makes it misbehave the way real servers
do: answer slowly (a timeout), answer text that is not JSON, answer a code
that is not in the codebook, fail with HTTP 500, fail once and then answer,
refuse the API key (HTTP 401), or answer a body that is not a chat completion.  A post whose text holds
``#BOOM`` gets a non-JSON answer whatever the mode (a failure in mid-run).
Every request it received is kept in ``requests`` (body and headers).
"""

from __future__ import annotations

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

__all__ = ["StandIn", "keyword_answer"]


def keyword_answer(post: str) -> dict[str, Any]:
    """The stand-in's 'coding' of the tests' codebook: the first keyword found decides."""
    topic = "study" if "考研" in post else "travel" if "旅行" in post else "food"
    outcome = "success" if "成功" in post else "failure"
    return {"topic": topic, "outcome": outcome,
            "again": ("yes" if "再约" in post else "no") if outcome == "success" else None}


class StandIn:
    """The server (see the module docstring); use as a context manager."""

    def __init__(self, mode: str = "rules", delay: float = 0.0):
        self.mode = mode
        self.delay = delay
        self.requests: list[dict[str, Any]] = []
        self._lock = threading.Lock()
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args) -> None:  # quiet
                pass

            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length", 0))
                body = json.loads(self.rfile.read(length).decode("utf-8"))
                with outer._lock:
                    outer.requests.append({"path": self.path, "body": body, "headers": dict(self.headers)})
                    count = len(outer.requests)
                status, text = outer._answer(self.path, body, count)
                data = text.encode("utf-8")
                try:
                    self.send_response(status)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(data)))
                    self.end_headers()
                    self.wfile.write(data)
                except (BrokenPipeError, ConnectionResetError):  # the client gave up (a timeout test)
                    pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}/v1"

    def __enter__(self) -> StandIn:
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._server.shutdown()
        self._server.server_close()

    def posts(self) -> list[str]:
        """The post text of every request, in order."""
        return [r["body"]["messages"][-1]["content"] for r in self.requests]

    def _answer(self, path: str, body: dict[str, Any], count: int) -> tuple[int, str]:
        if path != "/v1/chat/completions":
            return 404, json.dumps({"error": {"message": f"no route {path}"}})
        post = body["messages"][-1]["content"]
        answer = keyword_answer(post)
        content = json.dumps(answer, ensure_ascii=False)
        mode = self.mode
        if mode == "slow":
            time.sleep(self.delay)
        elif mode == "401":
            return 401, json.dumps({"error": {"message": "invalid api key"}})
        elif mode == "500" or (mode == "flaky" and count == 1):
            return 500, json.dumps({"error": {"message": "model crashed"}})
        elif mode == "not_completion":
            return 200, json.dumps({"result": "ok"})
        elif mode == "unknown":
            content = json.dumps({**answer, "topic": "pizza"})
        elif mode == "fenced":
            content = "```json\n" + content + "\n```"
        if mode == "garbage" or "#BOOM" in post:
            content = "Sure! The topic is food and it went well."
        return 200, json.dumps({"id": f"cmpl-{count}", "object": "chat.completion", "model": body.get("model"),
                                "choices": [{"index": 0, "message": {"role": "assistant", "content": content},
                                             "finish_reason": "stop"}]}, ensure_ascii=False)
