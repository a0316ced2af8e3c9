"""A client of one OpenAI-compatible chat-completions endpoint (vLLM, TGI, Ollama, llama.cpp,
``transformers serve``, a hosted service).

What the service needs from a remote model, in one place:

* **configured once**: the URL, the API key (from a setting or a file, never logged), the timeout,
  retries, how many requests may be in flight, streaming and JSON-schema answers (MTS_LLM_*);
* **retries**: a 429, a 5xx, a refused or dropped connection and a timeout are tried again with
  exponential backoff (a ``Retry-After`` the server sends is honoured, up to a cap); any other answer
  is final;
* **the work's liveness** (:mod:`service.work`): a request whose ticket dies (its client went away,
  its deadline passed) is closed at once, so the server stops generating for nobody; waiting for a
  slot or a backoff stops too;
* **JSON answers**: a ``response_format`` with a JSON schema is sent when asked for; a server that
  refuses the field (400/422 naming it) is asked again without it, and is not sent it again;
* **metrics**: every request is reported to ``on_call`` (:class:`RemoteCall`: endpoint, model,
  outcome, seconds, tokens).
"""

from __future__ import annotations

import contextlib
import json
import logging
import random
import socket
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from service.errors import ConfigurationError, MtsError
from service.work import Liveness, WorkCancelledError, checkpoint, current

if TYPE_CHECKING:
    import httpx

    from service.config import Settings

__all__ = [
    "ChatEndpoint",
    "Completion",
    "EndpointError",
    "RemoteCall",
    "endpoint_from_settings",
    "remote_model",
]

log = logging.getLogger(__name__)

RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})
BACKOFF_BASE_S = 0.5
BACKOFF_CAP_S = 10.0
CONNECT_TIMEOUT_S = 5.0
WATCH_INTERVAL_S = 0.05


REMOTE_PREFIX = "openai:"


def remote_model(ref: str) -> str | None:
    """The model name of a reference to a model of the LLM server (``openai:<model>``), else None."""
    text = ref.strip()
    return text[len(REMOTE_PREFIX) :].strip() or None if text.startswith(REMOTE_PREFIX) else None


class EndpointError(MtsError):
    """The endpoint could not give an answer: down, refusing, timing out, or answering nonsense."""


@dataclass(frozen=True)
class Completion:
    """One chat answer: its text and what it cost."""

    text: str
    finish_reason: str | None
    prompt_tokens: int | None
    completion_tokens: int | None


@dataclass(frozen=True)
class RemoteCall:
    """One HTTP request to the endpoint, reported to ``on_call`` whatever its outcome.

    ``outcome``: ``ok``, ``http_<status>``, ``timeout``, ``connection``, ``cancelled`` or
    ``bad_answer``."""

    endpoint: str
    model: str
    outcome: str
    seconds: float
    prompt_tokens: int = 0
    completion_tokens: int = 0


class _AttemptFailedError(Exception):
    """One attempt failed; ``retry`` says whether another may succeed."""

    def __init__(self, outcome: str, message: str, *, retry: bool, wait: float | None = None) -> None:
        super().__init__(message)
        self.outcome = outcome
        self.retry = retry
        self.wait = wait


class _Watch:
    """Closes a request's connection when the work's liveness dies (deadline or cancel), whether
    the request is still waiting for the answer's headers or reading its body.

    Shutting the socket down wakes a read blocked in the calling thread, and the server sees the
    request closed. The socket comes from the connection's ``trace`` event, so every request opens
    its own connection (an LLM answer takes seconds; a connect costs little beside it)."""

    def __init__(self, liveness: Liveness | None) -> None:
        self.liveness = liveness
        self.fired = False
        self._stream: Any = None
        self._done = threading.Event()
        self._thread: threading.Thread | None = None
        if liveness is not None:
            self._thread = threading.Thread(target=self._run, name="mts-llm-watch", daemon=True)
            self._thread.start()

    def trace(self, event: str, info: dict[str, Any]) -> None:
        """httpcore's ``trace`` extension: keep the connection's network stream."""
        if event == "connection.connect_tcp.complete":
            self._stream = info.get("return_value")
            if self.fired:
                self._shut()

    def _run(self) -> None:
        assert self.liveness is not None
        while not self._done.wait(WATCH_INTERVAL_S):
            if self.liveness.dead:
                self.fired = True
                self._shut()
                return

    def _shut(self) -> None:
        stream = self._stream
        sock = stream.get_extra_info("socket") if stream is not None else None
        if isinstance(sock, socket.socket):
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)

    def stop(self) -> None:
        self._done.set()
        if self._thread is not None:
            self._thread.join()


