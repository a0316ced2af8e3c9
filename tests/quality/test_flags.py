"""Per-segment quality flags, repairs, and the fidelity measurement of the flags themselves."""

from __future__ import annotations

import pytest

from service.evaluation.fidelity import (
    CORRUPTIONS,
    Case,
    change_number,
    corrupt,
    make_loop,
    measure_flags,
    swap_name,
)
from service.evaluation.suites import load_suite
from service.quality.flags import FLAGS, Thresholds, bullet_flags, number_problems, segment_flags
from service.quality.repair import SegmentChecker, format_number, repair_names, repair_numbers
from service.quality.repetition import has_loop
from service.text.glossary import Glossary, default_glossary, glossary_from_mapping

GLOSSARY = default_glossary()

SOURCE = "Le ministre Cho Tae-yul a annoncé mercredi à Séoul une hausse de 2,5 % des exportations."
FAITHFUL = {
    "en": "Minister Cho Tae-yul announced on Wednesday in Seoul a 2.5% rise in exports.",
    "ko": "조태열 장관은 수요일 서울에서 수출이 2.5% 늘었다고 발표했다.",
}


def flags(output: str, tgt: str, source: str = SOURCE, **kwargs: float | bool | None) -> list[str]:
    return segment_flags(source, output, "fr", tgt, glossary=GLOSSARY, **kwargs)  # type: ignore[arg-type]


@pytest.mark.parametrize("tgt", ["en", "ko"])
def test_a_faithful_translation_has_no_flags(tgt: str) -> None:
    assert flags(FAITHFUL[tgt], tgt, score=-0.3, min_logprob=-1.5) == []


@pytest.mark.parametrize(
    ("tgt", "output", "expected"),
    [
        (
            "en",
            "Minister Cho Tae-yul announced on Wednesday in Seoul a 25% rise in exports.",
            "number_mismatch",
        ),
        ("en", "Minister Cho Tae-yul announced on Wednesday in Seoul a rise in exports.", "number_mismatch"),
        ("ko", "조태열 장관은 수요일 서울에서 수출이 3.5% 늘었다고 발표했다.", "number_mismatch"),
        (
            "en",
            "Minister Park Jin announced on Wednesday in Seoul a 2.5% rise in exports.",
            "entity_mismatch",
        ),
        ("ko", "박진 장관은 수요일 서울에서 수출이 2.5% 늘었다고 발표했다.", "entity_mismatch"),
        (
            "en",
            "The minister announced on Wednesday in Busan a 2.5% rise in exports, Cho Tae-yul said.",
            "entity_mismatch",
        ),
        ("ko", "조태열 장관은 수요일 Séoul에서 수출이 2.5% 늘었다고 발표했다.", "entity_mismatch"),
        ("en", SOURCE, "untranslated"),
        ("ko", SOURCE, "untranslated"),
        (
            "en",
            "Minister Cho Tae-yul announced in Seoul a 2.5% rise rise rise rise rise rise rise rise rise.",
            "loop",
        ),
        ("en", "Minister Cho Tae-yul: 2.5%, Seoul.", "length_ratio"),
        ("ko", FAITHFUL["ko"] + " " + FAITHFUL["ko"].replace("2.5%", "2.5 퍼센트"), "length_ratio"),
    ],
)
def test_each_flag_is_raised_by_the_fault_it_names(tgt: str, output: str, expected: str) -> None:
    assert expected in flags(output, tgt)


def test_low_confidence_uses_the_model_threshold() -> None:
    assert "low_confidence" in flags(FAITHFUL["en"], "en", score=-2.4, min_logprob=-1.5)
    assert "low_confidence" not in flags(FAITHFUL["en"], "en", score=-1.0, min_logprob=-1.5)
    assert "low_confidence" not in flags(FAITHFUL["en"], "en", score=-9.0), "no threshold, no check"
    thresholds = Thresholds.parse("-1.5, Helsinki-NLP/opus-mt-fr-en=-1.2 ,m2m=-2")
    assert thresholds.for_model("Helsinki-NLP/opus-mt-fr-en") == -1.2
    assert thresholds.for_model("m2m") == -2.0
    assert thresholds.for_model("other") == -1.5
    with pytest.raises(ValueError, match="not a number"):
        Thresholds.parse("-1.5,model=low")


