"""Glossary terms enforced by word alignment (service.quality.terms), and through the tiny models."""

from __future__ import annotations

import difflib
import re
from pathlib import Path

import pytest
from tiny_models import seq2seq_translator

from service.quality.flags import flags_of
from service.quality.repair import SegmentChecker
from service.quality.terms import enforce_terms, missing_terms, required_terms
from service.text.glossary import Glossary, glossary_from_mapping
from service.text.numbers import extract_numbers
from service.translation.base import Aligner, Translation
from service.translation.document import check_translations

GLOSSARY = glossary_from_mapping(
    [
        {"kind": "person", "fr": "Yoon Suk Yeol", "en": "Yoon Suk Yeol", "ko": "윤석열"},
        {"kind": "person", "fr": "Kim Min-seok", "en": "Kim Min-seok", "ko": "김민석"},
        {"kind": "place", "fr": "Séoul", "en": "Seoul", "ko": "서울"},
        {"kind": "term", "fr": "missile balistique", "en": "ballistic missile", "ko": "탄도미사일"},
    ]
)


def diagonal(source: str, output: str) -> list[tuple[int, int]]:
    """Word i of the output aligned with word i of the source (as far as both go)."""
    return [(i, i) for i in range(min(len(source.split()), len(output.split())))]


def test_the_aligned_words_are_replaced_by_the_term() -> None:
    source = "Le président Yoon Suk Yeol a parlé."
    output = "The president Yun Seok-yol has spoken."
    alignment = [(0, 0), (1, 1), (2, 2), (3, 3), (4, 3), (5, 4), (6, 5)]
    result = enforce_terms(GLOSSARY, source, output, "fr", "en", alignment)
    assert result.text == "The president Yoon Suk Yeol has spoken."
    assert result.unapplied == ()


def test_outer_punctuation_and_the_possessive_are_kept() -> None:
    source = "« Yoon » arrive, dit Séoul."
    glossary = glossary_from_mapping([{"kind": "person", "fr": "Yoon", "en": "Yoon", "ko": "윤"}])
    result = enforce_terms(glossary, source, "«Yun» comes, says Seul.", "fr", "en", [(1, 0), (5, 3)])
    assert result.text == "«Yoon» comes, says Seul."
    possessive = enforce_terms(GLOSSARY, "Le discours de Séoul.", "Soul's speech.", "fr", "en", [(3, 0)])
    assert possessive.text == "Seoul's speech."


def test_each_occurrence_gets_the_term_once() -> None:
    source = "Séoul parle et Séoul écoute."
    output = "Soul speaks and Sul listens."
    result = enforce_terms(GLOSSARY, source, output, "fr", "en", diagonal(source, output))
    assert result.text == "Seoul speaks and Seoul listens."
    assert len(re.findall("Seoul", result.text)) == 2


def test_a_term_already_there_is_left_alone() -> None:
    source = "Séoul parle."
    output = "Seoul speaks."
    assert missing_terms(GLOSSARY, source, output, "fr", "en") == []
    assert enforce_terms(GLOSSARY, source, output, "fr", "en", [(0, 1)]).text == output


def test_without_an_alignment_the_term_is_reported_unapplied() -> None:
    result = enforce_terms(GLOSSARY, "Séoul parle.", "Soul speaks.", "fr", "en", None)
    assert result.text == "Soul speaks."
    assert [e.fr[0] for e in result.unapplied] == ["Séoul"]
    # aligned to nothing the term covers
    nothing = enforce_terms(GLOSSARY, "Séoul parle.", "Soul speaks.", "fr", "en", [(1, 1)])
    assert nothing.text == "Soul speaks." and nothing.unapplied


def test_numbers_and_other_terms_are_never_overwritten() -> None:
    # Séoul aligned with the number: refused
    source = "Séoul a 9 700 000 habitants."
    output = "9,700,000 people live there."
    result = enforce_terms(GLOSSARY, source, output, "fr", "en", [(0, 0)])
    assert result.text == output and result.unapplied
    # Séoul aligned with the rendering of another term: refused
    source = "Séoul lance un missile balistique."
    output = "Ballistic missile launched by Soul."
    result = enforce_terms(GLOSSARY, source, output, "fr", "en", [(0, 0), (0, 1), (3, 0), (4, 1)])
    assert result.text == output
    assert [e.fr[0] for e in result.unapplied] == ["Séoul"]


def test_overlapping_renderings_are_written_once_not_twice() -> None:
    source = "Séoul et Séoul."
    output = "Soul indeed."
    result = enforce_terms(GLOSSARY, source, output, "fr", "en", [(0, 0), (2, 0)])
    assert result.text == "Seoul indeed."
    assert result.unapplied  # the second occurrence has nowhere to go


