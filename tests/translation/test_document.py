"""Whole-document translation with a deterministic fake translator (no model)."""

from __future__ import annotations

from collections.abc import Sequence

import pytest

from service.quality.repair import SegmentChecker
from service.schemas import TranslationOut
from service.text.glossary import default_glossary
from service.text.segment import segment
from service.translation.base import ModelInfo, Translation
from service.translation.document import (
    DocumentTranslation,
    rebuild_layout,
    translate_document,
    translate_documents,
)


class UpperTranslator:
    """Deterministic stand-in: 'translates' by upper-casing and counts its calls."""

    def __init__(self) -> None:
        self.calls: list[list[str]] = []

    @property
    def models(self) -> list[ModelInfo]:
        return [ModelInfo("fake/upper", "0")]

    def translate(self, texts: Sequence[str], src: str, tgt: str) -> list[Translation]:
        self.calls.append(list(texts))
        return [Translation(t.upper(), -0.5, looped="LOOP" in t.upper()) for t in texts]


def test_segments_follow_sentences_and_paragraphs(sample_text: str) -> None:
    result = translate_document(sample_text, "fr", "en", UpperTranslator())
    sentences = segment(sample_text)
    assert [s.source for s in result.segments] == [s.text for s in sentences]
    assert [s.paragraph for s in result.segments] == [s.paragraph for s in sentences]
    assert result.segments[-1].paragraph == sample_text.strip().count("\n\n")
    assert result.translation.count("\n\n") == sample_text.count("\n\n")
    assert result.models == [ModelInfo("fake/upper", "0")]


def test_layout_survives_translation() -> None:
    text = "\n  Premier. Deuxième phrase.\n\n\n\nTroisième\nQuatrième.  \n"
    result = translate_document(text, "fr", "en", UpperTranslator())
    assert result.translation == "\n  PREMIER. DEUXIÈME PHRASE.\n\n\n\nTROISIÈME\nQUATRIÈME.  \n"


def test_empty_input_gives_empty_output_without_calling_the_model() -> None:
    fake = UpperTranslator()
    for text in ("", "   \n\n  "):
        result = translate_document(text, "fr", "en", fake)
        assert result.translation == text
        assert result.segments == []
    assert fake.calls == []


def test_rebuild_layout_collapses_inline_gaps_only() -> None:
    text = "Un.   Deux.\nTrois."
    sentences = segment(text)
    assert rebuild_layout(text, sentences, ["A", "B", "C"]) == "A B\nC"


def test_looped_segment_is_flagged_in_json() -> None:
    result = translate_document("Il a dit loop. Fin.", "fr", "en", UpperTranslator())
    data = TranslationOut.of(result).model_dump(mode="json")
    assert data["segments"][0]["flags"] == ["loop"]
    assert data["segments"][1]["flags"] == []
    assert set(data) == {"source_lang", "target_lang", "review", "translation", "models", "segments"}
    assert data["review"] is True


def test_checker_repairs_numbers_and_flags_what_it_cannot_repair() -> None:
    from service.quality.repair import SegmentChecker
    from service.text.glossary import default_glossary

    class Mangler:
        @property
        def models(self) -> list[ModelInfo]:
            return [ModelInfo("fake/mangler", "0")]

        def translate(self, texts: Sequence[str], src: str, tgt: str) -> list[Translation]:
            table = {
                "Les exportations ont augmenté de 2,5 %.": "Exports rose 25%.",
                "Le ministre Cho Tae-yul est arrivé.": "The minister arrived.",
            }
            return [Translation(table.get(t, t), -0.2) for t in texts]

    text = "Les exportations ont augmenté de 2,5 %. Le ministre Cho Tae-yul est arrivé."
    result = translate_document(text, "fr", "en", Mangler(), SegmentChecker(default_glossary()))
    assert result.translation == "Exports rose 2.5%. The minister arrived."
    # This engine cannot align, so the name cannot be written in: wrong, and flagged as not applied.
    assert [s.flags for s in result.segments] == [(), ("entity_mismatch", "term_not_applied")]
    assert result.review


class KoreanByRote:
    """Deterministic stand-in: a fixed Korean sentence for each French one."""

    def __init__(self, answers: dict[str, str]) -> None:
        self.answers = answers

    @property
    def models(self) -> list[ModelInfo]:
        return [ModelInfo("fake/rote", "0")]

    def translate(self, texts: Sequence[str], src: str, tgt: str) -> list[Translation]:
        return [Translation(self.answers[t], -0.5) for t in texts]


def _checked_in_dispatch(answers: dict[str, str]) -> DocumentTranslation:
    """The two-paragraph Korean dispatch made of ``answers``' sources (lead first), checked."""
    [result] = translate_documents(
        ["\n\n".join(answers)], "fr", "ko", KoreanByRote(answers), SegmentChecker(default_glossary())
    )
    return result


@pytest.mark.parametrize(("day", "flagged"), [("8일", False), ("18일", True)])
def test_a_later_sentence_is_checked_with_its_dispatch_dateline(day: str, flagged: bool) -> None:
    lead = "SÉOUL, 9 avril (Yonhap) -- Le ministère de l'Économie a présenté son plan."
    later = "Le ministre a annoncé mardi une aide de 3 milliards de wons."
    result = _checked_in_dispatch(
        {
            lead: "(서울=연합뉴스) 기획재정부가 9일 계획을 발표했다.",
            later: f"장관은 {day} 30억 원 규모의 지원을 발표했다.",
        }
    )
    assert [s.source for s in result.segments] == [lead, later]
    assert ("number_mismatch" in result.segments[1].flags) is flagged


@pytest.mark.parametrize(("ministry", "flagged"), [("통일부", False), ("국방부", True)])
def test_a_later_sentence_is_checked_against_the_names_of_its_dispatch(ministry: str, flagged: bool) -> None:
    """ "Le ministère" → "통일부" only where the dispatch names the Unification Ministry."""
    lead = "SÉOUL, 8 janv. (Yonhap) -- Le ministère de l'Unification a publié ses chiffres."
    later = "Le ministère s'attend à accueillir 150 transfuges cette année."
    result = _checked_in_dispatch(
        {
            lead: "(서울=연합뉴스) 통일부가 8일 통계를 발표했다.",
            later: f"{ministry}는 올해 탈북민 150명의 입국을 예상했다.",
        }
    )
    assert ("entity_mismatch" in result.segments[1].flags) is flagged
