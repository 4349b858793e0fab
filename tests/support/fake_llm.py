"""A scripted language-model server on 127.0.0.1 for the tests: it speaks the OpenAI chat-completions protocol
(`POST /v1/chat/completions`, a JSON reply or server-sent events) and Ollama's (`POST /api/chat`, a JSON reply or
NDJSON lines), and replays the replies it is given, so LangChain's real clients talk to it over HTTP.

    with FakeLLMServer() as server:
        server.script(Reply("Caseloads are manageable [1]."))
        ... --llm openai:scripted --llm-base-url server.openai_url ...
        server.requests[-1]["messages"]   # what the client sent
"""

from __future__ import annotations

import json
import threading
import time
from collections import deque
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Callable


@dataclass
class Reply:
    """One scripted reply. `delay_s`: wait this long before answering (a slow server); `garbage`: answer 200 with
    a body that is no reply; `status`: an HTTP error status instead of a reply."""

    text: str = ""
    delay_s: float = 0.0
    garbage: bool = False
    status: int = 200


def pieces(text: str) -> list[str]:
    """The text in the small pieces a streaming server sends (a word and its following space each)."""
    out, word = [], ""
    for ch in text:
        word += ch
        if ch == " ":
            out.append(word)
            word = ""
    return out + ([word] if word else [])


class _Handler(BaseHTTPRequestHandler):
    server: "_Server"

    def log_message(self, format: str, *args: Any) -> None:  # quiet
        pass

    def do_GET(self) -> None:  # Ollama's client may ask what it runs; nothing else is served
        self._json(200, {"models": []} if self.path.startswith("/api/") else {"data": []})

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = json.loads(self.rfile.read(length) or b"{}")
        owner = self.server.owner
        with owner.lock:
            owner.requests.append({"path": self.path, **body})
            reply = owner.replies.popleft() if owner.replies else None
        if reply is None:
            reply = owner.responder(body) if owner.responder else owner.default
        if reply.delay_s:
            time.sleep(reply.delay_s)
        if reply.status != 200:
            return self._json(reply.status, {"error": {"message": f"scripted error {reply.status}"}})
        if reply.garbage:
            data = b"<html>this is not a chat reply</html>"
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)
            return
        model = body.get("model", "scripted")
        if self.path.rstrip("/").endswith("/chat/completions"):
            return self._openai(model, reply.text, bool(body.get("stream")))
        if self.path.rstrip("/") == "/api/chat":
            return self._ollama(model, reply.text, body.get("stream", True) is not False)
        self._json(404, {"error": f"no such path {self.path}"})

    # -- OpenAI -------------------------------------------------------------------------------------------------
    def _openai(self, model: str, text: str, stream: bool) -> None:
        base = {"id": "chatcmpl-scripted", "created": 1_900_000_000, "model": model}
        if not stream:
            return self._json(200, {**base, "object": "chat.completion", "choices": [
                {"index": 0, "message": {"role": "assistant", "content": text}, "finish_reason": "stop"}],
                "usage": {"prompt_tokens": 1, "completion_tokens": 1, "total_tokens": 2}})
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream")
        self.send_header("Cache-Control", "no-cache")
        self.end_headers()
        chunk = {**base, "object": "chat.completion.chunk"}
        deltas = [{"role": "assistant", "content": ""}] + [{"content": p} for p in pieces(text)]
        for delta in deltas:
            self._event({**chunk, "choices": [{"index": 0, "delta": delta, "finish_reason": None}]})
        self._event({**chunk, "choices": [{"index": 0, "delta": {}, "finish_reason": "stop"}]})
        self.wfile.write(b"data: [DONE]\n\n")
        self.wfile.flush()

    def _event(self, data: dict) -> None:
        self.wfile.write(b"data: " + json.dumps(data).encode() + b"\n\n")
        self.wfile.flush()

    # -- Ollama -------------------------------------------------------------------------------------------------
    def _ollama(self, model: str, text: str, stream: bool) -> None:
        base = {"model": model, "created_at": "2031-01-01T00:00:00Z"}
        final = {**base, "message": {"role": "assistant", "content": ""}, "done": True, "done_reason": "stop",
                 "total_duration": 1, "load_duration": 1, "prompt_eval_count": 1, "eval_count": 1}
        if not stream:
            return self._json(200, {**final, "message": {"role": "assistant", "content": text}})
        self.send_response(200)
        self.send_header("Content-Type", "application/x-ndjson")
        self.end_headers()
        for p in pieces(text):
            self.wfile.write(json.dumps({**base, "message": {"role": "assistant", "content": p}, "done": False}).encode() + b"\n")
            self.wfile.flush()
        self.wfile.write(json.dumps(final).encode() + b"\n")
        self.wfile.flush()

    def _json(self, status: int, data: dict) -> None:
        raw = json.dumps(data).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(raw)))
        self.end_headers()
        self.wfile.write(raw)


class _Server(ThreadingHTTPServer):
    daemon_threads = True  # a scripted slow reply never holds up the test run's exit
    owner: "FakeLLMServer"


class FakeLLMServer:
    """The scripted server (module docstring). Replies are used in order; when they run out, `responder(request
    body)` answers, or else `default` is sent."""

    def __init__(self, default: Reply | None = None, responder: Callable[[dict], Reply] | None = None) -> None:
        self.responder = responder
        self.replies: deque[Reply] = deque()
        self.default = default or Reply("The ingested documents don't answer this.")
        self.requests: list[dict] = []
        self.lock = threading.Lock()
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None
        self.port = 0

    def script(self, *replies: Reply | str) -> None:
        with self.lock:
            self.replies.extend(r if isinstance(r, Reply) else Reply(r) for r in replies)

    @property
    def openai_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/v1"

    @property
    def ollama_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> "FakeLLMServer":
        self._server = _Server(("127.0.0.1", self.port), _Handler)
        self._server.owner = self
        self.port = self._server.server_address[1]
        self._thread = threading.Thread(target=self._server.serve_forever, name="fake-llm", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop listening: the port then refuses connections (a server that is down)."""
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def __enter__(self) -> "FakeLLMServer":
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
