"""The dispatch pipeline with deterministic fakes (no model) for translation and summaries."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import pytest

from service.config import Settings
from service.errors import MtsError
from service.models.info import ModelInfo
from service.pipeline import DispatchRequest, DispatchResult, Pipeline, content_id
from service.quality.flags import Finding, Thresholds
from service.quality.repair import SegmentChecker
from service.schemas import DispatchOut, SegmentOut
from service.summarization.base import MalformedSummaryError, Summarizer
from service.summarization.extractive import ExtractiveSummarizer
from service.summarization.registry import parse_summarizer
from service.text.glossary import Glossary, default_glossary
from service.text.segment import segment
from service.translation.base import Translation, Translator


def as_json(result: DispatchResult) -> dict[str, Any]:
    """What ``mts process --json``, the API and the batch job print for a result."""
    return DispatchOut.of(result).model_dump(mode="json")


class TaggingTranslator:
    """Deterministic stand-in: keeps the text (numbers and names survive) and tags the language."""

    def __init__(self, src: str, tgt: str) -> None:
        self.src, self.tgt = src, tgt
        self.calls: list[list[str]] = []

    @property
    def models(self) -> list[ModelInfo]:
        return [ModelInfo(f"fake/{self.src}-{self.tgt}", "0")]

    def translate(self, texts: Sequence[str], src: str, tgt: str) -> list[Translation]:
        self.calls.append(list(texts))
        return [Translation(f"[{tgt}] {t}" if t.strip() else "", -0.1) for t in texts]


class FakeModels:
    """The pipeline's model source with deterministic stand-ins (the runtime's role)."""

    def __init__(self, summarizer: Summarizer | None = None) -> None:
        self.fakes: dict[tuple[str, str], TaggingTranslator] = {}
        self.scripted = summarizer

    def translator(self, src: str, tgt: str) -> Translator:
        return self.fakes.setdefault((src, tgt), TaggingTranslator(src, tgt))

    def summarizer(self, spec: str | None = None) -> Summarizer:
        if spec == "scripted" and self.scripted is not None:
            return self.scripted
        parse_summarizer(spec or "extractive")  # an unknown name is the same error as the runtime's
        return ExtractiveSummarizer()

    def checker(self, glossary: Glossary | None = None, style: str | None = None) -> SegmentChecker:
        base = default_glossary()
        return SegmentChecker(base.merged(glossary) if glossary else base, Thresholds(), style=style)


class ScriptedSummarizer:
    """A summarizer whose bullets are given, to test the pipeline's handling of them."""

    def __init__(
        self, bullets: list[str], *, input_lang: str = "fr", output_langs: frozenset[str] = frozenset({"fr"})
    ) -> None:
        self.name = "scripted"
        self.input_lang = input_lang
        self.output_langs = output_langs
        self.bullets = bullets
        self.documents: list[str] = []

    @property
    def models(self) -> list[ModelInfo]:
        return [ModelInfo("fake/summarizer", "1")]

    @property
    def prompt_ref(self) -> str | None:
        return "scripted@1"

    def summarize(self, document: str, lang: str, n: int) -> list[str]:
        self.documents.append(document)
        if not self.bullets:
            raise MalformedSummaryError("scripted summarizer had nothing to say")
        return self.bullets[:n]


def make_pipeline(summarizer: Summarizer | None = None) -> tuple[Pipeline, FakeModels]:
    models = FakeModels(summarizer)
    return Pipeline(Settings(), models), models


def test_result_has_every_key_and_bullets_in_three_languages(sample_text: str) -> None:
    pipeline, _ = make_pipeline()
    result = as_json(pipeline.process(DispatchRequest(text=sample_text, bullets=4)))
    assert set(result) >= {
        "id",
        "review",
        "source",
        "translations",
        "summaries",
        "models",
        "prompt",
        "timings_ms",
    }
    assert result["id"] == content_id(sample_text)
    assert result["source"] == {"lang": "fr", "text": sample_text}
    assert set(result["translations"]) == {"en", "ko"}
    assert set(result["summaries"]) == {"fr", "en", "ko"}
    for lang in ("fr", "en", "ko"):
        assert len(result["summaries"][lang]) == 4
        for bullet in result["summaries"][lang]:
            assert set(bullet) == {"text", "supported", "unsupported", "flags"}
            assert isinstance(bullet["supported"], bool)
    assert all(b["supported"] for b in result["summaries"]["fr"]), "extractive bullets come from the source"
    assert result["summaries"]["en"][0]["text"].startswith("[en] ")
    assert result["prompt"] is None
    assert result["summarizer"] == {"requested": "extractive", "used": "extractive", "fallback_reason": None}
    assert result["models"]["translation"]["ko"] == [{"id": "fake/fr-ko", "revision": "0"}]
    assert {"translate_en", "translate_ko", "summarize", "total"} <= set(result["timings_ms"])


