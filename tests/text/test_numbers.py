"""Tests for service.text.numbers: fr/en/ko conventions, skipped digits, comparison, properties."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from service.text.numbers import KINDS, NumberMention, extract_numbers, missing_numbers, number_keys

NBSP = "\u00a0"
NNBSP = "\u202f"
THIN = "\u2009"
SAMPLE = (
    "BRUXELLES, 12 mars (Yonhap) -- La Corée du Sud et l'Union européenne (UE) ont tenu mercredi à "
    "Bruxelles leur tout premier dialogue sur la sécurité spatiale. Une trentaine de responsables ont "
    "pris part aux discussions, qui ont duré près de 6 heures. Le nombre de satellites en orbite a "
    "dépassé 10.000 l'an dernier, et les débris sont estimés à plus de 1,2 million de fragments de plus "
    "de 1 cm. La Corée du Nord a lancé en novembre 2023 son premier satellite, Malligyong-1. Séoul "
    "prévoit de consacrer 1.500 milliards de wons (environ 950 millions d'euros) à son programme "
    f"spatial en 2025, soit une hausse de 2,5{NNBSP}% sur un an. L'agence KASA, créée en mai 2024, est "
    "à 300 km au sud de Séoul. Le prochain dialogue se tiendra en 2026."
)


def only(text: str, lang: str) -> NumberMention:
    mentions = extract_numbers(text, lang)
    assert len(mentions) == 1, mentions
    return mentions[0]


# --- one mention, one key: every convention ----------------------------------------------------

CONVENTIONS = [
    # French thousands, decimals, percentages, scale words
    ("fr", "3.000", "number", "3000"),
    ("fr", "3 000", "number", "3000"),
    ("fr", f"3{NBSP}000", "number", "3000"),
    ("fr", f"3{NNBSP}000", "number", "3000"),
    ("fr", f"3{THIN}000", "number", "3000"),
    ("fr", "2.200.112", "number", "2200112"),
    ("fr", "1 234 567", "number", "1234567"),
    ("fr", "2,5", "number", "2.5"),
    ("fr", "1.234,5", "number", "1234.5"),
    ("fr", "0,50", "number", "0.5"),
    ("fr", "3.5", "number", "3.5"),
    ("fr", "2,5 %", "percent", "2.5%"),
    ("fr", f"2,5{NBSP}%", "percent", "2.5%"),
    ("fr", f"2,5{NNBSP}%", "percent", "2.5%"),
    ("fr", "2,5%", "percent", "2.5%"),
    ("fr", "2,5 pour cent", "percent", "2.5%"),
    ("fr", "2,5 points de pourcentage", "percent", "2.5%"),
    ("fr", "1,2 million", "number", "1200000"),
    ("fr", "1.500 milliards", "number", "1500000000000"),
    ("fr", "1.500 milliards de wons", "number", "1500000000000"),
    ("fr", "950 millions", "number", "950000000"),
    ("fr", "3 mille", "number", "3000"),
    ("fr", "2 billions", "number", "2000000000000"),
    ("fr", "1,5 Md€", "number", "1500000000"),
    ("fr", "950 M€", "number", "950000000"),
    # French times and dates
    ("fr", "14h30", "time", "14:30"),
    ("fr", "14 h 30", "time", "14:30"),
    ("fr", "14H30", "time", "14:30"),
    ("fr", "9h", "time", "09:00"),
    ("fr", "14:30", "time", "14:30"),
    ("fr", "à 14 heures", "time", "14:00"),
    ("fr", "14 heures 30", "time", "14:30"),
    ("fr", "12 mars 2025", "date", "2025-03-12"),
    ("fr", f"12{NBSP}mars{NBSP}2025", "date", "2025-03-12"),
    ("fr", "12 mars", "date", "--03-12"),
    ("fr", "06 sept. 2024", "date", "2024-09-06"),
    ("fr", "1er janvier", "date", "--01-01"),
    ("fr", "1er janvier 2026", "date", "2026-01-01"),
    ("fr", "novembre 2023", "date", "2023-11"),
    ("fr", "en août", "date", "--08"),
    ("fr", "2025-03-12", "date", "2025-03-12"),
    ("fr", "en 2025", "year", "2025"),
    ("fr", "en 1950", "year", "1950"),
    # English
    ("en", "3,000", "number", "3000"),
    ("en", "2,200,112", "number", "2200112"),
    ("en", "1,234.5", "number", "1234.5"),
    ("en", "2.5", "number", "2.5"),
    ("en", "2,5", "number", "2.5"),
    ("en", "2.5%", "percent", "2.5%"),
    ("en", "2.5 percent", "percent", "2.5%"),
    ("en", "2.5 per cent", "percent", "2.5%"),
    ("en", "2.5 percentage points", "percent", "2.5%"),
    ("en", "1.2 million", "number", "1200000"),
    ("en", "1.5 trillion", "number", "1500000000000"),
    ("en", "950 million", "number", "950000000"),
    ("en", "1,500 billion", "number", "1500000000000"),
    ("en", "1.5 billion won", "number", "1500000000"),
    ("en", "$1.5bn", "number", "1500000000"),
    ("en", "a $1.5-billion deal", "number", "1500000000"),
    ("en", "March 12, 2025", "date", "2025-03-12"),
    ("en", "12 March 2025", "date", "2025-03-12"),
    ("en", "the 12th of March", "date", "--03-12"),
    ("en", "March 12", "date", "--03-12"),
    ("en", "Sept. 6", "date", "--09-06"),
    ("en", "November 2023", "date", "2023-11"),
    ("en", "in May", "date", "--05"),
    ("en", "2:30 p.m.", "time", "14:30"),
    ("en", "2:30 pm", "time", "14:30"),
    ("en", "2 PM", "time", "14:00"),
    ("en", "12 a.m.", "time", "00:00"),
    ("en", "12 p.m.", "time", "12:00"),
    ("en", "9:05 a.m.", "time", "09:05"),
    ("en", "14:30", "time", "14:30"),
    ("en", "in 2025", "year", "2025"),
    ("en", "the 1990s", "year", "1990"),
    # Korean
    ("ko", "3,000명", "number", "3000"),
    ("ko", "3000명", "number", "3000"),
    ("ko", "3천 명", "number", "3000"),
    ("ko", "3천만", "number", "30000000"),
    ("ko", "1조 5천억 원", "number", "1500000000000"),
    ("ko", "1조5천억원", "number", "1500000000000"),
    ("ko", "1조5000억", "number", "1500000000000"),
    ("ko", "1조 5000억", "number", "1500000000000"),
    ("ko", "1,500억", "number", "150000000000"),
    ("ko", "1천500억", "number", "150000000000"),
    ("ko", "950만", "number", "9500000"),
    ("ko", "9백50만", "number", "9500000"),
    ("ko", "9억5천만", "number", "950000000"),
    ("ko", "120만 개", "number", "1200000"),
    ("ko", "12만3456명", "number", "123456"),
    ("ko", "2.5조", "number", "2500000000000"),
    ("ko", "1억2000원", "number", "100002000"),
    ("ko", "약3000명", "number", "3000"),
    ("ko", "2.5%", "percent", "2.5%"),
    ("ko", "2.5％", "percent", "2.5%"),
    ("ko", "2.5 퍼센트", "percent", "2.5%"),
    ("ko", "2.5퍼센트", "percent", "2.5%"),
    ("ko", "2.5%p", "percent", "2.5%"),
    ("ko", "2.5%포인트", "percent", "2.5%"),
    ("ko", "2025년 3월 12일", "date", "2025-03-12"),
    ("ko", "2025년3월12일", "date", "2025-03-12"),
    ("ko", "3월 12일", "date", "--03-12"),
    ("ko", "2023년 11월", "date", "2023-11"),
    ("ko", "3월에", "date", "--03"),
    ("ko", "12일 밝혔다", "date", "---12"),
    ("ko", "2025.3.12", "date", "2025-03-12"),
    ("ko", "2025년", "year", "2025"),
    ("ko", "오후 2시 30분", "time", "14:30"),
    ("ko", "오전 9시", "time", "09:00"),
    ("ko", "오전 12시", "time", "00:00"),
    ("ko", "밤 10시", "time", "22:00"),
    ("ko", "14시 30분", "time", "14:30"),
    ("ko", "2시 반", "time", "02:30"),
    ("ko", "14:30", "time", "14:30"),
    # durations are plain numbers
    ("fr", "près de 6 heures", "number", "6"),
    ("ko", "6시간", "number", "6"),
    ("ko", "3일간", "number", "3"),
    ("ko", "12개월", "number", "12"),
    ("ko", "3년 만에", "number", "3"),
    ("ko", "2차례", "number", "2"),
    # units and signs do not belong to the key
    ("fr", "300 km", "number", "300"),
    ("en", "300km", "number", "300"),
    ("ko", "300km", "number", "300"),
    ("fr", "-0,3 %", "percent", "0.3%"),
]


@pytest.mark.parametrize(("lang", "text", "kind", "value"), CONVENTIONS)
def test_conventions(lang: str, text: str, kind: str, value: str) -> None:
    mention = only(text, lang)
    assert (mention.kind, mention.value) == (kind, value)
    assert text[mention.start : mention.end] == mention.text


@pytest.mark.parametrize(
    ("lang", "text", "surface"),
    [
        ("fr", "1.500 milliards de wons", "1.500 milliards"),
        ("fr", "une hausse de 2,5 % sur un an", "2,5 %"),
        ("fr", "le 12 mars 2025 à Séoul", "12 mars 2025"),
        ("ko", "1조 5천억 원을", "1조 5천억"),
        ("ko", "3천 명", "3천"),
        ("en", "at 2:30 p.m. on Tuesday", "2:30 p.m."),
    ],
)
def test_surface_forms(lang: str, text: str, surface: str) -> None:
    assert only(text, lang).text == surface


EQUIVALENT = [
    [("fr", "3.000"), ("fr", "3 000"), ("fr", f"3{NNBSP}000"), ("en", "3,000"), ("ko", "3천")],
    [("fr", "2,5 %"), ("fr", "2,5%"), ("en", "2.5%"), ("en", "2.5 percent"), ("ko", "2.5 퍼센트")],
    [("fr", "1,2 million"), ("en", "1.2 million"), ("ko", "120만"), ("fr", "1.200.000")],
    [("fr", "1.500 milliards"), ("en", "1,500 billion"), ("en", "1.5 trillion"), ("ko", "1조 5천억")],
    [("fr", "950 millions"), ("en", "950 million"), ("ko", "9억5천만"), ("ko", "9억 5000만")],
    [("fr", "14h30"), ("fr", "14 h 30"), ("en", "2:30 p.m."), ("en", "14:30"), ("ko", "오후 2시 30분")],
    [("fr", "12 mars 2025"), ("en", "March 12, 2025"), ("en", "12 March 2025"), ("ko", "2025년 3월 12일")],
    [("fr", "12 mars"), ("en", "March 12"), ("ko", "3월 12일")],
    [("fr", "novembre 2023"), ("en", "November 2023"), ("ko", "2023년 11월")],
]


@pytest.mark.parametrize("forms", EQUIVALENT, ids=lambda forms: forms[0][1])
def test_equivalent_forms_share_a_key(forms: list[tuple[str, str]]) -> None:
    keys = {only(text, lang).value for lang, text in forms}
    assert len(keys) == 1, keys


# --- what is not a number to check ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("lang", "text", "kind", "value"),
    [
        ("fr", "le 1er", "ordinal", "1"),
        ("fr", "la 2e édition", "ordinal", "2"),
        ("fr", "le 3ème sommet", "ordinal", "3"),
        ("fr", "la 1re fois", "ordinal", "1"),
        ("fr", "les 9es élections", "ordinal", "9"),
        ("fr", "au XXIe siècle", "ordinal", "21"),
        ("fr", "la Ve République", "ordinal", "5"),
        ("en", "the 1st round", "ordinal", "1"),
        ("en", "its 21st launch", "ordinal", "21"),
        ("en", "ranked 12th", "ordinal", "12"),
        ("ko", "제2 연평해전", "ordinal", "2"),
        ("ko", "제36조", "ordinal", "36"),
        ("ko", "2번째 회의", "ordinal", "2"),
        ("ko", "2차 회의", "ordinal", "2"),
        ("ko", "12위", "ordinal", "12"),
        ("fr", "le satellite Malligyong-1", "designator", "1"),
        ("en", "the Hwasong-18 missile", "designator", "18"),
        ("ko", "화성-18형", "designator", "18"),
        ("en", "the G20 summit", "designator", "20"),
        ("en", "an A380", "designator", "380"),
        ("en", "COVID-19", "designator", "19"),
        ("en", "5G networks", "designator", "5"),
        ("en", "the KF-21 fighter", "designator", "21"),
        ("en", "the Galaxy S24", "designator", "24"),
    ],
)
def test_ordinals_and_designators_are_read_with_their_number(
    lang: str, text: str, kind: str, value: str
) -> None:
    """An ordinal or a name's number is a fact a translation must keep: "ranked 12th" → "ranked
    19th" and "KF-21" → "KF-28" are errors, so both are compared by their number."""
    [mention] = extract_numbers(text, lang)
    assert (mention.kind, mention.value) == (kind, value)


