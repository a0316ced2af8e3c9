"""openai:<model> summaries through `mts process` against a real ``transformers serve`` (through the
recording proxy), and a server that is down (tests/api/test_llm_summarizer.py: the API's side)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from llm_server import GOOD, Proxy, answers, free_port
from test_cli import assert_exit_follows_review, assert_one_line_error, run


@pytest.mark.slow
def test_process_summarizes_through_the_server(
    models_env: dict[str, str], llm_proxy: Proxy, tiny_causal_lm: Path
) -> None:
    from conftest import SAMPLE

    spec = f"openai:{tiny_causal_lm}"
    env = models_env | {"MTS_LLM_URL": llm_proxy.url}
    llm_proxy.script = answers()
    data = assert_exit_follows_review(run("process", "--json", "--summarizer", spec, str(SAMPLE), env=env))
    assert data["summarizer"]["used"] == spec and data["summarizer"]["fallback_reason"] is None
    assert data["models"]["summarizer"] == [
        {
            "id": str(tiny_causal_lm),
            "revision": "remote",
            "backend": f"openai@{llm_proxy.origin}",
            "prompt": "summarize-bullets-json@1",
        }
    ]
    assert data["prompt"] == "summarize-bullets-json@1"
    assert {lang: [b["text"] for b in bullets] for lang, bullets in data["summaries"].items()} == GOOD
    assert [s.body["messages"][0]["content"].count("in Korean") for s in llm_proxy.seen][-1] == 1

    # The real model's nonsense: asked twice per language, then extractive, with the reason.
    data = assert_exit_follows_review(run("process", "--json", "--summarizer", spec, str(SAMPLE), env=env))
    assert data["summarizer"]["used"] == "extractive"
    assert "malformed answer twice" in data["summarizer"]["fallback_reason"]
    assert len(data["summaries"]["ko"]) == 3


@pytest.mark.slow
def test_process_falls_back_when_the_server_is_down(models_env: dict[str, str], tiny_causal_lm: Path) -> None:
    from conftest import SAMPLE

    env = models_env | {"MTS_LLM_URL": f"http://127.0.0.1:{free_port()}/v1", "MTS_LLM_RETRIES": "0"}
    proc = run("process", "--json", "--summarizer", "openai:any-model", str(SAMPLE), env=env)
    data = assert_exit_follows_review(proc)
    reason = data["summarizer"]["fallback_reason"]
    assert data["summarizer"]["used"] == "extractive"
    assert (
        reason.startswith("openai:any-model: LLM endpoint http://127.0.0.1:") and "cannot connect" in reason
    )
    assert "\n" not in reason and "Traceback" not in proc.stderr


def test_an_openai_summarizer_needs_the_server_url(models_env: dict[str, str]) -> None:
    proc = run(
        "process", "--summarizer", "openai:any-model", env=models_env, stdin="Le ministre a parlé.".encode()
    )
    assert_one_line_error(proc, "MTS_LLM_URL")
    proc = run("process", "--summarizer", "openai:", env=models_env, stdin=b"Salut.")
    assert_one_line_error(proc, "unknown summarizer")


@pytest.mark.slow
def test_eval_scores_an_endpoint_summarizer(tmp_path: Path, llm_proxy: Proxy, tiny_causal_lm: Path) -> None:
    """`mts eval run --summarizer openai:…` scores the server's bullets; where it gives none, the
    extractive ones the service would deliver, counted in the report."""
    spec = f"openai:{tiny_causal_lm}"
    env = {"MTS_LLM_URL": llm_proxy.url}
    proc = run(
        "eval", "run", "--suite", "offline", "--summarizer", spec, "--report", str(tmp_path), "--bootstrap", "0",
        env=env,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    report = json.loads(next(tmp_path.glob("*.json")).read_text(encoding="utf-8"))
    assert report["summarizer"] == spec and report["prompt"] == "summarize-bullets-json@1"
    # The tiny model's answers are nonsense: every dispatch fell back, each after two requests.
    assert report["fallbacks"] == report["dispatches"] > 0
    assert "malformed answer twice" in report["fallback_reason"]
    assert len(llm_proxy.seen) == 2 * report["dispatches"]
    assert f"fell back to extractive on {report['dispatches']} of {report['dispatches']}" in proc.stdout
    assert_one_line_error(run("eval", "run", "--summarizer", "magic", env=env), "unknown summarizer")