def test_given_id_and_language_subset(sample_text: str) -> None:
    pipeline, models = make_pipeline()
    result = as_json(pipeline.process(DispatchRequest(text=sample_text, id="yna-42", langs=("en",))))
    assert result["id"] == "yna-42"
    assert set(result["translations"]) == {"en"}
    assert set(result["summaries"]) == {"fr", "en"}
    assert ("fr", "ko") not in models.fakes


def test_bullets_written_in_english_are_translated_to_the_other_languages(sample_text: str) -> None:
    english = ScriptedSummarizer(
        ["[en] Seoul and the EU held a dialogue.", "It lasted 6 hours.", "A third."],
        input_lang="en",
        output_langs=frozenset({"en"}),
    )
    pipeline, models = make_pipeline(english)
    result = as_json(pipeline.process(DispatchRequest(text=sample_text, summarizer="scripted")))
    assert english.documents[0].startswith("[en] "), "the summarizer reads the English translation"
    assert [b["text"] for b in result["summaries"]["en"]][1] == "It lasted 6 hours."
    assert result["summaries"]["fr"][1]["text"] == "[fr] It lasted 6 hours."
    assert result["summaries"]["ko"][1]["text"] == "[ko] It lasted 6 hours."
    assert ("en", "fr") in models.fakes and ("en", "ko") in models.fakes
    assert result["prompt"] == "scripted@1"


def test_a_bullet_that_is_a_sentence_of_the_dispatch_takes_its_checked_translation() -> None:
    text = (
        "Le ministre est arrivé à Séoul mardi. Il a rencontré 300 personnes. La réunion a duré deux heures."
    )
    bullets = [
        "Le ministre est arrivé à Séoul mardi.",
        "Le ministre a vu 300 personnes.",
        "Il a rencontré 300 personnes.",
    ]
    pipeline, models = make_pipeline(ScriptedSummarizer(bullets))
    result = pipeline.process(DispatchRequest(text=text, summarizer="scripted", langs=("en", "ko")))
    for lang in ("en", "ko"):
        segments = {s.source: s.translation for s in result.translations[lang].segments}
        assert [b.text for b in result.summaries[lang]] == [
            segments[bullets[0]],
            f"[{lang}] {bullets[1]}",
            segments[bullets[2]],
        ]
        # The dispatch's sentences in one call; then only the bullet that is none of them.
        assert models.fakes[("fr", lang)].calls[-1] == [bullets[1]]


def test_extractive_bullets_that_are_no_sentence_of_the_dispatch_are_translated_with_it() -> None:
    """The extractive summarizer's bullets are known before translating: one that is not a
    sentence of the dispatch (the first, without its dateline) goes into the dispatch's own
    translation call (streamed: with its last sentences), and no call follows."""
    text = (
        "SÉOUL, 3 mars (Yonhap) -- Le ministre est arrivé à Séoul mardi. Il a rencontré 300 "
        "personnes. La réunion a duré deux heures. Un accord sera signé en avril."
    )
    sentences = [s.text for s in segment(text)]
    bullets = ExtractiveSummarizer().summarize(text, "fr", 3)
    extra = [b for b in bullets if b not in sentences]
    assert extra == ["Le ministre est arrivé à Séoul mardi."]
    for streamed in (False, True):
        pipeline, models = make_pipeline(ExtractiveSummarizer())
        request = DispatchRequest(text=text, summarizer="extractive", langs=("en", "ko"))
        result = pipeline.process(request, (lambda *_: None) if streamed else None)
        for lang in ("en", "ko"):
            calls = models.fakes[("fr", lang)].calls
            assert [t for call in calls for t in call] == [*sentences, *extra], (streamed, calls)
            assert calls[-1][-1] == extra[-1] and len(calls[-1]) > len(extra)  # no call of its own
            segments = {s.source: s.translation for s in result.translations[lang].segments}
            assert [b.text for b in result.summaries[lang]] == [
                segments.get(b, f"[{lang}] {b}") for b in bullets
            ]


def test_unsupported_bullets_are_marked_and_strict_drops_them(sample_text: str) -> None:
    bullets = [
        "La Corée du Sud et l'UE ont tenu leur premier dialogue sur la sécurité spatiale.",
        "Le budget spatial atteindra 9.999 milliards de wons.",
        "Le prochain dialogue aura lieu en 2026 à Séoul.",
    ]
    pipeline, _ = make_pipeline(ScriptedSummarizer(bullets))
    result = as_json(pipeline.process(DispatchRequest(text=sample_text, summarizer="scripted")))
    fr = result["summaries"]["fr"]
    assert [b["supported"] for b in fr] == [True, False, True]
    assert fr[1]["unsupported"] == ["9.999 milliards"]
    strict = as_json(pipeline.process(DispatchRequest(text=sample_text, summarizer="scripted", strict=True)))
    assert [b["text"] for b in strict["summaries"]["fr"]] == [bullets[0], bullets[2]]