@pytest.mark.parametrize(
    ("lang", "text"),
    [
        ("fr", "Tél. : 02-398-3114"),
        ("fr", "(02) 398-3114"),
        ("en", "call +82 2 398 3114"),
        ("ko", "010-1234-5678"),
        ("fr", "selon la source [1]"),
        ("fr", "une permanence 24h/24 et 7j/7"),
        ("en", "No digits at all."),
        ("ko", "만 명이 하지만"),
        ("en", "May I ask?"),
        ("fr", "la planète Mars"),
        ("fr", "Le Ce Lu"),
    ],
)
def test_not_numbers(lang: str, text: str) -> None:
    assert extract_numbers(text, lang) == []


def test_list_markers_are_skipped() -> None:
    text = "1. La Corée du Sud a dépensé 3.000 euros.\n2) Séoul.\n(3) Bruxelles."
    assert [m.value for m in extract_numbers(text, "fr")] == ["3000"]
    bullets = "- 1. South Korea spent 3,000 euros."
    assert [m.value for m in extract_numbers(bullets, "en")] == ["3000"]


def test_sample_dispatch() -> None:
    found = [(m.text, m.kind, m.value) for m in extract_numbers(SAMPLE, "fr")]
    assert found == [
        ("12 mars", "date", "--03-12"),
        ("6", "number", "6"),
        ("10.000", "number", "10000"),
        ("1,2 million", "number", "1200000"),
        ("1", "number", "1"),
        ("novembre 2023", "date", "2023-11"),
        ("1", "designator", "1"),
        ("1.500 milliards", "number", "1500000000000"),
        ("950 millions", "number", "950000000"),
        ("2025", "year", "2025"),
        (f"2,5{NNBSP}%", "percent", "2.5%"),
        ("mai 2024", "date", "2024-05"),
        ("300", "number", "300"),
        ("2026", "year", "2026"),
    ]


