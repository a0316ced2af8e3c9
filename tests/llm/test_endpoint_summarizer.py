"""The openai:<model> summarizer against a real OpenAI-compatible server (``transformers serve`` with a
tiny random causal LM), through a proxy that records requests and injects faults.

The model's answers are nonsense: the tests assert behaviour (requests and prompts as specified,
malformed answers retried then fallen back with the reason, streaming consumed, retries, deadlines
and cancellation, metrics), never the text."""

from __future__ import annotations

import json
import threading
import time
from pathlib import Path

import pytest
from llm_server import Proxy, free_port

from service.llm.client import ChatEndpoint, EndpointError, RemoteCall
from service.summarization.base import MalformedSummaryError, SummaryUnavailableError
from service.summarization.endpoint import EndpointSummarizer, read_bullets
from service.work import Ticket, WorkCancelledError, working_for

DISPATCH = (
    "SÉOUL, 3 déc. (Yonhap) -- Le ministre des Affaires étrangères s'est rendu mardi à Tokyo. "
    "Il y a rencontré son homologue japonais pendant deux heures. Les deux pays ont signé trois accords."
)
GOOD = json.dumps({"bullets": ["Le ministre est allé à Tokyo.", "Il a vu son homologue.", "Trois accords."]})
MODEL = "tiny-qwen"


@pytest.fixture
def proxy(llm_proxy: Proxy) -> Proxy:
    return llm_proxy


def _endpoint(url: str, calls: list[RemoteCall] | None = None, **kwargs: object) -> ChatEndpoint:
    options: dict[str, object] = {"timeout_s": 60.0, "retries": 2, "concurrency": 4} | kwargs
    return ChatEndpoint(url, on_call=None if calls is None else calls.append, **options)  # type: ignore[arg-type]


def test_a_nonsense_answer_is_asked_for_again_then_falls_back(proxy: Proxy, tiny_causal_lm: Path) -> None:
    calls: list[RemoteCall] = []
    summarizer = EndpointSummarizer(str(tiny_causal_lm), _endpoint(proxy.url, calls))
    with pytest.raises(MalformedSummaryError, match=r"malformed answer twice for en bullets"):
        summarizer.summarize(DISPATCH, "en", 3)
    assert len(proxy.seen) == 2
    first, second = (seen.body for seen in proxy.seen)
    assert proxy.seen[0].path == "/v1/chat/completions"
    assert first["model"] == str(tiny_causal_lm) and first["temperature"] == 0 and first["stream"] is True
    assert [m["role"] for m in first["messages"]] == ["system", "user"]
    assert "<<<DISPATCH\n" + DISPATCH + "\nDISPATCH>>>" in first["messages"][1]["content"]
    schema = first["response_format"]["json_schema"]["schema"]
    assert schema["properties"]["bullets"]["minItems"] == schema["properties"]["bullets"]["maxItems"] == 3
    # The retry repeats the chat, the model's answer, and a reminder of the format.
    assert second["messages"][:2] == first["messages"]
    assert second["messages"][2]["role"] == "assistant"
    assert "exactly 3 strings" in second["messages"][3]["content"]
    # The streamed answers were consumed whole: the server reported their tokens.
    assert [c.outcome for c in calls] == ["ok", "ok"]
    assert all(c.completion_tokens > 0 and c.prompt_tokens > 0 for c in calls)
    assert summarizer.prompt_ref == "summarize-bullets-json@1"
    assert summarizer.models[0].id == str(tiny_causal_lm)


@pytest.mark.parametrize("stream", [True, False])
def test_a_well_formed_answer_gives_the_bullets(proxy: Proxy, tiny_causal_lm: Path, stream: bool) -> None:
    proxy.script = [f"answer:{GOOD}"]
    summarizer = EndpointSummarizer(str(tiny_causal_lm), _endpoint(proxy.url, stream=stream))
    assert summarizer.summarize(DISPATCH, "fr", 3) == json.loads(GOOD)["bullets"]
    assert len(proxy.seen) == 1 and proxy.seen[0].body["stream"] is stream


def test_429_and_5xx_are_retried_with_backoff(proxy: Proxy, tiny_causal_lm: Path) -> None:
    calls: list[RemoteCall] = []
    proxy.script = ["status:429:0", "status:503", f"answer:{GOOD}"]
    summarizer = EndpointSummarizer(str(tiny_causal_lm), _endpoint(proxy.url, calls))
    assert len(summarizer.summarize(DISPATCH, "ko", 3)) == 3
    assert [c.outcome for c in calls] == ["http_429", "http_503", "ok"]
    assert [s.body for s in proxy.seen[1:]] == [proxy.seen[0].body] * 2  # the same request again


def test_retries_run_out_into_a_fallback_with_the_reason(proxy: Proxy, tiny_causal_lm: Path) -> None:
    proxy.script = ["status:503"] * 3
    summarizer = EndpointSummarizer(str(tiny_causal_lm), _endpoint(proxy.url, retries=2))
    with pytest.raises(SummaryUnavailableError) as caught:
        summarizer.summarize(DISPATCH, "en", 3)
    assert str(caught.value) == (
        f"openai:{tiny_causal_lm}: LLM endpoint {proxy.origin}: HTTP 503: injected 503 after 3 tries"
    )
    assert len(proxy.seen) == 3


def test_a_client_error_is_not_retried(proxy: Proxy, tiny_causal_lm: Path) -> None:
    proxy.script = ["status:404"]
    with pytest.raises(EndpointError, match=r"HTTP 404: injected 404$"):
        _endpoint(proxy.url).chat(MODEL, [{"role": "user", "content": "x"}], max_tokens=4)
    assert len(proxy.seen) == 1


