"""A translation route through an OpenAI-compatible server (``MTS_MODEL_FR_KO=openai:<model>``): requests
as specified, alignment validated with single-sentence retries, and the seq2seq path's behaviour
(order, paragraphs, no truncation, flags) through the whole pipeline. The server is a real
``transformers serve`` with a tiny random causal LM; where a test needs usable translations, the
recording proxy answers each numbered sentence with a stand-in (``[sentence]``)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from llm_server import Proxy, free_port, glossary_asked, sentences_asked, stand_in
from test_cli import assert_exit_follows_review, assert_one_line_error, run

from service.config import Settings
from service.llm.client import ChatEndpoint, RemoteCall
from service.pipeline import DispatchRequest
from service.runtime import Runtime
from service.text.segment import segment
from service.translation.endpoint import EndpointTranslator, TranslationUnavailableError, read_translations

SENTENCES = [
    "La Corée du Sud et l'Union européenne ont tenu mercredi leur premier dialogue sur la sécurité spatiale.",
    "Le ministre Park Min-ho a souligné l'importance de l'espace.",
    "Séoul consacrera 1.500 milliards de wons à son programme spatial en 2025.",
]


def _translator(
    proxy: Proxy, model: Path, calls: list[RemoteCall] | None = None, **kwargs: int
) -> EndpointTranslator:
    endpoint = ChatEndpoint(proxy.url, retries=0, on_call=None if calls is None else calls.append)
    return EndpointTranslator(str(model), endpoint, **kwargs)


def test_sentences_go_numbered_and_come_back_in_order(llm_proxy: Proxy, tiny_causal_lm: Path) -> None:
    llm_proxy.default = "translate"
    texts = [*SENTENCES, "", *(f"Phrase numéro {i} du communiqué." for i in range(17))]
    out = _translator(llm_proxy, tiny_causal_lm).translate(texts, "fr", "ko")
    assert [t.text for t in out] == [stand_in(t) if t else "" for t in texts]
    # 20 sentences in groups of 8, sent side by side; the empty text was not sent.
    assert sorted(len(sentences_asked(s.body)) for s in llm_proxy.seen) == [4, 8, 8]
    schemas = [
        s.body["response_format"]["json_schema"]["schema"]["properties"]["translations"]
        for s in llm_proxy.seen
    ]
    assert sorted(schema["minItems"] for schema in schemas) == [4, 8, 8]
    first = next(s.body for s in llm_proxy.seen if SENTENCES[0] in s.body["messages"][-1]["content"])
    assert [m["role"] for m in first["messages"]] == ["system", "user"]
    assert f"<<<SENTENCES\n1. {SENTENCES[0]}\n2. {SENTENCES[1]}\n" in first["messages"][1]["content"]
    assert "into Korean" in first["messages"][1]["content"] and first["temperature"] == 0


def test_a_merged_sentence_is_asked_for_singly(llm_proxy: Proxy, tiny_causal_lm: Path) -> None:
    llm_proxy.script = ["merge"]
    llm_proxy.default = "translate"
    out = _translator(llm_proxy, tiny_causal_lm).translate(SENTENCES, "fr", "en")
    assert [t.text for t in out] == [stand_in(s) for s in SENTENCES]
    sizes = [len(sentences_asked(s.body)) for s in llm_proxy.seen]
    assert sizes == [3, 1, 1, 1]


def test_nonsense_fails_the_call_with_the_reason(llm_proxy: Proxy, tiny_causal_lm: Path) -> None:
    """The real model's answers are nonsense: the group is retried sentence by sentence, and the first
    sentence that still gets nothing usable fails the call (never a dropped or untranslated one)."""
    calls: list[RemoteCall] = []
    with pytest.raises(TranslationUnavailableError, match=r"gave no usable fr→ko translation of a sentence"):
        _translator(llm_proxy, tiny_causal_lm, calls).translate(SENTENCES, "fr", "ko")
    assert [c.outcome for c in calls] == ["ok", "ok"]  # the group, then the first sentence alone


def test_read_translations() -> None:
    sources = ["Le ministre est arrivé à Séoul mardi soir.", "Fin."]
    assert read_translations(
        '{"translations": ["The minister arrived in Seoul on Tuesday.", "End."]}', sources
    )
    assert read_translations('```json\n{"translations": ["The minister arrived.", "End."]}\n```', sources)
    assert read_translations('{"translations": ["The minister arrived in Seoul. End."]}', sources) is None
    assert read_translations('{"translations": ["The minister arrived in Seoul.", ""]}', sources) is None
    assert read_translations('{"translations": ["Seoul.", "End."]}', sources) is None  # far too short
    assert read_translations('{"translations": ["' + "x" * 200 + '", "End."]}', sources) is None
    assert read_translations("1. The minister arrived.\n2. End.", sources) is None


@pytest.fixture
def remote_runtime(tiny_marian: Path, llm_proxy: Proxy, tiny_causal_lm: Path) -> Iterator[Runtime]:
    settings = Settings(
        model_fr_en=str(tiny_marian), model_fr_ko=f"openai:{tiny_causal_lm}", llm_url=llm_proxy.url,
        num_beams=1, device="cpu",
    )  # fmt: skip
    runtime = Runtime(settings)
    yield runtime
    runtime.close()


def test_the_pipeline_keeps_order_paragraphs_and_flags(
    remote_runtime: Runtime, llm_proxy: Proxy, tiny_causal_lm: Path, sample_text: str
) -> None:
    llm_proxy.default = "translate"
    result = remote_runtime.pipeline.process(DispatchRequest(text=sample_text, langs=("ko",), bullets=3))
    korean = result.translations["ko"]
    sources = [s.text for s in segment(sample_text)]
    # One segment per source sentence, in order, each translated whole (nothing cut).
    assert [s.source for s in korean.segments] == sources
    assert all(s.translation.startswith("[") and s.translation.endswith("]") for s in korean.segments)
    # The paragraph structure of the source.
    assert korean.text.count("\n\n") == sample_text.strip().count("\n\n")
    # The checks of any translator: the stand-ins are French, so Korean sentences come back
    # flagged untranslated.
    flags = {flag for s in korean.segments for flag in s.flags}
    assert "untranslated" in flags
    # The glossary's terms were in the prompt of the sentences holding them, and the answers that
    # followed it need no repair: no term is left unapplied.
    glossaries = [glossary_asked(s.body) for s in llm_proxy.seen]
    assert any(g.get("Corée du Sud") == "한국" for g in glossaries)
    assert "term_not_applied" not in flags
    model = korean.models[0]
    assert (model.id, model.revision, model.prompt) == (
        str(tiny_causal_lm),
        "remote",
        "translate-sentences@2",
    )
    # The English bullets were translated into Korean through the server too.
    assert result.summaries["ko"] and all(b.text.startswith("[") for b in result.summaries["ko"])


@pytest.mark.slow
def test_process_through_the_server_and_when_it_is_down(
    models_env: dict[str, str], llm_proxy: Proxy, tiny_causal_lm: Path
) -> None:
    from conftest import SAMPLE

    llm_proxy.default = "translate"
    env = models_env | {"MTS_MODEL_FR_KO": f"openai:{tiny_causal_lm}", "MTS_LLM_URL": llm_proxy.url}
    data = assert_exit_follows_review(run("process", "--json", "--langs", "ko", str(SAMPLE), env=env))
    assert data["models"]["translation"]["ko"][0]["prompt"] == "translate-sentences@2"
    assert all(s["translation"].startswith("[") for s in data["translations"]["ko"]["segments"])

    down = env | {"MTS_LLM_URL": f"http://127.0.0.1:{free_port()}/v1", "MTS_LLM_RETRIES": "0"}
    proc = run("process", "--json", "--langs", "ko", str(SAMPLE), env=down)
    assert_one_line_error(proc, "openai:", "cannot connect")
    info = run("models", "list", env=env)
    assert info.returncode == 0 and "remote" in info.stdout, info.stderr


def test_an_openai_route_without_a_model_name_is_one_clear_error(tiny_marian: Path, tmp_path: Path) -> None:
    from service.errors import ConfigurationError

    settings = Settings(
        model_fr_en=str(tiny_marian),
        model_fr_ko="openai: ",
        llm_url="http://127.0.0.1:9/v1",
        models_dir=tmp_path,
    )
    runtime = Runtime(settings)
    try:
        with pytest.raises(ConfigurationError, match=r"^MTS_MODEL_FR_KO: openai: needs the server's name"):
            runtime.check_available(("ko",), summaries=False)
    finally:
        runtime.close()