@pytest.mark.parametrize(
    ("lang", "text", "values"),
    [
        ("fr", "les 12 et 13 mars", ["--03-12", "--03-13"]),
        ("fr", "du 12 au 14 mars 2025", ["2025-03-12", "2025-03-14"]),
        ("fr", "les 12-13 mars", ["--03-12", "--03-13"]),
        ("en", "March 12-13, 2025", ["2025-03-12", "2025-03-13"]),
        ("en", "March 12 and 13", ["--03-12", "--03-13"]),
        ("en", "12-13 March", ["--03-12", "--03-13"]),
        ("ko", "3월 12~13일", ["--03-12", "--03-13"]),
        ("ko", "3월 12일~13일", ["--03-12", "--03-13"]),
    ],
)
def test_date_ranges(lang: str, text: str, values: list[str]) -> None:
    mentions = extract_numbers(text, lang)
    assert [m.value for m in mentions] == values
    assert all(m.kind == "date" for m in mentions)


@pytest.mark.parametrize(
    ("lang", "text", "values"),
    [
        ("fr", "en 2024 300 soldats", ["2024", "300"]),
        ("en", "in 2024 300 soldiers", ["2024", "300"]),
        ("en", "March 12, 3000 people", ["--03-12", "3000"]),
        ("fr", "de 9 heures à 17 heures", ["9", "17:00"]),
        ("ko", "1억 2025년", ["100000000", "2025"]),
        ("ko", "1억 2000원", ["100000000", "2000"]),
        ("fr", "1,2,3", []),
        ("en", "version 1.2.3", []),
    ],
)
def test_boundaries_between_numbers(lang: str, text: str, values: list[str]) -> None:
    assert [m.value for m in extract_numbers(text, lang)] == values


