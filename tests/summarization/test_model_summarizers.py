"""The seq2seq and instruct summarizers on tiny models built at test time."""

from __future__ import annotations

from pathlib import Path

import pytest

from service.config import Settings
from service.errors import BrokenModelError, MtsError
from service.models.info import ModelInfo
from service.runtime import Runtime
from service.summarization.base import MalformedSummaryError
from service.summarization.extractive import ExtractiveSummarizer
from service.summarization.instruct import InstructSummarizer
from service.summarization.registry import parse_summarizer
from service.summarization.seq2seq import Seq2SeqSummarizer

ENGLISH_DOC = (
    "BRUSSELS, March 12 (Yonhap) -- South Korea and the European Union held their first space security "
    "dialogue in Brussels on Wednesday, the foreign ministry said. "
) * 12


@pytest.fixture(scope="module")
def bart(tiny_bart: Path) -> Seq2SeqSummarizer:
    return Seq2SeqSummarizer(tiny_bart, ModelInfo("tiny/bart", "local"), device="cpu", num_beams=1)


@pytest.fixture(scope="module")
def instruct(tiny_causal_lm: Path) -> InstructSummarizer:
    return InstructSummarizer(tiny_causal_lm, ModelInfo("tiny/causal", "local"), device="cpu")


def test_seq2seq_summarizer_writes_at_most_n_english_bullets(bart: Seq2SeqSummarizer) -> None:
    bullets = bart.summarize(ENGLISH_DOC[:400], "en", 3)
    assert len(bullets) <= 3
    assert all(isinstance(b, str) and b for b in bullets)
    assert bart.name == "seq2seq:tiny/bart"
    with pytest.raises(ValueError, match="English bullets only"):
        bart.summarize(ENGLISH_DOC, "fr", 3)


def test_seq2seq_long_document_is_summarized_in_parts_not_truncated(bart: Seq2SeqSummarizer) -> None:
    assert bart.count_tokens(ENGLISH_DOC) > bart.input_budget
    parts = bart._parts(ENGLISH_DOC)
    assert len(parts) > 1
    assert all(bart.count_tokens(p) <= bart.input_budget for p in parts)
    assert " ".join(parts).split() == ENGLISH_DOC.split()


def test_instruct_malformed_answer_is_retried_once_then_falls_back(
    instruct: InstructSummarizer, monkeypatch: pytest.MonkeyPatch, sample_text: str
) -> None:
    calls: list[list[dict[str, str]]] = []
    monkeypatch.setattr(
        instruct, "complete", lambda messages, budget: calls.append(messages) or "Je ne sais pas."
    )
    with pytest.raises(MalformedSummaryError, match="malformed answer twice"):
        instruct.summarize(sample_text, "ko", 3)
    assert len(calls) == 2
    assert calls[1][-1]["role"] == "user" and "exactly 3 lines" in calls[1][-1]["content"]


def test_instruct_well_formed_answer_becomes_bullets(
    instruct: InstructSummarizer, monkeypatch: pytest.MonkeyPatch, sample_text: str
) -> None:
    answer = "Voici le résumé :\n- Premier point.\n- Deuxième point.\n- Troisième point.\n"
    monkeypatch.setattr(instruct, "complete", lambda messages, budget: answer)
    assert instruct.summarize(sample_text, "fr", 3) == [
        "Premier point.",
        "Deuxième point.",
        "Troisième point.",
    ]
    assert instruct.prompt_ref == f"summarize-bullets@{instruct.prompt.version}"


def test_instruct_runs_the_real_model_through_the_chat_template(
    instruct: InstructSummarizer, sample_text: str
) -> None:
    messages = instruct.prompt.render(document=sample_text, language="en", n_bullets=3)
    answer = instruct.complete(messages, 16)
    assert isinstance(answer, str)
    # Random weights cannot follow the format: the summarizer must give up cleanly.
    with pytest.raises(MalformedSummaryError):
        instruct.summarize(sample_text, "en", 3)


def test_instruct_model_without_chat_template_is_refused(tmp_path: Path) -> None:
    from tiny_models import build_causal_lm

    path = build_causal_lm(tmp_path / "no-template", chat_template=False)
    with pytest.raises(BrokenModelError, match="no chat template"):
        InstructSummarizer(path, ModelInfo("tiny/plain", "local"), device="cpu")


def test_runtime_resolves_summarizer_names(tiny_bart: Path) -> None:
    runtime = Runtime(Settings(device="cpu"))
    try:
        assert runtime.summarizer("extractive").name == "extractive"
        loaded = runtime.summarizer(f"seq2seq:{tiny_bart}")
        assert loaded.name == f"seq2seq:{tiny_bart}"
        assert runtime.summarizer(f"seq2seq:{tiny_bart}").models == loaded.models, "loaded once"
        with pytest.raises(MtsError, match="unknown summarizer"):
            runtime.summarizer("abstractive")
        with pytest.raises(MtsError, match="unknown summarizer"):
            runtime.summarizer("instruct:")
    finally:
        runtime.close()


@pytest.mark.parametrize("kind", ["extractive", "seq2seq", "instruct", "openai"])
def test_summarizer_kinds_declare_the_languages_of_their_classes(kind: str) -> None:
    from service.summarization.endpoint import EndpointSummarizer
    from service.summarization.instruct import InstructSummarizer as Instruct

    classes = {
        "extractive": ExtractiveSummarizer,
        "seq2seq": Seq2SeqSummarizer,
        "instruct": Instruct,
        "openai": EndpointSummarizer,
    }
    parsed = parse_summarizer("extractive" if kind == "extractive" else f"{kind}:some/model")
    assert parsed.input_lang == classes[kind].input_lang
    assert parsed.output_langs == classes[kind].output_langs