def test_engine_loop_verdict_and_empty_output_are_flags() -> None:
    assert "loop" in flags(FAITHFUL["en"], "en", looped=True)
    assert flags("", "en") == ["untranslated"]
    assert flags("anything", "en", source="  ") == []
    assert list(FLAGS) == sorted(FLAGS, key=FLAGS.index)


# Normalization across conventions: no number_mismatch when only the writing differs.
SAME_NUMBERS = [
    ("fr", "en", "Ils étaient 3.000 selon la police.", "There were 3,000 of them, police said."),
    ("fr", "en", "Un budget de 1 200 milliards de wons.", "A budget of 1,200 billion won."),
    ("fr", "en", "Le taux a atteint 2,5 %.", "The rate reached 2.5 percent."),
    ("fr", "en", "La réunion a commencé à 14h30.", "The meeting began at 2:30 p.m."),
    ("fr", "en", "Le sommet aura lieu le 12 mars 2025.", "The summit will be held on March 12, 2025."),
    ("fr", "en", "Entre 3 à 5 navires ont été vus.", "Between 3 and 5 ships were seen."),
    ("fr", "en", "L'indice a gagné 1.5 point.", "The index gained 1.5 points."),
    ("fr", "en", "Appelez le 02-398-3114 pour en savoir plus.", "Call for more information."),
    ("fr", "en", "En 2024, la croissance a été faible.", "In 2024, growth was weak."),
    ("fr", "en", "Une quarantaine de responsables étaient présents.", "About 40 officials attended."),
    ("fr", "en", "Le groupe s'est classé à la 7e place.", "The group ranked No. 7."),
    ("fr", "ko", "Ils étaient 3.000 selon la police.", "경찰에 따르면 3천 명이었다."),
    ("fr", "ko", "Au total, 21.045 bébés sont nés.", "출생아는 모두 2만1천45명이었다."),
    ("fr", "ko", "Le taux a atteint 2,5 %.", "금리는 2.5%에 달했다."),
    ("fr", "ko", "La réunion a commencé à 14h30.", "회의는 오후 2시 30분에 시작됐다."),
    ("fr", "ko", "Le sommet aura lieu le 12 mars 2025.", "정상회의는 2025년 3월 12일 열린다."),
    ("fr", "ko", "Le match a eu lieu 110 rencontres plus tôt.", "110경기 빨랐다."),
    ("fr", "ko", "SÉOUL, 8 juillet (Yonhap) -- Le ministère a annoncé mardi 98 arrivées.", "(서울=연합뉴스) 통일부는 98명이 입국했다고 7일 밝혔다."),
    ("fr", "ko", "Le record du 10 octobre a été battu.", "지난 10일 기록한 최고치를 넘어섰다."),
    ("fr", "ko", "Les séjours de moins de 30 jours.", "30일 미만 체류."),
]  # fmt: skip


@pytest.mark.parametrize(("src", "tgt", "source", "output"), SAME_NUMBERS)
def test_number_conventions_do_not_raise_a_mismatch(src: str, tgt: str, source: str, output: str) -> None:
    assert number_problems(source, src, output, tgt) == []


CHANGED_NUMBERS = [
    ("Ils étaient 3.000 selon la police.", "en", "There were 3.0 of them, police said."),
    ("Le taux a atteint 2,5 %.", "en", "The rate reached 25 percent."),
    ("La réunion a commencé à 14h30.", "en", "The meeting began at 4:30 p.m."),
    ("Le sommet aura lieu le 12 mars 2025.", "en", "The summit will be held on March 21, 2025."),
    ("Le sommet aura lieu le 12 mars 2025.", "en", "The summit will be held on March 12."),
    ("Entre 3 à 5 navires ont été vus.", "en", "Between 3 and 6 ships were seen."),
    ("Ils étaient 3.000 selon la police.", "ko", "경찰에 따르면 300명이었다."),
    ("Au total, 21.045 bébés sont nés.", "ko", "출생아는 모두 2만145명이었다."),
    ("La réunion a commencé à 14h30.", "ko", "회의는 오전 2시 30분에 시작됐다."),
    (
        "SÉOUL, 8 juillet (Yonhap) -- Le ministère a annoncé mardi 98 arrivées.",
        "ko",
        "통일부는 98명이 입국했다고 28일 밝혔다.",
    ),
]