@pytest.mark.parametrize(
    ("lang", "text", "values"),
    [
        # Race times, in seconds: minutes and a fraction, or hours, minutes and seconds.
        ("fr", "en 1:24.567, devant", ["84.567s"]),
        ("en", "in 1:24.567, ahead", ["84.567s"]),
        ("ko", "1분24초567로 우승", ["84.567s"]),
        ("ko", "41초205를 기록", ["41.205s"]),
        ("en", "in 2:06:35", ["7595s"]),
        ("ko", "2시간6분35초로", ["7595s"]),
        ("fr", "à 14:30 précises", ["14:30"]),  # a clock time has no fraction
        # A range's first end takes the second's scale or hour.
        ("fr", "de 10 à 12 milliards de dollars", ["10000000000", "12000000000"]),
        ("en", "between 10 and 12 billion", ["10000000000", "12000000000"]),
        ("ko", "10∼12억 달러", ["1000000000", "1200000000"]),
        ("fr", "le score de 5-4 et 3 millions", ["5", "4", "3000000"]),  # "et" only after "entre"
        ("ko", "오전 3∼4시", ["03:00", "04:00"]),
        ("ko", "오후 3∼4시", ["15:00", "16:00"]),
        # Mixed fractions, a dotless month after a day, a batting average in French.
        ("en", "3 1/2 games ahead", ["3.5"]),
        ("fr", "du 23 au 25 oct à Salt Lake City", ["--10-23", "--10-25"]),
        ("fr", "le 3 janv dernier", ["--01-03"]),
        ("fr", "porté sa moyenne à .312.", ["0.312"]),
    ],
)
def test_race_times_ranges_and_fractions(lang: str, text: str, values: list[str]) -> None:
    """Tuning examples from hard-numbers yna-fr2-41, -53, -57 and -59."""
    assert [m.value for m in extract_numbers(text, lang)] == values