class ChatEndpoint:
    """``POST {url}/chat/completions`` with retries, a concurrency limit, streaming and liveness."""

    def __init__(
        self,
        url: str,
        *,
        api_key: str = "",
        timeout_s: float = 60.0,
        retries: int = 2,
        concurrency: int = 4,
        stream: bool = True,
        json_schema: bool = True,
        on_call: Callable[[RemoteCall], None] | None = None,
    ) -> None:
        import httpx

        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.netloc:
            raise ConfigurationError(f"MTS_LLM_URL: expected http(s)://host[:port]/v1, got {url!r}")
        self.url = url.rstrip("/")
        # Named in metrics and errors without credentials or path.
        self.name = f"{parts.scheme}://{parts.hostname}" + (f":{parts.port}" if parts.port else "")
        self.timeout_s = timeout_s
        self.retries = retries
        self.concurrency = concurrency
        self.stream = stream
        self.json_schema = json_schema
        self._on_call = on_call
        self._slots = threading.BoundedSemaphore(concurrency)
        headers = {"Authorization": f"Bearer {api_key}"} if api_key else {}
        self._client = httpx.Client(
            headers=headers,
            timeout=httpx.Timeout(timeout_s, connect=min(CONNECT_TIMEOUT_S, timeout_s)),
            limits=httpx.Limits(max_connections=concurrency, max_keepalive_connections=0),
        )

    def close(self) -> None:
        """Close the connection pool."""
        self._client.close()

    # -- one chat --------------------------------------------------------------------------------

    def chat(
        self,
        model: str,
        messages: list[dict[str, str]],
        *,
        max_tokens: int,
        schema: dict[str, Any] | None = None,
    ) -> Completion:
        """The model's answer to ``messages`` (greedy: temperature 0).

        ``schema``: a JSON schema the answer must follow, sent as ``response_format`` when the
        endpoint takes it (the prompt must ask for the same JSON: a server may ignore the field).
        Raises :class:`EndpointError` when no answer came, WorkCancelledError when nobody waits."""
        body: dict[str, Any] = {
            "model": model,
            "messages": messages,
            "max_tokens": max_tokens,
            "temperature": 0,
            "stream": self.stream,
        }
        if self.stream:
            body["stream_options"] = {"include_usage": True}
        if schema is not None and self.json_schema:
            body["response_format"] = {
                "type": "json_schema",
                "json_schema": {"name": "answer", "schema": schema, "strict": True},
            }
        with self._slot():
            attempt = 0
            while True:
                checkpoint()
                try:
                    return self._attempt(model, body)
                except _AttemptFailedError as failed:
                    if (
                        "response_format" in body
                        and failed.outcome in ("http_400", "http_422")
                        and ("response_format" in str(failed) or "json_schema" in str(failed))
                    ):
                        log.warning(
                            "%s refuses response_format: JSON asked for in the prompt only", self.name
                        )
                        self.json_schema = False
                        body = {k: v for k, v in body.items() if k != "response_format"}
                        continue
                    if not failed.retry or attempt >= self.retries:
                        tries = f" after {attempt + 1} tries" if attempt else ""
                        raise EndpointError(f"LLM endpoint {self.name}: {failed}{tries}") from None
                    wait = failed.wait if failed.wait is not None else _backoff(attempt)
                    log.info("%s: %s; retrying in %.1f s", self.name, failed, wait)
                    _sleep(wait)
                    attempt += 1

    @contextlib.contextmanager
    def _slot(self) -> Iterator[None]:
        """Hold one of the ``concurrency`` request slots; waiting for it stops when the work dies."""
        while not self._slots.acquire(timeout=WATCH_INTERVAL_S):
            checkpoint()
        try:
            yield
        finally:
            self._slots.release()

    def _attempt(self, model: str, body: dict[str, Any]) -> Completion:
        import httpx

        liveness = current()
        watch = _Watch(liveness)
        start = time.monotonic()
        outcome = "ok"
        completion: Completion | None = None
        try:
            timeout = self._timeout(liveness)
            request = self._client.build_request(
                "POST",
                f"{self.url}/chat/completions",
                json=body,
                timeout=timeout,
                extensions={"trace": watch.trace},
            )
            response = self._client.send(request, stream=True)
            try:
                if response.status_code != 200:
                    response.read()
                    raise _status_failure(response)
                if body["stream"]:
                    completion = _read_stream(response.iter_lines())
                else:
                    response.read()
                    completion = _read_answer(response)
            finally:
                response.close()
        except _AttemptFailedError as failed:
            outcome = failed.outcome
            raise
        except WorkCancelledError:
            outcome = "cancelled"
            raise
        except httpx.RequestError as exc:
            if watch.fired or (liveness is not None and liveness.dead):
                outcome = "cancelled"
                raise WorkCancelledError(liveness.reason if liveness else "cancelled") from None
            if isinstance(exc, httpx.TimeoutException):
                outcome = "timeout"
                raise _AttemptFailedError(
                    outcome, f"no answer within {self.timeout_s:g} s", retry=True
                ) from None
            outcome = "connection"
            raise _AttemptFailedError(
                outcome, f"cannot connect or connection lost ({_brief(exc)})", retry=True
            ) from None
        finally:
            watch.stop()
            seconds = time.monotonic() - start
            if self._on_call is not None:
                self._on_call(
                    RemoteCall(
                        self.name,
                        model,
                        outcome,
                        seconds,
                        (completion.prompt_tokens or 0) if completion else 0,
                        (completion.completion_tokens or 0) if completion else 0,
                    )
                )
        return completion

    def _timeout(self, liveness: Liveness | None) -> float:
        """The request timeout: the configured one, or less when the work's deadline comes first."""
        remaining: float | None = getattr(liveness, "remaining", lambda: None)()
        if remaining is None:
            return self.timeout_s
        return max(0.05, min(self.timeout_s, remaining))