def test_malformed_summarizer_falls_back_to_extractive_and_says_so(sample_text: str) -> None:
    pipeline, _ = make_pipeline(ScriptedSummarizer([]))
    result = as_json(pipeline.process(DispatchRequest(text=sample_text, summarizer="scripted")))
    assert result["summarizer"]["used"] == "extractive"
    assert result["summarizer"]["fallback_reason"] == "scripted summarizer had nothing to say"
    assert len(result["summaries"]["fr"]) == 3


def test_summaries_can_be_skipped(sample_text: str) -> None:
    pipeline, _ = make_pipeline()
    result = as_json(pipeline.process(DispatchRequest(text=sample_text, summaries=False)))
    assert result["summaries"] == {}


@pytest.mark.parametrize(
    ("request_", "message"),
    [
        (DispatchRequest(text="Salut.", langs=("de",)), "unsupported target language"),
        (DispatchRequest(text="Salut.", bullets=7), "between 3 and 5"),
        (DispatchRequest(text="Salut.", summarizer="magic"), "unknown summarizer"),
    ],
)
def test_bad_requests_are_clear_errors(request_: DispatchRequest, message: str) -> None:
    pipeline, _ = make_pipeline()
    with pytest.raises(MtsError, match=message):
        pipeline.process(request_)


def test_markdown_report(sample_text: str) -> None:
    pipeline, _ = make_pipeline(
        ScriptedSummarizer(["Un fait.", "Le budget atteindra 9.999 milliards de wons.", "Un autre fait."])
    )
    markdown = pipeline.process(DispatchRequest(text=sample_text, summarizer="scripted")).to_markdown()
    for heading in ("## English", "## 한국어 (Korean)", "### Français", "### English", "### 한국어 (Korean)"):
        assert heading in markdown
    assert "⚠ not found in the source: 9.999 milliards" in markdown


def test_markdown_lists_flagged_sentences_and_bullets_with_their_reasons() -> None:
    from service.quality.flags import FLAG_DESCRIPTIONS
    from service.summarization.base import Bullet
    from service.translation.document import DocumentTranslation, Segment

    segments = [
        Segment(0, "Il est venu.", "He came.", -0.1),
        Segment(
            0,
            "Il a 3 chats.",
            "He has 4 cats.",
            -0.2,
            (
                Finding("number_mismatch", "“3” of the source is not in the translation"),
                Finding("number_mismatch", "“4” is not in the source"),
                Finding("low_confidence", "mean log-probability -0.20, under -0.10"),
            ),
        ),
    ]
    result = DispatchResult(
        id="d1",
        source_text="Il est venu. Il a 3 chats.",
        translations={"en": DocumentTranslation("fr", "en", "He came. He has 4 cats.", [], segments)},
        summaries={
            "en": [
                Bullet("He came.", True),
                Bullet("He has 4 cats.", False, ("4",), ("number_mismatch",)),
            ]
        },
        summarizer={},
        prompt=None,
    )
    markdown = result.to_markdown()
    english = markdown.split("## English\n", 1)[1].split("\n## ", 1)[0]
    assert "**To check: 1 of 2 sentences**" in english
    assert "- ⚠ sentence 2: He has 4 cats.\n  - source: Il a 3 chats.\n" in english
    # Each flag with what it means, then what it points at.
    assert (
        f"  - number_mismatch: {FLAG_DESCRIPTIONS['number_mismatch']}\n"
        "    - “3” of the source is not in the translation\n"
        "    - “4” is not in the source\n"
        f"  - low_confidence: {FLAG_DESCRIPTIONS['low_confidence']}\n"
        "    - mean log-probability -0.20, under -0.10\n"
    ) in english
    out = SegmentOut.of(segments[1]).model_dump(mode="json")
    assert out["flags"] == ["number_mismatch", "low_confidence"]
    assert out["findings"][1] == {"flag": "number_mismatch", "note": "“4” is not in the source"}
    assert "sentence 1:" not in english
    assert "- He came.\n" in markdown
    assert (
        f"- He has 4 cats. ⚠ not found in the source: 4 ⚠ number_mismatch: {FLAG_DESCRIPTIONS['number_mismatch']}"
        in markdown
    )
    clean = DispatchResult(
        id="d2",
        source_text="Il est venu.",
        translations={"en": DocumentTranslation("fr", "en", "He came.", [], segments[:1])},
        summaries={},
        summarizer={},
        prompt=None,
    )
    assert "To check" not in clean.to_markdown() and "⚠" not in clean.to_markdown()