def test_number_keys() -> None:
    assert number_keys("3.000 personnes le 12 mars, soit 2,5 %", "fr") == {"3000", "--03-12", "2.5%"}
    assert number_keys("", "en") == set()


def test_unknown_language_is_rejected() -> None:
    with pytest.raises(ValueError, match="unsupported language"):
        extract_numbers("3", "de")


# --- comparison -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("source", "target", "target_lang"),
    [
        ("3.000 personnes", "3,000 people", "en"),
        ("3.000 personnes", "3천 명", "ko"),
        ("une hausse de 2,5 %", "a 2.5% rise", "en"),
        ("1.500 milliards de wons", "1.5 trillion won", "en"),
        ("1.500 milliards de wons", "1조5천억 원", "ko"),
        ("le 12 mars 2025", "on March 12", "en"),
        ("le 12 mars 2025", "in 2025", "en"),
        ("le 12 mars 2025", "in March", "en"),
        ("le 12 mars", "12일", "ko"),
        ("en novembre 2023", "in 2023", "en"),
        ("à 14h30", "at 2:30 p.m.", "en"),
        ("trois ministres", "3 ministers", "en"),
        ("un million de personnes", "1 million people", "en"),
        ("deux millions", "200만", "ko"),
        ("3.000 personnes", "three thousand people", "en"),  # spelled out in the target: not checked
    ],
)
def test_supported_numbers(source: str, target: str, target_lang: str) -> None:
    assert missing_numbers(source, "fr", target, target_lang) == []