def test_a_server_that_refuses_response_format_is_asked_without_it(
    proxy: Proxy, tiny_causal_lm: Path
) -> None:
    proxy.script = ["refuse-schema", f"answer:{GOOD}", f"answer:{GOOD}"]
    summarizer = EndpointSummarizer(str(tiny_causal_lm), _endpoint(proxy.url))
    assert len(summarizer.summarize(DISPATCH, "en", 3)) == 3
    assert len(summarizer.summarize(DISPATCH, "en", 3)) == 3
    assert ["response_format" in s.body for s in proxy.seen] == [True, False, False]


def test_a_server_that_is_down_is_one_line(tiny_causal_lm: Path) -> None:
    calls: list[RemoteCall] = []
    endpoint = _endpoint(f"http://127.0.0.1:{free_port()}/v1", calls, retries=1)
    summarizer = EndpointSummarizer("any", endpoint)
    with pytest.raises(SummaryUnavailableError) as caught:
        summarizer.summarize(DISPATCH, "en", 3)
    message = str(caught.value)
    assert "\n" not in message and "cannot connect" in message and message.endswith("after 2 tries")
    assert [c.outcome for c in calls] == ["connection", "connection"]


def test_no_answer_within_the_timeout(proxy: Proxy) -> None:
    calls: list[RemoteCall] = []
    proxy.script = ["hang"]
    endpoint = _endpoint(proxy.url, calls, timeout_s=0.5, retries=0)
    start = time.monotonic()
    with pytest.raises(EndpointError, match=r"no answer within 0\.5 s"):
        endpoint.chat(MODEL, [{"role": "user", "content": "x"}], max_tokens=4)
    assert time.monotonic() - start < 10
    assert [c.outcome for c in calls] == ["timeout"]
    assert proxy.seen[0].client_closed.wait(10)


@pytest.mark.parametrize("stream", [True, False])
def test_a_request_nobody_waits_for_is_closed(proxy: Proxy, stream: bool) -> None:
    """The request's deadline passes while the server is still working: the call stops at once and
    the server sees the connection closed (it would otherwise generate for nobody)."""
    calls: list[RemoteCall] = []
    proxy.script = ["hang"]
    endpoint = _endpoint(proxy.url, calls, stream=stream, timeout_s=60.0)
    ticket = Ticket()
    threading.Timer(0.5, ticket.cancel, args=("the client went away",)).start()
    start = time.monotonic()
    with working_for(ticket), pytest.raises(WorkCancelledError, match="the client went away"):
        endpoint.chat(MODEL, [{"role": "user", "content": "x"}], max_tokens=4)
    assert time.monotonic() - start < 10
    assert proxy.seen[0].client_closed.wait(10)
    assert [c.outcome for c in calls] == ["cancelled"]


def test_a_deadline_shortens_the_request_timeout(proxy: Proxy) -> None:
    proxy.script = ["hang"]
    endpoint = _endpoint(proxy.url, timeout_s=60.0)
    start = time.monotonic()
    with working_for(Ticket(timeout_s=0.5)), pytest.raises(WorkCancelledError, match="timed out"):
        endpoint.chat(MODEL, [{"role": "user", "content": "x"}], max_tokens=4)
    assert time.monotonic() - start < 10
    assert proxy.seen[0].client_closed.wait(10)


def test_concurrency_is_limited(proxy: Proxy, tiny_causal_lm: Path) -> None:
    endpoint = _endpoint(proxy.url, concurrency=2)
    threads = [
        threading.Thread(
            target=endpoint.chat,
            args=(str(tiny_causal_lm), [{"role": "user", "content": f"phrase {i}"}]),
            kwargs={"max_tokens": 16},
        )
        for i in range(5)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert len(proxy.seen) == 5
    assert 1 <= proxy.max_inflight <= 2


def test_the_api_key_comes_from_a_file_and_is_never_logged(
    proxy: Proxy, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    from service.config import Settings
    from service.llm.client import endpoint_from_settings

    key_file = tmp_path / "key"
    key_file.write_text("s3cret-key\n")
    settings = Settings(llm_url=proxy.url, llm_api_key_file=key_file, llm_retries=0)
    proxy.script = ["status:500"]
    with caplog.at_level("DEBUG"), pytest.raises(EndpointError) as caught:
        endpoint_from_settings(settings).chat(MODEL, [{"role": "user", "content": "x"}], max_tokens=4)
    assert proxy.seen[0].headers["Authorization"] == "Bearer s3cret-key"
    assert "s3cret" not in caplog.text and "s3cret" not in str(caught.value)
    assert "s3cret" not in repr(settings)


def test_read_bullets() -> None:
    assert read_bullets(GOOD, 3) == json.loads(GOOD)["bullets"]
    assert read_bullets(f"```json\n{GOOD}\n```", 3) == json.loads(GOOD)["bullets"]
    assert read_bullets('{"bullets": ["a b.", "a b.", "c d."]}', 3) is None  # a repeated bullet
    assert read_bullets('{"bullets": ["Un.", "Deux."]}', 3) is None
    assert read_bullets('{"items": ["Un.", "Deux.", "Trois."]}', 3) is None
    assert read_bullets("- Un.\n- Deux.\n- Trois.", 3) is None  # not the JSON asked for
    assert read_bullets('{"bullets": ["Un.", 2, "Trois."]}', 3) is None
