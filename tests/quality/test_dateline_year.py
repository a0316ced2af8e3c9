"""The year of a dateline that gives none: inferred for live copy, set for an archive, or left out."""

from __future__ import annotations

import datetime

import pytest

from service.config import Settings, parse_dateline_year
from service.quality.flags import dateline_year, with_year
from service.quality.repair import SegmentChecker
from service.text.glossary import default_glossary

# 7 April 2026 is a Tuesday; in 2027 it is a Wednesday, and Tuesday the 6th.
DISPATCH = "SÉOUL, 9 avr. (Yonhap) -- La Banque de Corée a maintenu mardi son taux directeur à 2,5 %."
RIGHT = "(서울=연합뉴스) 한국은행은 7일 기준금리를 연 2.5%로 동결했다."
WRONG = "(서울=연합뉴스) 한국은행은 8일 기준금리를 연 2.5%로 동결했다."


def day(text: str) -> datetime.date:
    return datetime.date.fromisoformat(text)


@pytest.mark.parametrize(
    ("dateline", "today", "year"),
    [
        ("SÉOUL, 9 avr. (Yonhap) --", "2026-04-09", 2026),
        ("SÉOUL, 30 déc. (Yonhap) --", "2027-01-02", 2026),  # last year's, read in January
        ("SÉOUL, 2 janv. (Yonhap) --", "2026-12-31", 2027),  # Seoul is ahead of the server's clock
        ("SÉOUL, 2 janv. (Yonhap) --", "2026-12-30", 2026),  # three days ahead: no copy comes from then
        ("SÉOUL, 26 févr. (Yonhap) --", "2026-12-04", 2026),  # this year's, never next year's
        ("SÉOUL, 29 févr. (Yonhap) --", "2024-03-04", 2024),
        ("SÉOUL, 1er mai (Yonhap) --", "2026-05-02", 2026),
    ],
)
def test_the_year_puts_the_dateline_on_or_before_today(dateline: str, today: str, year: int) -> None:
    assert dateline_year(f"{dateline} La Banque de Corée a maintenu son taux.", day(today)) == year


@pytest.mark.parametrize(
    "text",
    [
        "SÉOUL, 3 mars 2024 (Yonhap) -- Le texte donne son année.",
        "La Banque de Corée a maintenu son taux.",  # no dateline
        "SÉOUL, 29 févr. (Yonhap) -- Ni cette année ni la précédente n'en ont.",
        "SÉOUL, 31 avril (Yonhap) -- Aucune année n'en a.",
    ],
)
def test_no_year_is_inferred_where_there_is_none_to_infer(text: str) -> None:
    assert dateline_year(text, day("2026-12-04")) is None


def test_the_weekday_is_checked_as_a_date_with_the_year() -> None:
    glossary = default_glossary()
    dated = [
        SegmentChecker(glossary, dateline_year=2026),
        SegmentChecker(glossary, dateline_year="auto", today=day("2026-04-09")),
        SegmentChecker(glossary, dateline_year="auto", today=day("2026-04-10")),
    ]
    for checker in dated:
        assert checker.dated(DISPATCH) == with_year(DISPATCH, 2026)
        assert checker.check(DISPATCH, RIGHT, "fr", "ko", dispatch=DISPATCH)[1] == []
        notes = [str(f) for f in checker.check(DISPATCH, WRONG, "fr", "ko", dispatch=DISPATCH)[1]]
        assert "number_mismatch: “mardi” of the source is not in the translation" in notes
    # Read a year later, the Tuesday is the 6th: the 7th is then wrong.
    later = SegmentChecker(glossary, dateline_year=2027)
    assert later.check(DISPATCH, RIGHT, "fr", "ko", dispatch=DISPATCH)[1] != []
    # Without a year, a weekday may be any day near the dateline's: both pass.
    loose = SegmentChecker(glossary)
    assert loose.dated(DISPATCH) == DISPATCH
    assert loose.check(DISPATCH, WRONG, "fr", "ko", dispatch=DISPATCH)[1] == []


@pytest.mark.parametrize(
    ("value", "parsed"),
    [("auto", "auto"), (" Auto ", "auto"), ("none", None), ("NONE", None), ("2024", 2024)],
)
def test_the_setting_takes_auto_none_or_a_year(value: str, parsed: object) -> None:
    assert parse_dateline_year(value) == parsed
    assert Settings(_env_file=None, dateline_year=value).dateline_year_value() == parsed  # type: ignore[call-arg]


@pytest.mark.parametrize("value", ["", "last", "24", "1850", "20245", "2024.0"])
def test_a_bad_setting_is_refused_by_name(value: str) -> None:
    with pytest.raises(ValueError, match="dateline_year"):
        Settings(_env_file=None, dateline_year=value)  # type: ignore[call-arg]


def test_the_service_defaults_to_live_copy() -> None:
    assert Settings(_env_file=None).dateline_year_value() == "auto"  # type: ignore[call-arg]