@pytest.mark.parametrize(
    ("source", "target", "target_lang", "missing"),
    [
        ("3.000 personnes", "30,000 people", "en", ["30,000"]),
        ("3.000 personnes", "3 people", "en", ["3"]),
        ("une hausse de 2,5 %", "a 25% rise", "en", ["25%"]),
        ("une hausse de 2,5 %", "2.5 people", "en", ["2.5"]),
        ("le 12 mars", "March 21", "en", ["March 21"]),
        ("le 12 mars", "2025년 3월 12일", "ko", ["2025년 3월 12일"]),
        ("en 2025", "March 12, 2025", "en", ["March 12, 2025"]),
        ("en 2025", "in 2026", "en", ["2026"]),
        ("1.500 milliards de wons", "1,500 million won", "en", ["1,500 million"]),
        ("1.500 milliards de wons", "1조5천만 원", "ko", ["1조5천만"]),
        ("1,2 million", "12 million", "en", ["12 million"]),
        ("à 14h30", "at 2:30 a.m.", "en", ["2:30 a.m."]),
        ("le 12 mars", "12일과 13일", "ko", ["13일"]),
    ],
)
def test_changed_numbers_are_caught(source: str, target: str, target_lang: str, missing: list[str]) -> None:
    assert [m.text for m in missing_numbers(source, "fr", target, target_lang)] == missing


def test_whole_dispatch_against_a_faithful_and_a_faulty_summary() -> None:
    faithful = (
        "South Korea will spend 1.5 trillion won (about 950 million euros) on space in 2025, up 2.5%. "
        "More than 10,000 satellites and 1.2 million fragments are in orbit. The talks on March 12 "
        "lasted 6 hours; the next round is in 2026. KASA was founded in May 2024, 300 km from Seoul."
    )
    assert missing_numbers(SAMPLE, "fr", faithful, "en") == []
    faulty = "South Korea will spend 1.5 trillion won in 2026, up 25%, after talks on March 21."
    assert [m.text for m in missing_numbers(SAMPLE, "fr", faulty, "en")] == ["25%", "March 21"]


# --- properties -----------------------------------------------------------------------------------

FR_MONTHS = [
    "janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août", "septembre", "octobre",
    "novembre", "décembre",
]  # fmt: skip
EN_MONTHS = [
    "January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
    "November", "December",
]  # fmt: skip


def group(n: int, sep: str) -> str:
    return f"{n:,}".replace(",", sep)


def korean_units(n: int, *, spaced: bool, small_units: bool) -> str:
    """n written with 조/억/만 (and 천 when ``small_units``), the way Korean news writes amounts."""

    def section(q: int) -> str:
        if not small_units:
            return str(q)
        thousands, rest = divmod(q, 1000)
        return (f"{thousands}천" if thousands else "") + (str(rest) if rest or not thousands else "")

    parts = []
    for unit, size in (("조", 10**12), ("억", 10**8), ("만", 10**4)):
        q, n = divmod(n, size)
        if q:
            parts.append(section(q) + unit)
    text = (" " if spaced else "").join(parts)
    return text + section(n) if n or not parts else text


_SETTINGS = settings(max_examples=200, deadline=None)


@_SETTINGS
@given(
    n=st.integers(min_value=0, max_value=10**15 - 1),
    fr_sep=st.sampled_from([".", " ", NBSP, NNBSP]),
    spaced=st.booleans(),
    small_units=st.booleans(),
)
def test_integers_have_one_key_in_every_convention(
    n: int, fr_sep: str, spaced: bool, small_units: bool
) -> None:
    forms = [
        ("fr", f"Il y a {group(n, fr_sep)} personnes."),
        ("en", f"There are {n:,} people."),
        ("ko", f"모두 {n:,}명이다."),
        ("ko", f"모두 {korean_units(n, spaced=spaced, small_units=small_units)}명이다."),
    ]
    for lang, text in forms:
        assert only(text, lang).value == str(n), (lang, text)