@pytest.mark.parametrize(("source", "tgt", "output"), CHANGED_NUMBERS)
def test_changed_or_lost_numbers_raise_a_mismatch(source: str, tgt: str, output: str) -> None:
    assert number_problems(source, "fr", output, tgt)


@pytest.mark.parametrize(
    ("value", "kind", "lang", "written"),
    [
        ("3000", "number", "en", "3,000"),
        ("2.5%", "percent", "en", "2.5%"),
        ("1200000.75", "number", "ko", "1,200,000.75"),
        ("2.5%", "percent", "fr", "2,5\u202f%"),
        ("2025", "year", "en", "2025"),
    ],
)
def test_numbers_are_written_in_the_target_convention(value: str, kind: str, lang: str, written: str) -> None:
    assert format_number(value, kind, lang) == written


def test_mangled_numbers_are_repaired_and_then_not_flagged() -> None:
    source = "Les exportations ont augmenté de 2,5 % à 3.000 unités."
    repaired = repair_numbers(source, "fr", "Exports rose 25% to 3.0 units.", "en")
    assert repaired == "Exports rose 2.5% to 3,000 units."
    checker = SegmentChecker(GLOSSARY)
    output, found = checker.check(source, "수출이 25% 늘어 3.0개가 됐다.", "fr", "ko")
    assert output == "수출이 2.5% 늘어 3,000개가 됐다."
    assert "number_mismatch" not in found


def test_a_lost_number_cannot_be_repaired_and_stays_flagged() -> None:
    source = "Les exportations ont augmenté de 2,5 % à 3.000 unités."
    output, found = SegmentChecker(GLOSSARY).check(source, "Exports rose to 3,000 units.", "fr", "en")
    assert output == "Exports rose to 3,000 units."
    assert "number_mismatch" in found


def test_copied_french_names_are_replaced_by_glossary_forms() -> None:
    assert (
        repair_names(SOURCE, "fr", "조태열 장관은 Séoul에서 발표했다.", "ko", GLOSSARY)
        == "조태열 장관은 서울에서 발표했다."
    )
    assert repair_names(SOURCE, "fr", "Minister Cho Tae-yul spoke in Pékin.", "en", GLOSSARY).endswith(
        "Pékin."
    )


def test_a_request_glossary_adds_and_overrides_entries() -> None:
    extra = glossary_from_mapping(
        [{"fr": "Kim Min-seok", "en": "Kim Min-seok", "ko": "김민석", "kind": "person"}]
    )
    merged = GLOSSARY.merged(extra)
    source = "Le Premier ministre Kim Min-seok est arrivé."
    assert segment_flags(source, "김 총리가 도착했다.", "fr", "ko", glossary=merged) == ["entity_mismatch"]
    assert segment_flags(source, "김민석 총리가 도착했다.", "fr", "ko", glossary=merged) == []


def test_bullet_flags() -> None:
    source = "SÉOUL, 12 mars (Yonhap) -- Les exportations ont augmenté de 2,5 % à Séoul."
    assert bullet_flags("Exports rose 2.5% in Seoul.", "en", source, GLOSSARY) == []
    assert bullet_flags("Exports rose 3.5% in Seoul.", "en", source, GLOSSARY) == ["number_mismatch"]
    assert bullet_flags("수출이 Séoul에서 2.5% 늘었다.", "ko", source, GLOSSARY) == ["entity_mismatch"]
    assert "loop" in bullet_flags(
        "Exports exports exports exports exports exports exports exports.", "en", source, GLOSSARY
    )


# -- the measurement of the flags --------------------------------------------------------------