def test_a_long_run_is_not_replaced() -> None:
    source = "Séoul parle."
    output = "a b c d e f g h speaks."
    result = enforce_terms(GLOSSARY, source, output, "fr", "en", [(0, i) for i in range(8)])
    assert result.text == output and result.unapplied


def test_the_longest_aligned_run_is_replaced_and_words_stay_whole() -> None:
    source = "Le missile balistique vole."
    output = "The balistik misil thing flies far missil."
    # "missile balistique" aligned with words 1, 2 and 6: the run 1-2 is replaced
    alignment = [(0, 0), (1, 1), (2, 2), (1, 6), (3, 4)]
    result = enforce_terms(GLOSSARY, source, output, "fr", "en", alignment)
    assert result.text == "The ballistic missile thing flies far missil."


def test_a_lower_case_term_at_the_start_takes_the_capital() -> None:
    source = "Le missile balistique vole."
    output = "Balistik misil flies."
    result = enforce_terms(GLOSSARY, source, output, "fr", "en", [(1, 0), (2, 1), (3, 2)])
    assert result.text == "Ballistic missile flies."


def test_korean_particle_agrees_with_the_inserted_name() -> None:
    source = "Kim Min-seok a rencontré Yoon Suk Yeol."
    output = "김민서가 윤서결를 만났다."
    alignment = [(0, 0), (1, 0), (4, 1), (5, 1), (6, 1), (3, 2)]
    result = enforce_terms(GLOSSARY, source, output, "fr", "ko", alignment)
    assert result.text == "김민석이 윤석열을 만났다."
    assert result.unapplied == ()


def test_the_checker_flags_term_not_applied_only_when_enforcing() -> None:
    source, output = "Séoul parle.", "Soul speaks."
    _, found = SegmentChecker(GLOSSARY).check(source, output, "fr", "en")
    assert "term_not_applied" in flags_of(found)
    _, off = SegmentChecker(GLOSSARY, enforce_terms=False).check(source, output, "fr", "en")
    assert off and "term_not_applied" not in flags_of(off)
    fixed, found = SegmentChecker(GLOSSARY).check(source, output, "fr", "en", alignment=[(0, 0), (1, 1)])
    assert fixed == "Seoul speaks." and "term_not_applied" not in flags_of(found)


# -- through the tiny models ------------------------------------------------------------------------

# Terms whose target forms the tiny random models never write: enforcement alone can put them there.
TERMS = glossary_from_mapping(
    [
        {"kind": "person", "fr": "Jung Da-eun", "en": "Zorblax Quintavern", "ko": "조르블락스"},
        {"kind": "place", "fr": "Incheon", "en": "Vexmoor Harbour", "ko": "벡스무어"},
        {"kind": "organization", "fr": "Assemblée nationale", "en": "Grand Quorum", "ko": "대쿼럼"},
        {"kind": "term", "fr": "sommet", "en": "apex meeting", "ko": "정점회의"},
    ]
)
SENTENCES = [
    "Jung Da-eun est arrivée à Incheon mardi.",
    "L'Assemblée nationale a adopté le texte par 180 voix contre 95.",
    "Le sommet de Séoul aura lieu à Incheon en 2026.",
    "Jung Da-eun a rencontré Jung Da-eun, dit-on, au sommet.",
    "Les exportations ont progressé de 3,5 % en août.",
    "Un sommet, puis un autre sommet, se tiendront à Incheon.",
    "Selon l'Assemblée nationale, 1 200 personnes étaient présentes à Incheon.",
    "Le ministre a évoqué le sommet avec Jung Da-eun le 9 avril.",
]


def _count(glossary: Glossary, text: str, lang: str) -> dict[str, int]:
    counts: dict[str, int] = {}
    for match in glossary.find(text, lang):
        counts[match.entry.fr[0]] = counts.get(match.entry.fr[0], 0) + 1
    return counts


