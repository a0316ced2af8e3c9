"""A real OpenAI-compatible server for tests: ``transformers serve`` on a loopback port, serving a
tiny random causal LM, and a small proxy in front of it that records requests and can inject faults.

The proxy speaks plain HTTP/1.1 and forwards the bytes of the real server's answers as they come; a
scripted action per request replaces that with a status (429, 503), an answer text of the test's
choosing (still in the server's own chunk format), or a hang until the client closes.
"""

from __future__ import annotations

import json
import shutil
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import httpx

# Well-formed bullets a test has the proxy answer with, in place of the tiny model's nonsense.
GOOD: dict[str, list[str]] = {
    "fr": ["Le ministre est allé à Bruxelles.", "Un dialogue a eu lieu.", "Le budget augmente."],
    "en": ["The minister went to Brussels.", "A dialogue took place.", "The budget grows."],
    "ko": ["장관이 브뤼셀에 갔다.", "대화가 열렸다.", "예산이 늘었다."],
}


def answers() -> list[str]:
    # The pipeline writes its bullets in French, English and Korean, in that order.
    return [
        f"answer:{json.dumps({'bullets': GOOD[lang]}, ensure_ascii=False)}" for lang in ("fr", "en", "ko")
    ]


def sentences_asked(body: dict[str, Any]) -> list[str]:
    """The numbered sentences of a translation request (prompts/translate-sentences.j2)."""
    content = body["messages"][-1]["content"]
    fenced = content.split("<<<SENTENCES\n", 1)[1].split("\nSENTENCES>>>", 1)[0]
    return [line.split(". ", 1)[1] for line in fenced.splitlines() if line.strip()]


def glossary_asked(body: dict[str, Any]) -> dict[str, str]:
    """The glossary a translation request gives (``found → required`` lines), if any."""
    content = body["messages"][0]["content"]
    if "<<<GLOSSARY\n" not in content:
        return {}
    fenced = content.split("<<<GLOSSARY\n", 1)[1].split("\nGLOSSARY>>>", 1)[0]
    return dict(line.split(" → ", 1) for line in fenced.splitlines() if " → " in line)