def test_corruptions_change_what_they_say() -> None:
    case = Case(
        "d", "en", "Le 12 mars, Séoul a exporté 2,5 % de plus.", "On March 12, Seoul exported 2.5% more."
    )
    assert change_number(case.output, "en") == "On March 15, Seoul exported 2.5% more."
    swapped = swap_name(case.output, "en", GLOSSARY)
    assert swapped is not None and "Seoul" not in swapped
    assert has_loop(make_loop(case.output)) and not has_loop(case.output)
    assert corrupt(case, "copy", GLOSSARY) == case.source
    assert change_number("No numbers here.", "en") is None
    assert swap_name("No names here.", "en", Glossary([])) is None
    assert set(CORRUPTIONS) == {"number_changed", "name_swapped", "copy", "loop"}


def test_flags_on_the_offline_suite_keep_their_measured_rates() -> None:
    """Regression guard for the figures in the README (``mts eval fidelity``)."""
    report = measure_flags(load_suite("offline"), GLOSSARY)
    assert report["false_alarms"]["all"]["total"] == 200
    assert report["false_alarms"]["all"]["rate"] < 5.0
    assert report["false_alarms"]["en"]["rate"] <= 2.0
    assert report["detection"]["all"]["rate"] > 95.0
    assert report["detection"]["copy"]["rate"] == 100.0
    assert report["detection"]["loop"]["rate"] == 100.0
    assert report["detection"]["number_changed"]["rate"] >= 95.0
    assert report["detection"]["name_swapped"]["rate"] >= 85.0


def test_a_request_entry_overrides_the_shipped_one_with_the_same_french_form() -> None:
    extra = glossary_from_mapping([{"fr": "Séoul", "en": "Seoul", "ko": "서울특별시", "kind": "place"}])
    merged = GLOSSARY.merged(extra)
    [match] = merged.find("Il est arrivé à Séoul.", "fr")
    assert match.entry.ko == ("서울특별시",)
    assert merged.rendered(match.entry, "서울특별시에 도착했다.", "ko")
    assert not merged.rendered(match.entry, "서울에 도착했다.", "ko")
    assert len(merged) == len(GLOSSARY)


@pytest.mark.parametrize(
    ("source", "output", "flagged"),
    [
        ("Les deux tiers des élus ont voté pour.", "의원 3분의 2가 찬성했다.", False),
        ("Les trois quarts des sondés approuvent.", "응답자의 4분의 3이 지지했다.", False),
        ("Un quart des ménages est concerné.", "가구의 4분의 1이 해당된다.", False),
        # Another value is still a changed number.
        ("Les deux tiers des élus ont voté pour.", "의원 3분의 1이 찬성했다.", True),
        ("Les trois quarts des sondés approuvent.", "응답자의 5분의 3이 지지했다.", True),
        ("Les élus ont voté pour.", "의원 3분의 2가 찬성했다.", True),
    ],
)
def test_a_fraction_in_words_may_be_written_in_korean_digits(source: str, output: str, flagged: bool) -> None:
    """Tuning example: "les trois quarts" → "4분의 3" (hard-numbers yna-fr2-31, -39)."""
    assert ("number_mismatch" in segment_flags(source, output, "fr", "ko", glossary=GLOSSARY)) is flagged


def test_flags_on_the_hard_numbers_suite_keep_their_measured_rates() -> None:
    """Regression guard for the README's hard-numbers figures, per half (``mts eval fidelity
    --suite hard-numbers``): false alarms may only fall and detection only rise."""
    report = measure_flags(load_suite("hard-numbers"), GLOSSARY)
    test, tuning = report["halves"]["test"], report["halves"]["tuning"]
    assert test["false_alarms"]["en"]["flagged"] <= 12 and tuning["false_alarms"]["en"]["flagged"] <= 12
    assert test["false_alarms"]["ko"]["flagged"] <= 28 and tuning["false_alarms"]["ko"]["flagged"] <= 24
    assert test["detection"]["number_changed"]["rate"] >= 94.8
    assert test["detection"]["copy"]["rate"] == 100.0
    assert test["detection"]["all"]["rate"] >= 94.8