@pytest.mark.parametrize(
    ("backend", "target"), [("torch", "en"), ("ctranslate2", "en"), ("torch", "ko")], ids=str
)
def test_every_term_is_in_the_output_once_per_occurrence_or_flagged(
    backend: str, target: str, tiny_marian: Path, tiny_m2m100: Path, tmp_path: Path
) -> None:
    path, family = (tiny_marian, "marian") if target == "en" else (tiny_m2m100, "m2m100")
    translator = seq2seq_translator(backend, path, tmp_path / "models", family)
    assert isinstance(translator, Aligner)
    raw = translator.translate(SENTENCES, "fr", target)
    for sentence in raw:  # the tiny models never write the terms themselves
        assert not _count(TERMS, sentence.text, target)
    checked = check_translations(SENTENCES, raw, "fr", target, translator, SegmentChecker(TERMS))
    plain = check_translations(
        SENTENCES, raw, "fr", target, translator, SegmentChecker(TERMS, enforce_terms=False)
    )
    applied = 0
    for source, (output, findings), (before, _) in zip(SENTENCES, checked, plain, strict=True):
        flags = flags_of(findings)
        wanted = _count(TERMS, source, "fr")
        got = _count(TERMS, output, target)
        assert all(got.get(name, 0) <= n for name, n in wanted.items()), (source, output)  # never twice
        assert set(got) <= set(wanted), (source, output)  # no term the source does not have
        if got == wanted:
            applied += sum(wanted.values())
            assert "term_not_applied" not in flags, (source, output)
        else:
            assert "term_not_applied" in flags, (source, output, flags)
        # Only the words written for terms changed: numbers and other words are untouched.
        assert sorted(m.value for m in extract_numbers(output, target)) == sorted(
            m.value for m in extract_numbers(before, target)
        )
        words, old = output.split(), before.split()
        for tag, _, _, j1, j2 in difflib.SequenceMatcher(a=old, b=words, autojunk=False).get_opcodes():
            if tag != "equal":
                assert TERMS.find(" ".join(words[j1:j2]), target), (before, output)
    print(
        f"\n{backend} fr→{target}: {applied} of {sum(len(TERMS.find(s, 'fr')) for s in SENTENCES)} terms applied"
    )


def test_terms_off_leaves_the_model_output(tiny_marian: Path, tmp_path: Path) -> None:
    translator = seq2seq_translator("torch", tiny_marian, tmp_path / "models", "marian")
    raw = translator.translate(SENTENCES[:2], "fr", "en")
    checker = SegmentChecker(TERMS, enforce_terms=False)
    checked = check_translations(SENTENCES[:2], raw, "fr", "en", translator, checker)
    assert [output for output, _ in checked] == [
        checker.check(s, r.text, "fr", "en")[0] for s, r in zip(SENTENCES[:2], raw, strict=True)
    ]
    assert all(not _count(TERMS, output, "en") for output, _ in checked)


@pytest.mark.parametrize("backend", ["torch", "ctranslate2"])
def test_the_term_lands_on_the_word_the_model_attends_to(
    backend: str, tiny_marian: Path, tmp_path: Path
) -> None:
    """A model built to attend target word i to source word [2, 0, 4, 1, 3][i]: the term, the
    third source word, is written over the first target word, through the engine's alignment."""
    from tiny_models import build_attending_marian, single_pieces

    path = build_attending_marian(tmp_path / "permuted", tiny_marian, [[0, 1, 2, 3, 4], [2, 0, 4, 1, 3]])
    translator = seq2seq_translator(backend, path, tmp_path / "models", "marian")
    french = single_pieces(translator, target=False, count=5)
    english = single_pieces(translator, target=True, count=5)
    glossary = glossary_from_mapping([{"kind": "term", "fr": french[2], "en": "Zorblax", "ko": "조르"}])
    source, output = " ".join(french), " ".join(english)
    assert not glossary.find(output, "en")
    [(text, findings)] = check_translations(
        [source], [Translation(output, -0.5)], "fr", "en", translator, SegmentChecker(glossary)
    )
    assert text.split() == ["Zorblax", *english[1:]]
    assert "term_not_applied" not in flags_of(findings)


def test_required_terms_are_what_a_translator_taking_instructions_is_told() -> None:
    glossary = glossary_from_mapping(
        [
            {"kind": "person", "fr": "Yoon Suk Yeol", "en": "Yoon Suk Yeol", "ko": "윤석열"},
            {"kind": "place", "fr": "Corée du Sud|la Corée du Sud", "en": "South Korea", "ko": "한국"},
            {"kind": "term", "fr": "Assemblée nationale", "en": "National Assembly"},
        ]
    )
    source = "Yoon Suk Yeol a quitté la Corée du Sud, puis Yoon Suk Yeol est revenu à l'Assemblée nationale."
    assert required_terms(glossary, source, "fr", "ko") == [
        ("Yoon Suk Yeol", "윤석열"),
        ("la Corée du Sud", "한국"),  # the longest form found
    ]
    assert required_terms(glossary, source, "fr", "en")[-1] == ("Assemblée nationale", "National Assembly")
    assert SegmentChecker(glossary).required_terms(source, "fr", "ko") == required_terms(
        glossary, source, "fr", "ko"
    )
    assert SegmentChecker(glossary, enforce_terms=False).required_terms(source, "fr", "ko") == []