def stand_in(sentence: str, terms: dict[str, str] | None = None) -> str:
    """What the proxy's ``translate`` action answers for a sentence: recognisably that sentence, with
    the glossary's terms written as the request says (as a model that follows it would)."""
    for found, required in (terms or {}).items():
        sentence = sentence.replace(found, required)
    return f"[{sentence}]"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def transformers_serve(model: Path, timeout: float = 120.0) -> Iterator[str]:
    """Run ``transformers serve`` on ``model`` (offline, CPU); yield its base URL (``…/v1``)."""
    binary = shutil.which("transformers", path=str(Path(sys.executable).parent))
    if binary is None:
        raise AssertionError("the transformers CLI is missing: pip install 'transformers[serving]'")
    port = free_port()
    log = open(model.parent / f"serve-{port}.log", "w+b")  # noqa: SIM115 - read on failure
    process = subprocess.Popen(
        [binary, "serve", str(model), "--host", "127.0.0.1", "--port", str(port), "--device", "cpu",
         "--log-level", "warning"],
        stdout=log, stderr=subprocess.STDOUT, env={**_env(), "HF_HUB_OFFLINE": "1"},
    )  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + timeout
        while True:
            try:
                if httpx.get(f"{base}/health", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if process.poll() is not None or time.monotonic() > deadline:
                log.seek(0)
                raise AssertionError(f"transformers serve did not start:\n{log.read().decode()[-3000:]}")
            time.sleep(0.2)
        yield f"{base}/v1"
    finally:
        process.terminate()
        try:
            process.wait(20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        log.close()


def _env() -> dict[str, str]:
    import os

    return {k: v for k, v in os.environ.items() if not k.startswith("MTS_")}


@dataclass
class Seen:
    """One request the proxy received: its path, headers and JSON body, and what became of it."""

    path: str
    headers: dict[str, str]
    body: dict[str, Any]
    action: str
    client_closed: threading.Event = field(default_factory=threading.Event)


class Proxy:
    """A recording, fault-injecting proxy in front of an OpenAI-compatible server.

    ``script`` holds one action per coming request (then ``pass``): ``pass`` forwards;
    ``status:<code>`` answers that status with an OpenAI-style error (``status:429:<s>`` adds a
    ``Retry-After``); ``refuse-schema`` answers 400 as a server without ``response_format`` does;
    ``answer:<text>`` forwards, then replaces the model's text with ``<text>`` in the server's own
    format; ``hang`` sends nothing and waits for the client to close. For translation requests,
    ``translate`` forwards and answers each numbered sentence with a stand-in translation
    (:func:`stand_in`), ``merge`` the same with the first two sentences merged into one.
    ``default`` is the action once the script is used up."""

    def __init__(self, upstream: str) -> None:
        self.upstream = upstream.rstrip("/")
        self.script: list[str] = []
        self.default = "pass"
        self.seen: list[Seen] = []
        self._lock = threading.Lock()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(self))
        self._server.daemon_threads = True
        self.origin = f"http://127.0.0.1:{self._server.server_address[1]}"
        self.url = f"{self.origin}/v1"
        self.inflight = 0
        self.max_inflight = 0
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()

    def next_action(self) -> str:
        with self._lock:
            return self.script.pop(0) if self.script else self.default

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()


def _handler(proxy: Proxy) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        _counted = False

        def log_message(self, *args: Any) -> None:
            pass

        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length", 0))
            body = json.loads(self.rfile.read(length) or b"{}")
            action = proxy.next_action()
            seen = Seen(self.path, dict(self.headers), body, action)
            with proxy._lock:
                proxy.seen.append(seen)
                proxy.inflight += 1
                proxy.max_inflight = max(proxy.max_inflight, proxy.inflight)
            self._counted = True
            try:
                self._act(action, body, seen)
            finally:
                self._done()

        def _done(self) -> None:
            # Called before a response's last bytes go out: a client that has read them may start
            # its next request before this thread runs again, and that one must not count twice.
            if self._counted:
                self._counted = False
                with proxy._lock:
                    proxy.inflight -= 1

        def _act(self, action: str, body: dict[str, Any], seen: Seen) -> None:
            if action == "refuse-schema":
                error = {"message": "response_format is not supported by this server"}
                self._send_json(400, {"error": error}, {})
                return
            if action.startswith("status:"):
                _, code, *rest = action.split(":")
                self._send_json(int(code), {"error": {"message": f"injected {code}"}},
                                {"Retry-After": rest[0]} if rest else {})  # fmt: skip
                return
            if action == "hang":
                self._hang(seen)
                return
            if action in ("translate", "merge"):
                terms = glossary_asked(body)
                translations = [stand_in(s, terms) for s in sentences_asked(body)]
                if action == "merge" and len(translations) > 1:
                    translations[:2] = [f"{translations[0]} {translations[1]}"]
                self._forward(body, seen, json.dumps({"translations": translations}, ensure_ascii=False))
                return
            replacement = action[len("answer:") :] if action.startswith("answer:") else None
            self._forward(body, seen, replacement)

        def _send_json(self, status: int, data: Any, headers: dict[str, str]) -> None:
            raw = json.dumps(data).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(raw)))
            for name, value in headers.items():
                self.send_header(name, value)
            self.end_headers()
            self._done()
            self.wfile.write(raw)

        def _hang(self, seen: Seen) -> None:
            # A closed client makes the socket readable with no data (EOF).
            self.connection.settimeout(0.05)
            deadline = time.monotonic() + 60
            while time.monotonic() < deadline:
                try:
                    if self.connection.recv(1) == b"":
                        break
                except TimeoutError:
                    continue
                except OSError:
                    break
            seen.client_closed.set()
            self.close_connection = True

        def _forward(self, body: dict[str, Any], seen: Seen, replacement: str | None) -> None:
            url = proxy.upstream + self.path.removeprefix("/v1")
            with httpx.stream("POST", url, json=body, timeout=120) as upstream:
                if not body.get("stream"):
                    data = json.loads(upstream.read())
                    if replacement is not None and upstream.status_code == 200:
                        data["choices"][0]["message"]["content"] = replacement
                    self._send_json(upstream.status_code, data, {})
                    return
                self.send_response(upstream.status_code)
                self.send_header("Content-Type", upstream.headers.get("content-type", "text/event-stream"))
                self.send_header("Transfer-Encoding", "chunked")
                self.end_headers()
                first = True
                try:
                    for received in upstream.iter_lines():
                        line = received
                        if replacement is not None and line.startswith("data: {"):
                            chunk = json.loads(line[6:])
                            for choice in chunk.get("choices") or []:
                                delta = choice.get("delta") or {}
                                if "content" in delta:
                                    delta["content"] = replacement if first else ""
                                    first = False
                            line = "data: " + json.dumps(chunk)
                        raw = (line + "\n").encode()
                        self.wfile.write(b"%x\r\n%s\r\n" % (len(raw), raw))
                        self.wfile.flush()
                    self._done()
                    self.wfile.write(b"0\r\n\r\n")
                except OSError:
                    # The client went away: leaving the with-block closes the upstream request too.
                    seen.client_closed.set()
                    self.close_connection = True

    return Handler