def _status_failure(response: httpx.Response) -> _AttemptFailedError:
    status = response.status_code
    message = _error_message(response)
    text = f"HTTP {status}" + (f": {message}" if message else "")
    wait = None
    if status == 429:
        wait = _retry_after(response.headers.get("retry-after"))
    return _AttemptFailedError(f"http_{status}", text, retry=status in RETRY_STATUSES, wait=wait)


def _error_message(response: httpx.Response) -> str:
    """The server's error text, on one line and short (never the request, which holds the dispatch)."""
    try:
        data = response.json()
    except ValueError:
        return " ".join(response.text.split())[:200]
    error = data.get("error", data.get("detail", data)) if isinstance(data, dict) else data
    if isinstance(error, dict):
        error = error.get("message", error)
    return " ".join(str(error).split())[:200]


def _retry_after(value: str | None) -> float | None:
    try:
        return min(BACKOFF_CAP_S, max(0.0, float(value))) if value else None
    except ValueError:
        return None  # an HTTP date: use the ordinary backoff


def _backoff(attempt: int) -> float:
    """Exponential backoff with jitter: 0.5 s, 1 s, 2 s… (capped), each ×0.5–1."""
    return min(BACKOFF_CAP_S, BACKOFF_BASE_S * 2.0**attempt) * random.uniform(0.5, 1.0)


def _sleep(seconds: float) -> None:
    """Sleep, stopping early (WorkCancelledError) when the work dies."""
    end = time.monotonic() + seconds
    while (left := end - time.monotonic()) > 0:
        checkpoint()
        time.sleep(min(WATCH_INTERVAL_S, left))
    checkpoint()


def _brief(exc: Exception) -> str:
    return str(exc).splitlines()[0][:120] if str(exc) else type(exc).__name__


def _bad(message: str) -> _AttemptFailedError:
    # A server that answers 200 with something that is not a chat completion is broken, not busy.
    return _AttemptFailedError("bad_answer", message, retry=False)


def _usage(data: dict[str, Any]) -> tuple[int | None, int | None]:
    usage = data.get("usage") or {}
    if not isinstance(usage, dict):
        return None, None
    return usage.get("prompt_tokens"), usage.get("completion_tokens")


def _read_answer(response: httpx.Response) -> Completion:
    try:
        data = response.json()
        choice = data["choices"][0]
        text = choice["message"].get("content") or ""
    except (ValueError, KeyError, IndexError, TypeError, AttributeError):
        raise _bad("the answer is not a chat completion") from None
    prompt, completion = _usage(data)
    return Completion(str(text), choice.get("finish_reason"), prompt, completion)


def _read_stream(lines: Iterator[str]) -> Completion:
    """Consume a server-sent-events chat stream: the content deltas, the finish reason, the usage."""
    parts: list[str] = []
    finish: str | None = None
    prompt = completion = None
    for line in lines:
        checkpoint()
        if not line.startswith("data:"):
            continue  # comments, event names, blank separators
        payload = line[5:].strip()
        if payload == "[DONE]":
            break
        try:
            data = json.loads(payload)
        except ValueError:
            raise _bad("a streamed chunk is not JSON") from None
        if not isinstance(data, dict):
            raise _bad("a streamed chunk is not a JSON object")
        if "error" in data:
            error = data["error"]
            message = error.get("message", error) if isinstance(error, dict) else error
            text = " ".join(str(message).split())[:200]
            raise _AttemptFailedError("http_500", f"the stream ended with an error: {text}", retry=True)
        if data.get("usage"):
            prompt, completion = _usage(data)
        for choice in data.get("choices") or []:
            delta = choice.get("delta") or {}
            if delta.get("content"):
                parts.append(str(delta["content"]))
            if choice.get("finish_reason"):
                finish = choice["finish_reason"]
    return Completion("".join(parts), finish, prompt, completion)


def endpoint_from_settings(
    settings: Settings, on_call: Callable[[RemoteCall], None] | None = None
) -> ChatEndpoint:
    """The endpoint MTS_LLM_URL names, with its key and limits; a ConfigurationError when unset."""
    if not settings.llm_url.strip():
        raise ConfigurationError(
            "an openai: model needs MTS_LLM_URL, the base URL of an OpenAI-compatible server "
            "(e.g. http://127.0.0.1:8000/v1)"
        )
    return ChatEndpoint(
        settings.llm_url.strip(),
        api_key=settings.llm_key(),
        timeout_s=settings.llm_timeout_s,
        retries=settings.llm_retries,
        concurrency=settings.llm_concurrency,
        stream=settings.llm_stream,
        json_schema=settings.llm_json_schema,
        on_call=on_call,
    )