@_SETTINGS
@given(
    cents=st.integers(min_value=1, max_value=10**9),
    scale=st.sampled_from([("millions", "million", 10**6), ("milliards", "billion", 10**9)]),
)
def test_decimals_percentages_and_scales_have_one_key(cents: int, scale: tuple[str, str, int]) -> None:
    value = Decimal(cents) / 100
    key = str(int(value)) if value == int(value) else format(value.normalize(), "f")
    fr = group(int(value), ".") + ("," + f"{cents % 100:02d}".rstrip("0") if cents % 100 else "")
    en = f"{int(value):,}" + ("." + f"{cents % 100:02d}".rstrip("0") if cents % 100 else "")
    assert only(f"soit {fr} unités", "fr").value == key
    assert only(f"some {en} units", "en").value == key
    assert only(f"une hausse de {fr}{NNBSP}%", "fr").value == key + "%"
    assert only(f"up {en} percent", "en").value == key + "%"
    assert only(f"{en}% 증가", "ko").value == key + "%"
    fr_word, en_word, multiplier = scale
    scaled = str(int(value * multiplier))
    assert only(f"{fr} {fr_word} de wons", "fr").value == scaled
    assert only(f"{en} {en_word} won", "en").value == scaled
    korean = korean_units(int(value * multiplier), spaced=True, small_units=False)
    assert only(f"{korean}원", "ko").value == scaled


@_SETTINGS
@given(day=st.dates(min_value=dt.date(1900, 1, 1), max_value=dt.date(2099, 12, 31)))
def test_dates_have_one_key(day: dt.date) -> None:
    french_day = "1er" if day.day == 1 else str(day.day)
    forms = [
        ("fr", f"le {french_day} {FR_MONTHS[day.month - 1]} {day.year}, à Séoul"),
        ("en", f"on {EN_MONTHS[day.month - 1]} {day.day}, {day.year}, in Seoul"),
        ("en", f"on {day.day} {EN_MONTHS[day.month - 1]} {day.year} in Seoul"),
        ("ko", f"{day.year}년 {day.month}월 {day.day}일 서울에서"),
    ]
    for lang, text in forms:
        mention = only(text, lang)
        assert (mention.kind, mention.value) == ("date", day.isoformat()), (lang, text)


@_SETTINGS
@given(hour=st.integers(min_value=0, max_value=23), minute=st.integers(min_value=0, max_value=59))
def test_times_have_one_key(hour: int, minute: int) -> None:
    twelve = hour % 12 or 12
    forms = [
        ("fr", f"à {hour}h{minute:02d}"),
        ("fr", f"à {hour} h {minute:02d}"),
        ("en", f"at {twelve}:{minute:02d} {'a.m.' if hour < 12 else 'p.m.'}"),
        ("en", f"at {hour:02d}:{minute:02d}"),
        ("ko", f"{'오전' if hour < 12 else '오후'} {twelve}시 {minute}분에"),
        ("ko", f"{hour}시 {minute}분에"),
    ]
    for lang, text in forms:
        mention = only(text, lang)
        assert (mention.kind, mention.value) == ("time", f"{hour:02d}:{minute:02d}"), (lang, text)


_TRICKY = [*"0123456789 .,:%-~+()[]h\n", NBSP, NNBSP, "er", "e", "st", "년", "월", "일", "시", "분"]
_TRICKY += ["만", "억", "조", "천", "백", "오후", "p.m.", "mars", "March", "May", "milliards", "billion"]
_TRICKY += ["heures", "G", "Malligyong-", "제", "번째", "퍼센트", "pour cent", "1er", "km", "A"]
tricky_text = st.lists(st.sampled_from(_TRICKY), max_size=40).map("".join) | st.text(max_size=80)


@_SETTINGS
@given(text=tricky_text, lang=st.sampled_from(["fr", "en", "ko"]))
def test_extraction_never_raises_and_offsets_slice_back(text: str, lang: str) -> None:
    mentions = extract_numbers(text, lang)
    end = 0
    for mention in mentions:
        assert mention.start >= end, "mentions overlap or are out of order"
        assert mention.end > mention.start
        assert text[mention.start : mention.end] == mention.text
        assert mention.kind in KINDS
        assert mention.value
        end = mention.end
    assert number_keys(text, lang) == {m.value for m in mentions}
    assert missing_numbers(text, lang, text, lang) == []
