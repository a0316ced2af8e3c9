"""Per-segment quality flags: which translated sentence an editor should check first, and why.

Every check is model-free (``low_confidence`` aside, which reads the model's own score), so the
same checks run on the service's output and, through ``mts check``, on translations made elsewhere.

* ``number_mismatch`` — a number, amount, percentage, date, time, rank ("12e") or the number of a
  name ("KF-21") of the source is missing from the output, or given fewer times, or the output has
  one the source has not, after normalizing each language's conventions
  (:mod:`service.text.numbers`). What translations legitimately do is allowed, each allowance with
  the tuning example that motivated it in the README: a number written in the output for digits
  the source has in another role ("60e anniversaire" → "60주년"), for a number the source writes in
  words ("deux cent vingt-quatre" → "224", "1re place" → "first place", "une quarantaine de
  millions" → "40 million"; :mod:`service.text.number_words`), a percentage whose sign is written
  once for a range, a value in another unit ("200 mégapixels" → "2억 화소", "25 points de base"
  → "0.25%포인트") or a duration in years and months ("18 mois" → "1년 6개월"); and, in Korean, a
  fraction in digits ("les trois quarts" → "4분의 3"), the dateline's date moved into the text as
  the day, a weekday written as the day of the month ("mardi" → "8일"), the month left out of a
  date in the same month ("10 octobre" → "10일") and a year written relative to the dispatch
  ("en 2025" → "지난해"), "la veille" as the day before the dateline's, and the digits of a name
  its Korean form does not write ("LIG Nex1" → "LIG넥스원") or a translation writes in words
  ("CO2" → "이산화탄소"). A segment is read in its dispatch
  (``dispatch=``, :func:`with_year`): a weekday against its dateline (as its date when the year is
  known), and Korean may repeat a count, a day or a month alone the dispatch gives elsewhere.
* ``entity_mismatch`` — a glossary entry found in the source is not rendered in the output with one
  of its glossary forms (:mod:`service.text.glossary`), or a name is added; in Korean, only a name
  the whole dispatch does not give counts as added. A place or organization may be rendered by a
  common noun: missing, it counts where another of its kind takes its place.
* ``term_not_applied`` — a glossary term of the source is in the output fewer times than in the
  source, and enforcing it (:mod:`service.quality.terms`) could not put it there.
* ``untranslated`` — the output is (nearly) the source copied through.
* ``loop`` — the output repeats itself the way a decoding loop does (after the engine's retry).
* ``length_ratio`` — output/source length in characters outside the band of the language pair, or
  fewer sentences in the output than in the French source (:func:`fewer_sentences`), or a double
  quotation mark left unpaired where the source's pair up (:func:`quotation_left_open`).
* ``low_confidence`` — the model's mean token log-probability is below the model's threshold.
"""

from __future__ import annotations

import datetime
import re
from collections import Counter
from collections.abc import Hashable, Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from difflib import SequenceMatcher
from typing import Literal, TypeVar

from service.config import parse_low_confidence
from service.quality.repetition import has_loop
from service.quality.terms import missing_terms
from service.text.entities import fold
from service.text.glossary import Glossary, GlossaryEntry, GlossaryMatch
from service.text.number_words import (
    english_digit_words,
    english_unit,
    french_counts,
    french_digits_and_parts,
    french_unit,
    word_values,
)
from service.text.numbers import VULGAR_FRACTIONS, NumberMention, extract_numbers, missing_numbers
from service.text.segment import segment, translated_sentences

FLAGS: tuple[str, ...] = (
    "number_mismatch",
    "entity_mismatch",
    "term_not_applied",
    "untranslated",
    "loop",
    "length_ratio",
    "low_confidence",
)
FLAG_DESCRIPTIONS: dict[str, str] = {
    "number_mismatch": "a number, amount, date or time differs from the source",
    "entity_mismatch": "a name is not in its glossary form",
    "term_not_applied": "a glossary term could not be written into the translation",
    "untranslated": "the source copied, not translated",
    "loop": "the output repeats itself",
    "length_ratio": "unusually long or short for a translation",
    "low_confidence": "the model was unsure",
}
# The flags :func:`bullet_flags` can raise, in ``FLAGS`` order.
BULLET_FLAGS: tuple[str, ...] = ("number_mismatch", "entity_mismatch", "loop")

# Output/source length in characters, per pair: the band covers every paragraph of the reference
# translations of the evaluation suite with a margin. Segments under MIN_LENGTH_CHARS are too
# short for a ratio to mean anything ("Photo : YONHAP News").
LENGTH_BANDS: dict[tuple[str, str], tuple[float, float]] = {
    ("fr", "en"): (0.55, 1.45),
    ("fr", "ko"): (0.22, 0.85),
    ("en", "ko"): (0.25, 0.95),
    ("en", "fr"): (0.7, 1.8),
    ("ko", "en"): (1.2, 4.5),
    ("ko", "fr"): (1.2, 5.0),
}
MIN_LENGTH_CHARS = 40
# Default threshold of ``low_confidence``: mean token log-probability (closer to 0 = surer).
DEFAULT_MIN_LOGPROB = -1.5
# ``untranslated``: at least this many words, and this share of the output's words found in the
# source, with the same spelling (accents aside).
COPY_MIN_WORDS = 4
COPY_SHARE = 0.75

_WORD_RE = re.compile(r"[^\W\d_]{2,}")
_WEEKDAYS = re.compile(
    r"\b(?:lundi|mardi|mercredi|jeudi|vendredi|samedi|dimanche|monday|tuesday|wednesday|thursday"
    r"|friday|saturday|sunday)\b",
    re.IGNORECASE,
)
_DEMONYM = re.compile(
    r"(?:[eé]ens?|[eé]ennes?|iens?|iennes?|ains?|aines?|ois|oises?|ais|aises?|russes?)$", re.IGNORECASE
)
_DATELINE = re.compile(r"^\s*[^\W\d_][^\n(]{0,60}?,\s*(?P<date>[^(\n]{1,30}?)\s*\(Yonhap\)", re.IGNORECASE)


@dataclass(frozen=True)
class Thresholds:
    """Per-model ``low_confidence`` thresholds: a default and overrides by model id."""

    default: float = DEFAULT_MIN_LOGPROB
    by_model: Mapping[str, float] | None = None

    @classmethod
    def parse(cls, value: str) -> Thresholds:
        """``-1.5`` or ``-1.5,Helsinki-NLP/opus-mt-fr-en=-1.2,facebook/m2m100_418M=-2``."""
        default, by_model = parse_low_confidence(value)
        return cls(DEFAULT_MIN_LOGPROB if default is None else default, by_model)

    def for_model(self, model_id: str | None) -> float:
        """The threshold of ``model_id`` (the default for unknown models)."""
        if model_id and self.by_model and model_id in self.by_model:
            return self.by_model[model_id]
        return self.default


def _weekday_days(source: str, src: str, dateline: str | None = None) -> set[int]:
    """Days of the month a weekday of the source may stand for. With a dateline that gives the year
    ("WASHINGTON, 9 avril 2026 (Yonhap)", :func:`with_year`), the dates of each weekday the source
    names in the six days before the dateline's day or the six after ("mardi" → "7일" or "14일");
    without one, any day of the week before or the two days after ("mardi" → any of 2 to 11). The
    dateline is ``dateline`` when it gives the year, else the source's own, else ``dateline``; any
    day without one."""
    if not _WEEKDAYS.search(source):
        return set()
    dated = _weekday_dates(source, dateline, src)
    if dated is not None:
        return {day for _, days in dated for day in days}
    dates = _dateline_dates(source, src) or (_dateline_dates(dateline, src) if dateline else set())
    days = {int(v.rsplit("-", 1)[1]) for v in dates if v.count("-") >= 3}
    if not days:
        return set(range(1, 32))
    return {(d + shift - 1) % 31 + 1 for d in days for shift in range(-7, 3)}


def _dateline_date(dateline: str | None, src: str) -> datetime.date | None:
    """The date of ``dateline`` when it gives the year (:func:`with_year`), else None."""
    dated = _dateline_dates(dateline, src) if dateline else set()
    full = [v for v in dated if re.fullmatch(r"\d{4}-\d\d-\d\d", v)]
    return datetime.date.fromisoformat(full[0]) if full else None


def _weekday_window(dateline: str | None, src: str) -> list[datetime.date] | None:
    """The dates a weekday may stand for: the six days before the dateline's day, the day itself and
    the six after ("les 6e et 7e matchs samedi et dimanche", yna-fr2-129); None when ``dateline``
    gives no year."""
    day = _dateline_date(dateline, src)
    return None if day is None else [day + datetime.timedelta(days=shift) for shift in range(-6, 7)]


def _weekday_dates(
    source: str, dateline: str | None, src: str
) -> list[tuple[re.Match[str], set[int]]] | None:
    """Each weekday of the source with the days of the month it may stand for (see
    :func:`_weekday_window`), or None when ``dateline`` gives no year."""
    window = _weekday_window(dateline, src)
    if window is None:
        return None
    return [
        (m, {d.day for d in window if d.weekday() == _WEEKDAY_NUMBERS[m.group().lower()]})
        for m in _WEEKDAYS.finditer(source)
    ]


# "jour pour jour": the same date in another year.
_FR_TO_THE_DAY = re.compile(r"\bjour\s+pour\s+jour\b", re.IGNORECASE)


def _same_day_of_year(values: Iterable[str], source: str, dateline: str | None, src: str) -> set[str]:
    """Those of the date ``values`` that have the day and month of the dateline's date (that of
    ``source``, else of ``dateline``) and, if they give a year, an earlier one."""
    dated = _dateline_dates(source, src) or (_dateline_dates(dateline, src) if dateline else set())
    days = {(_month_of(v), _day_of(v)): re.match(r"\d{4}", v) for v in dated}
    found = set()
    for value in values:
        match = re.fullmatch(r"(?:(\d{4}))?--(\d\d)-(\d\d)", value)
        if match and (int(match.group(2)), int(match.group(3))) in days:
            year = days[(int(match.group(2)), int(match.group(3)))]
            if match.group(1) is None or (year is not None and int(match.group(1)) < int(year.group())):
                found.add(value)
    return found


# "6월 6∼8일": a range of days of one month.
_KO_DAY_RANGE_OF_MONTH = re.compile(r"(?<![\d.,])(\d{1,2})월\s*(\d{1,2})일?\s*[~～∼\-–]\s*(\d{1,2})일")


def _ko_days_within_ranges(output: str) -> set[tuple[int, int]]:
    """(month, day) of each day strictly inside a Korean range of dates ("6월 6∼8일": June 7)."""
    return {
        (int(m.group(1)), day)
        for m in _KO_DAY_RANGE_OF_MONTH.finditer(output)
        for day in range(int(m.group(2)) + 1, int(m.group(3)))
    }


def _month_day(value: str) -> tuple[int | None, int | None]:
    """(month, day) of a date value with both ("--06-07", "2026-06-07"), else (None, None)."""
    match = re.fullmatch(r"(?:\d{4})?--?(\d\d)-(\d\d)", value)
    return (int(match.group(1)), int(match.group(2))) if match else (None, None)


def _weekday_month_days(source: str, dateline: str | None, src: str) -> set[str]:
    """The dates ("--11-01") each weekday of the source may stand for, with their months (see
    :func:`_weekday_dates`); none when ``dateline`` gives no year."""
    window = _weekday_window(dateline, src)
    if window is None:
        return set()
    named = {_WEEKDAY_NUMBERS[m.group().lower()] for m in _WEEKDAYS.finditer(source)}
    return {f"--{d.month:02d}-{d.day:02d}" for d in window if d.weekday() in named}


def _weekdays_unwritten(source: str, src: str, output: str, dateline: str | None) -> list[NumberMention]:
    """Weekdays of the source none of whose dates is a day of the Korean output ("mardi" → "7일"
    lost): only with a dateline that gives the year (:func:`with_year`)."""
    dated = _weekday_dates(source, dateline, src)
    if not dated:
        return []
    days = {day for m in extract_numbers(output, "ko") if (day := _day_of(m.value)) is not None}
    # "vendredi, samedi et dimanche" → "24∼26일" (yna-fr2-355): a range of days gives the days within,
    # to the weekdays the source lists together; "samedi" alone is its own date (yna-fr2-103).
    within: set[int] = set()
    for m in _KO_DAY_RANGE.finditer(output):
        first, last = int(m.group(1)), int(m.group(2))
        if first < last <= first + 6:
            within |= set(range(first, last + 1))
    listed = [(m.start(), m.end()) for m in _FR_WEEKDAY_LIST.finditer(source)] if within else []
    # "jeudi" → "어제" in the words of the dateline's day (yna-fr2-359): yesterday, today and
    # tomorrow count from the dateline's.
    if (today := _dateline_date(dateline, src)) is not None:
        days |= {
            (today + datetime.timedelta(days=_KO_NEAR_DAYS[m.group()])).day
            for m in _KO_NEAR_DAY.finditer(output)
        }
    # "Diffusée le samedi et le dimanche" → "매주 토·일요일 방송된" (yna-fr2-237): a weekday of a
    # schedule, written by its name.
    named = {
        _KO_WEEKDAYS.index(day)
        for group in _KO_WEEKDAY_RE.findall(output)
        for day in group
        if day in _KO_WEEKDAYS
    }
    unwritten = [
        NumberMention(m.group(), m.start(), m.end(), "date", "")
        for m, want in dated
        # "le jeudi 26 nov." (yna-fr2-61): the date that follows is checked as a number.
        if not want & days
        and not (want & within and any(start <= m.start() < end for start, end in listed))
        and not _DAY_AFTER.match(source, m.end())
        and _WEEKDAY_NUMBERS[m.group().lower()] not in named
    ]
    # "Mercredi également" → "같은 날" (yna-fr2-71): a day named relative to another, one weekday each.
    return unwritten[len(_KO_RELATIVE_DAY.findall(output)) :]


# A day named relative to the dateline's: "la veille" → "17일" under "VARSOVIE, 18 nov" (yna-fr2-219).
# "la veille du scrutin" is relative to another day.
_FR_RELATIVE_DAY = re.compile(
    r"\b(l['’]avant-veille|la veille|le lendemain|aujourd['’]hui)\b(?!\s+(?:de|du|des|d['’]))", re.IGNORECASE
)
_FR_DAY_SHIFTS = {"l'avant-veille": -2, "la veille": -1, "le lendemain": 1, "aujourd'hui": 0}


def _relative_days(source: str, src: str, dateline: str | None) -> set[int]:
    """Days of the month the source's "la veille", "le lendemain", "l'avant-veille" and
    "aujourd'hui" stand for, counted from the dateline's day (the source's own, else ``dateline``);
    across a month's end with any month's length when the dateline gives no year."""
    shifts = {
        _FR_DAY_SHIFTS[m.group(1).lower().replace("’", "'")]
        for m in (_FR_RELATIVE_DAY.finditer(source) if src == "fr" else ())
    }
    dates = _dateline_dates(source, src) or (_dateline_dates(dateline, src) if dateline else set())
    days: set[int] = set()
    for value in dates:
        month, day = _month_of(value), _day_of(value)
        if month is None or day is None:
            continue
        year = re.match(r"\d{4}", value)
        for y in (int(year.group()),) if year else (2000, 2001):  # leap and not
            try:
                date = datetime.date(y, month, day)
            except ValueError:
                continue
            days |= {(date + datetime.timedelta(days=shift)).day for shift in shifts}
    return days


_DAY_AFTER = re.compile(r"\s+(?:1er|\d{1,2})\b")
# Korean weekday names, alone or joined ("토요일", "토·일요일"), Monday first.
_KO_WEEKDAYS = "월화수목금토일"
_KO_WEEKDAY_RE = re.compile(r"(?<![\uac00-\ud7a3])((?:[월화수목금토일]\s?[·,]\s?)*[월화수목금토일])요일")
_KO_RELATIVE_DAY = re.compile(r"같은\s?날|이날|당일|그날|전날|다음\s?날|이튿날")
_FR_WEEKDAY_LIST = re.compile(
    rf"{_WEEKDAYS.pattern}(?:\s*,\s*{_WEEKDAYS.pattern})*\s+et\s+{_WEEKDAYS.pattern}", re.IGNORECASE
)
_KO_DAY_RANGE = re.compile(r"(?<![\d.])(\d{1,2})\s?[∼~]\s?(\d{1,2})일")
_KO_NEAR_DAYS = {"어제": -1, "오늘": 0, "내일": 1}
_KO_NEAR_DAY = re.compile(r"(?<![\uac00-\ud7a3])(?:어제|오늘|내일)(?!날)")


_WEEKDAY_NUMBERS = {
    name: number
    for number, names in enumerate(
        [("lundi", "monday"), ("mardi", "tuesday"), ("mercredi", "wednesday"), ("jeudi", "thursday"),
         ("vendredi", "friday"), ("samedi", "saturday"), ("dimanche", "sunday")]
    )
    for name in names
}  # fmt: skip


def dateline_of(text: str) -> str | None:
    """The dateline that opens ``text`` ("SÉOUL, 12 mars (Yonhap)"), or None."""
    match = _DATELINE.match(text)
    return match.group() if match else None


def with_year(text: str, year: int | None) -> str:
    """``text`` with ``year`` written into the date of its dateline when that gives none ("SÉOUL,
    12 mars 2026 (Yonhap) -- ..."): a dispatch as the checks read it, its weekdays as dates."""
    match = _DATELINE.match(text)
    if year is None or not match or re.search(r"\b\d{4}\b", match.group("date")):
        return text
    return f"{text[: match.end('date')]} {year}{text[match.end('date') :]}"


def dated(
    text: str, year: int | Literal["auto"] | None, today: datetime.date | None = None, src: str = "fr"
) -> str:
    """``text`` (a dispatch) with the year of its dateline written in when that gives none: ``year``,
    or with ``auto`` the one :func:`dateline_year` infers as of ``today`` (the clock's UTC date when
    None); ``None`` leaves the text as it is (MTS_DATELINE_YEAR)."""
    if year == "auto":
        year = dateline_year(text, today or utc_today(), src)
    return with_year(text, year)


def utc_today() -> datetime.date:
    """The clock's date in UTC (what ``auto`` reads a dateline against)."""
    return datetime.datetime.now(datetime.UTC).date()


def dateline_year(text: str, today: datetime.date, src: str = "fr") -> int | None:
    """The year of a dateline that gives none ("SÉOUL, 30 déc. (Yonhap)"), for copy read on or
    after the day it is dated: the latest year that puts its day no later than two days after
    ``today`` (Seoul is ahead of the servers' clocks). On 2 January, 30 December is last year's;
    on 4 December, 26 February is this year's. None without a dateline, with one that gives its
    year, or with a day that is no date of this year or the last ("29 févr." in 2026)."""
    match = _DATELINE.match(text)
    if not match or re.search(r"\b\d{4}\b", match.group("date")):
        return None
    latest = today + datetime.timedelta(days=2)
    for value in sorted(_dateline_dates(text, src)):
        month, day = _month_of(value), _day_of(value)
        if month is None or day is None:
            continue
        for year in (latest.year, latest.year - 1):
            try:
                candidate = datetime.date(year, month, day)
            except ValueError:  # 29 February of a year that has none
                continue
            if candidate <= latest:
                return year
    return None


def _dateline_dates(source: str, src: str) -> set[str]:
    """Values of the dateline's date ("SÉOUL, 12 mars (Yonhap) --")."""
    match = _DATELINE.match(source)
    if not match:
        return set()
    start, end = match.span("date")
    # Read in the whole text: "16 sept" is a date only before its "(Yonhap)".
    return {m.value for m in extract_numbers(source[: match.end()], src) if start <= m.start < end}


_DIGIT_RUN = re.compile(r"\d+")
# Fractions a French source writes in words ("les deux tiers", "un quart") and Korean writes in
# digits, denominator first ("3분의 2", "4분의 1"). Motivated by tuning-half references of the
# hard-numbers suite ("trois quarts" → "4분의 3", yna-fr2-31 and -39).
_FR_NUMERATORS = {"un": 1, "une": 1, "deux": 2, "trois": 3, "quatre": 4, "cinq": 5, "six": 6, "sept": 7}
_FR_DENOMINATORS = {
    "tiers": 3, "quart": 4, "quarts": 4, "cinquieme": 5, "cinquiemes": 5, "sixieme": 6, "sixiemes": 6,
    "huitieme": 8, "huitiemes": 8, "dixieme": 10, "dixiemes": 10,
}  # fmt: skip
_FR_FRACTION = re.compile(rf"\b({'|'.join(_FR_NUMERATORS)})\s+({'|'.join(_FR_DENOMINATORS)})\b")
_KO_FRACTION = re.compile(r"(?<![\d.,])(\d{1,2})\s*분의\s*(\d{1,2})(?![\d.,])")


def _french_fractions(source: str) -> set[tuple[int, int]]:
    """(numerator, denominator) of each fraction the French source writes in words."""
    return {(_FR_NUMERATORS[num], _FR_DENOMINATORS[den]) for num, den in _FR_FRACTION.findall(fold(source))}


def _same_fractions(source: str, output: str) -> list[tuple[int, int]]:
    """Spans of the Korean output's fractions ("3분의 2") that the French source writes in words
    with the same value: their digits are that fraction, not numbers the source lacks. A fraction
    of another value ("3분의 1" for "deux tiers") is not among them."""
    fractions = _french_fractions(source)
    return [
        m.span() for m in _KO_FRACTION.finditer(output) if (int(m.group(2)), int(m.group(1))) in fractions
    ]


# After a fraction in words whose denominator is also an ordinal ("un cinquième mandat" is a fifth
# term): only "de", "des", "du", "d'", "à" or punctuation make it a fraction.
_FR_FRACTION_AFTER = re.compile(r"\s*(?:[.,;:)]|$)|\s+(?:de|des|du|a)\b|\s+d'")


_Key = TypeVar("_Key", bound=Hashable)


def _unmatched(wanted: list[tuple[_Key, NumberMention]], given: Counter[_Key]) -> list[NumberMention]:
    """The mentions of ``wanted`` whose key ``given`` does not hold as many times: each given key
    answers one wanted mention."""
    missing = []
    for key, mention in wanted:
        if given[key] > 0:
            given[key] -= 1
        else:
            missing.append(mention)
    return missing


def _fractions_missing(source: str, output: str) -> list[NumberMention]:
    """Fractions the French source writes in words that the Korean output does not give, as it
    always does, denominator first ("les deux tiers" → "3분의 2"; every fraction of the tuning half,
    yna-fr2-99, -101 and -107 lost or changed unnoticed)."""
    folded = fold(source)
    wanted: list[tuple[tuple[int, int], NumberMention]] = []
    for m in _FR_FRACTION.finditer(folded):
        num, den = m.groups()
        if den not in ("tiers", "quart", "quarts") and not _FR_FRACTION_AFTER.match(folded, m.end()):
            continue
        key = (_FR_NUMERATORS[num], _FR_DENOMINATORS[den])
        wanted.append(
            (
                key,
                NumberMention(
                    source[m.start() : m.end()], m.start(), m.end(), "fraction", f"{key[0]}/{key[1]}"
                ),
            )
        )
    given = Counter((int(m.group(2)), int(m.group(1))) for m in _KO_FRACTION.finditer(output))
    given.update(VULGAR_FRACTIONS[char] for char in output if char in VULGAR_FRACTIONS)  # "6⅔이닝"
    return _unmatched(wanted, given)


# A quarter of the year the French names by an ordinal in words ("au troisième trimestre"), which
# Korean always writes in digits ("3분기"; yna-fr2-29, -45, -81, -85 lost such digits unnoticed).
# "le dernier trimestre" may be the latest quarter, not the fourth: it is not required.
_FR_QUARTER_WORDS = re.compile(r"\b(premier|deuxieme|second|troisieme|quatrieme)\s+trimestre\b")
_FR_QUARTER_VALUES = {"premier": 1, "deuxieme": 2, "second": 2, "troisieme": 3, "quatrieme": 4}
_KO_QUARTER_NUMBER = re.compile(r"(?<![\d.])([1-4])\s?분기(?!\s?연속)")


def _quarters_missing(source: str, output: str) -> list[NumberMention]:
    """Quarters the French names in words that the Korean output does not give in digits."""
    wanted: list[tuple[int, NumberMention]] = [
        (value, NumberMention(m.group(), m.start(), m.end(), "ordinal", str(value)))
        for m in _FR_QUARTER_WORDS.finditer(fold(source))
        if (value := _FR_QUARTER_VALUES[m.group(1)])
    ]
    return _unmatched(wanted, Counter(int(m.group(1)) for m in _KO_QUARTER_NUMBER.finditer(output)))


# Values a source number may take in another unit, each with the tuning example that motivated it:
# "200 mégapixels" → "2억 화소" (hard-numbers yna-fr2-05), "25 points de base" → "0.25%포인트"
# (yna-fr2-13). (pattern after the number, factor, suffix of the key).
_UNIT_CONVERSIONS: tuple[tuple[re.Pattern[str], Decimal, str], ...] = (
    (re.compile(r"\s?(?:m[eé]gapixels?|Mpx)\b", re.IGNORECASE), Decimal(10**6), ""),
    (re.compile(r"\s?points?\s+de\s+base\b", re.IGNORECASE), Decimal("0.01"), "%"),
    (re.compile(r"[\s-]?basis[\s-]points?\b", re.IGNORECASE), Decimal("0.01"), "%"),
    # "146 millièmes" → "0.146 seconds" (yna-fr2-69), as "quatre millièmes" in words already is.
    (re.compile(r"\s+milli[eè]mes?\b", re.IGNORECASE), Decimal("0.001"), ""),
    (re.compile(r"\s+centi[eè]mes?\b", re.IGNORECASE), Decimal("0.01"), ""),
    (re.compile(r"\s+dixi[eè]mes?\b", re.IGNORECASE), Decimal("0.1"), ""),
    # "un terrain de 84 hectares" → "84만㎡ 부지" (yna-fr2-315): square metres.
    (re.compile(r"\s?hectares?\b", re.IGNORECASE), Decimal(10_000), ""),
)
# "a gagné le 500 m en 40.987": a race time in seconds written with a dot, which French copy
# otherwise uses between thousands (yna-fr2-69). After "en", with under 60 before the dot and
# three digits after, the number is read both ways; the decimal reading is the same digits.
_FR_RACE_TIME = re.compile(r"[1-5]?\d\.\d{3}")
_FR_BEFORE_TIME = re.compile(r"\ben\s+$")


def _converted(text: str, lang: str) -> dict[int, set[str]]:
    """Other keys of the mentions of ``text`` followed by a unit of ``_UNIT_CONVERSIONS``, by start."""
    found: dict[int, set[str]] = {}
    for mention in extract_numbers(text, lang):
        if mention.kind != "number":
            continue
        if (
            lang == "fr"
            and _FR_RACE_TIME.fullmatch(mention.text)
            and _FR_BEFORE_TIME.search(text, max(0, mention.start - 6), mention.start)
        ):
            found.setdefault(mention.start, set()).update({mention.text, f"{mention.text}s"})
        for pattern, factor, suffix in _UNIT_CONVERSIONS:
            if pattern.match(text, mention.end):
                value = Decimal(mention.value) * factor
                key = (
                    str(int(value)) if value == value.to_integral_value() else format(value.normalize(), "f")
                )
                found.setdefault(mention.start, set()).add(key + suffix)
    return found


# Durations in months: "3 ans et demi" → "3년 6개월" (hard-numbers yna-fr2-17), "18 mois" →
# "1년 6개월" (yna-fr2-19). The Korean years-and-months form is read as one duration. And in
# minutes: "trois heures et demie" → "3시간 30분", "three hours and 30 minutes" (yna-fr2-153, -167;
# "2시간 반" and "two and a half hours" are read by ``word_values`` as 2.5).
_FR_DURATION = re.compile(r"\b(\d+|[^\W\d_]+)\s+(ans?|mois)(\s+et\s+demi)?\b", re.IGNORECASE)
_FR_HALF_HOURS = re.compile(r"\b(\d+|[^\W\d_]+)\s+heures?\s+et\s+demie\b", re.IGNORECASE)
# "retardés jusqu'à 3 heures 40 minutes" → "최대 3시간 40분", "up to three hours and 40 minutes"
# (yna-fr2-243): hours and minutes, a length of time, not a clock time.
_FR_HOURS_MINUTES = re.compile(r"(?<![\d.,])(\d{1,2})\s?heures?\s?(\d{1,2})\s?minutes?\b", re.IGNORECASE)
_KO_DURATION = re.compile(r"(?<![\d.,])(?:(\d+)년\s*)?(\d+)개월(?:\s*반)?|(?<![\d.,])(\d+)년\s*반")
_KO_HOURS = re.compile(r"(?<![\d.,])(\d+)시간\s*(\d+)분")


_EN_DURATION = re.compile(
    r"(?P<half_year>\b(?:a|one) year and a half\b|\b(?:one|1)[\s-]and[\s-]a[\s-]half[\s-]years?\b)"
    r"|(?<![\d.,])(?P<n>\d+)(?P<half>[\s-]and[\s-]a[\s-]half)?[\s-](?P<unit>years?|months?)\b",
    re.IGNORECASE,
)
_EN_HOURS = re.compile(r"\b(?P<n>\d+|[a-z]+)[\s-]hours?,?\s+and\s+(?P<m>\d+)\s+minutes?\b", re.IGNORECASE)


def _durations(text: str, lang: str) -> list[tuple[int, int, str]]:
    """(start, end, length) of each duration in years and months ("3 ans et demi", "three and a
    half years" in digits, "3년 6개월"; length "42mo") and in hours and minutes ("trois heures et
    demie", "3시간 30분"; length "210min")."""
    found: list[tuple[int, int, str]] = []
    if lang == "fr":
        for m in _FR_DURATION.finditer(text):
            n = int(m.group(1)) if m.group(1).isdigit() else french_unit(m.group(1))
            if n is None:
                continue
            months = n * 12 if m.group(2).lower().startswith("an") else n
            found.append((m.start(), m.end(), f"{months + (6 if m.group(3) and months >= 12 else 0)}mo"))
        for m in _FR_HALF_HOURS.finditer(text):
            n = int(m.group(1)) if m.group(1).isdigit() else french_unit(m.group(1))
            if n is not None:
                found.append((m.start(), m.end(), f"{n * 60 + 30}min"))
        for m in _FR_HOURS_MINUTES.finditer(text):
            found.append((m.start(), m.end(), f"{int(m.group(1)) * 60 + int(m.group(2))}min"))
    elif lang == "en":
        for m in _EN_DURATION.finditer(text):
            if m.group("half_year"):
                found.append((m.start(), m.end(), "18mo"))
            else:
                n = int(m.group("n"))
                months = n if m.group("unit").lower().startswith("month") else n * 12
                found.append((m.start(), m.end(), f"{months + (6 if m.group('half') else 0)}mo"))
        for m in _EN_HOURS.finditer(text):
            hours = m.group("n")
            n = int(hours) if hours.isdigit() else english_unit(hours)
            if n is not None:
                found.append((m.start(), m.end(), f"{n * 60 + int(m.group('m'))}min"))
    elif lang == "ko":
        for m in _KO_DURATION.finditer(text):
            if m.group(3):
                found.append((m.start(), m.end(), f"{int(m.group(3)) * 12 + 6}mo"))
            else:
                found.append((m.start(), m.end(), f"{int(m.group(1) or 0) * 12 + int(m.group(2))}mo"))
        for m in _KO_HOURS.finditer(text):
            found.append((m.start(), m.end(), f"{int(m.group(1)) * 60 + int(m.group(2))}min"))
    return found


# Korean writes a year of the recent past or near future relative to the dispatch ("en 2025" →
# "지난해", hard-numbers yna-fr2-39).
_KO_RELATIVE_YEAR = re.compile(r"지난해|작년|올해|금년|내년|전년|이듬해|같은\s?해|그해")
# The year the text has just given.
_KO_SAME_YEAR = re.compile(r"같은\s?해|그해")
# Those relative to the dispatch's own year.
_KO_YEARS_FROM_NOW = (
    (re.compile(r"지난해|작년"), -1),
    (re.compile(r"올해|금년"), 0),
    (re.compile(r"내년"), 1),
)


# A conversion the translation adds in brackets after an amount or a time ("10억 달러(약 1조3천억 원)",
# "1.5 trillion won (US$1.1 billion)", "오전 10시(한국시간 오후 5시)"): Yonhap's English and Korean
# services add them; the source gives only the first value, which must still be there.
_BRACKETS = re.compile(r"\((?P<inner>[^()\n]{1,50})\)")
_CURRENCY = re.compile(
    r"원|달러|유로|엔|위안|파운드|\bwon\b|dollars?|euros?|\byen\b|yuan|pounds?|US\$|\$|€|£|¥|₩"
)
_LOCAL_TIME = re.compile(
    r"한국\s?시간|서울\s?시간|현지\s?시간|\b(?:Seoul|Korea|local) time\b|\bKST\b", re.IGNORECASE
)


def _conversions(output: str, tgt: str) -> list[tuple[int, int]]:
    """Spans of bracketed conversions right after an amount or a time of the output."""
    mentions = extract_numbers(output, tgt)
    spans: list[tuple[int, int]] = []
    for m in _BRACKETS.finditer(output):
        inner = m.group("inner")
        if not any(c.isdigit() for c in inner):
            continue
        before = [n for n in mentions if n.end <= m.start() and m.start() - n.end <= 12]
        if not before:
            continue
        if _LOCAL_TIME.search(inner) or (
            _CURRENCY.search(inner) and _CURRENCY.search(output, before[-1].end, m.start() + 1)
        ):
            spans.append(m.span())
    return spans


_FR_THREE_PARTIES = re.compile(r"\btrilat[ée]ra(?:l|le|les|ux)\b|\btripartites?\b", re.IGNORECASE)
_FR_ONE_POINT = re.compile(r"\b(?:chaque|par|un|le|du|au)\s+point\s+de\s+pourcentage\b", re.IGNORECASE)


def _allowed_additions(source: str, src: str, rank: bool = False) -> set[str]:
    """Values an output may write that the source gives in another form: digits the source has in
    another role, and numbers it writes in words (:mod:`service.text.number_words`). A ``rank``
    ("6위") may take only the value of a number of the source, not digits of a date, a time or a
    larger number: "6 millions d'entrées" and "7 septembre" give no 6th or 7th place (yna-fr2-103)."""
    if rank:
        digits = {
            _bare(m.value) for m in extract_numbers(source, src) if m.kind not in ("date", "time", "year")
        }
    else:
        digits = {str(int(run)) for run in _DIGIT_RUN.findall(source)}
    # "chaque point de pourcentage de droits" → "1%포인트" (yna-fr2-275): one point, said in words;
    # "l'exercice trilatéral" → "3국 훈련" (yna-fr2-295): three countries.
    said = {"1%"} if src == "fr" and _FR_ONE_POINT.search(source) else set()
    if src == "fr" and _FR_THREE_PARTIES.search(source):
        said.add("3")
    return digits | {"1"} | word_values(source, src) | said


def _bare(value: str) -> str:
    """A value without its percent sign, and a race time as its seconds ("46.41s" is the "46.41
    seconds" of the output, yna-fr2-119)."""
    return value[:-1] if value.endswith("%") or re.fullmatch(r"\d+(?:\.\d+)?s", value) else value


_SERIAL_RE = re.compile(r"-(\d{1,3})(?![\d.,])")


def _designator_serials(text: str, lang: str) -> dict[int, str]:
    """Start of each designator written with a serial after a hyphen ("CAS500-5") → the serial."""
    serials: dict[int, str] = {}
    for m in extract_numbers(text, lang):
        if m.kind == "designator" and (serial := _SERIAL_RE.match(text, m.end)):
            serials[m.start] = serial.group(1).lstrip("0") or "0"
    return serials


_FR_RELATIVE_MONTH = re.compile(
    r"\b(?:le|au|du|ce)\s+mois\s+(?:dernier|précédent|precedent|suivant|prochain|en cours)\b|\bce mois-ci\b",
    re.IGNORECASE,
)
_FR_FIRST_PERIODS = {
    unit: re.compile(rf"\b(?P<n>[^\W_]+)\s+premiers\s+{unit}\b", re.IGNORECASE) for unit in ("mois", "jours")
}
_LAST_OF = {"mois": 12, "jours": 31}


def _first_periods(source: str, src: str, unit: str = "mois") -> set[int]:
    """N of "les N premiers mois" (the first N months of the year) or "les N premiers jours" (of a
    month) in a French source."""
    if src != "fr":
        return set()
    found: set[int] = set()
    for m in _FR_FIRST_PERIODS[unit].finditer(source):
        written = m.group("n")
        values = {written} if written.isdigit() else word_values(written, "fr")
        found |= {int(v) for v in values if v.isdigit() and 2 <= int(v) <= _LAST_OF[unit]}
    return found


# A relay and its legs ("4x200 m"), the medley's name ("quatre nages"), a dozen, and "since January";
# the Korean for the year so far (yna-fr2-295, -301, -309).
_FR_RELAY = re.compile(r"(?<![\d.,])([2-8])\s?[x×]\s?(\d{2,3})\s?m\b")
_FR_MEDLEY = re.compile(r"\bquatre(?=\s+nages\b)", re.IGNORECASE)
_FR_DOZEN = re.compile(r"\bdouzaines?\b", re.IGNORECASE)
_FR_SINCE_JANUARY = re.compile(r"\bdepuis\s+(?:le\s+(?:début|1er)\s+)?janv(?:ier|\.)?", re.IGNORECASE)
_KO_YEAR_SO_FAR = re.compile(r"올해\s?누적|올\s?들어|올해\s?들어|연초\s?이후|연간\s?누적")
# "depuis janvier" → "올해" alone (yna-fr2-381), where the Korean says since nothing else: "올해 1월
# 이후" with its January lost is no year so far.
_KO_THIS_YEAR = re.compile(r"올해")
_KO_SINCE = re.compile(r"이후|부터|이래")
# "les vingt premiers jours de juillet" → "7월 1∼20일", "이달 1∼20일" (yna-fr2-285): the first day to
# the Nth, written as a range of dates.
_DAY_VALUE = re.compile(r"---\d\d|--\d\d-\d\d")
_KO_FIRST_DAYS = re.compile(r"(?<![\d.,])1\s?[∼~\-–]\s?(\d{1,2})일")


# "avant de regagner Séoul le 9." (yna-fr2-101): a day of the month the French gives alone, its month
# understood from the sentence; the translation may name the month ("on Nov. 9").
_FR_BARE_DAY = re.compile(
    r"\b(?:le|du|au|jusqu'au)\s+(\d{1,2})(?=\s*[.,;)]|\s*$|\s+(?:au|et)\b)", re.IGNORECASE
)


def _bare_days(source: str, src: str) -> dict[int, int]:
    """Start of each day of the month a French source gives without its month, and the day."""
    if src != "fr":
        return {}
    return {m.start(1): int(m.group(1)) for m in _FR_BARE_DAY.finditer(source) if 1 <= int(m.group(1)) <= 31}


def _day_of(value: str) -> int | None:
    """The day of a date value ("---09", "--11-09", "2026-11-09"), or None."""
    match = re.fullmatch(r"(?:---|--\d\d-|\d{4}-\d\d-)(\d\d)", value)
    return int(match.group(1)) if match else None


_KO_COUNTER_AFTER = re.compile(r"\s?[\uac00-\ud7a3]")
_FR_AGE_DECADE = re.compile(r"\b([1-9]0)(?:\s*-\s*|\s+a\s+|\s+)([1-9]9)\s+ans\b")  # folded: "-" may be " "
_DECADE = {"en": r"\b{}s\b", "ko": r"(?<![\d.,]){}대"}


_FR_DURATION_BEFORE = re.compile(
    r"\b(?:dur[ée]e?s?(?:\s+de)?|pendant|durant)\s+(?:environ\s+|pr[eè]s\s+de\s+|plus\s+de\s+|quelque\s+)?$",
    re.IGNORECASE,
)


def _lasting(source: str, mention: NumberMention, given: set[str]) -> bool:
    """True for a French time that is a duration ("a duré 1h40", "d'une durée de 2h12") whose hours
    and minutes are both among the ``given`` values of the output, or given as minutes
    ("132-minute")."""
    if not _FR_DURATION_BEFORE.search(source[max(0, mention.start - 40) : mention.start]):
        return False
    hours, minutes = (int(part) for part in mention.value.split(":"))
    return str(hours * 60 + minutes) in given or (
        str(hours) in given and (minutes == 0 or str(minutes) in given)
    )


def _month_of(value: str) -> int | None:
    """The month of a date value ("--11-09", "2026-11-09", "--11"), or None."""
    match = re.fullmatch(r"(?:\d{4})?--?(\d\d)(?:-\d\d)?", value)
    return int(match.group(1)) if match else None


def _counts_in_words_missing(
    source: str, output: str, tgt: str, output_bare: set[str]
) -> list[NumberMention]:
    """The cardinals the French source writes in words ("cinq tournois", "dix ans") that the output
    gives neither in digits nor in words ("5개 메이저대회", "10 years", "다섯 번")."""
    given = output_bare | word_values(output, tgt)
    return [
        NumberMention(source[a:b], a, b, "number", value)
        for a, b, value in french_counts(source)
        if value not in given
    ]


_COUNTED = frozenset({"number", "percent", "ordinal", "designator"})
# Korean gives a date or a year as often as the source, or names it relative to the first ("이날",
# "같은 해"): "2028년 24문", "9월 말" lost where the same year or month stays (tuning files
# yna-fr2-47, -61).
_KO_COUNTED = _COUNTED | {"date", "year"}


def _fewer(source: str, src: str, output: str, tgt: str, known: set[int]) -> list[NumberMention]:
    """Mentions of the source whose value the output gives fewer times ("20 ans ... 20 ans" →
    "20 years ... years"): the last ones of each value, beyond the output's count. In Korean,
    dates and years count too, less those named relative to another ("이날", "같은 해")."""
    output_counts: dict[str, int] = {}
    for m in extract_numbers(output, tgt):
        output_counts[_bare(m.value)] = output_counts.get(_bare(m.value), 0) + 1
    if tgt == "en":
        # English spells out one to nine ("2 heures" → "two hours" beside "Hwasal-2", yna-fr2-77).
        for value in map(str, english_digit_words(output)):
            output_counts[value] = output_counts.get(value, 0) + 1
    counted = _KO_COUNTED if tgt == "ko" else _COUNTED
    by_value: dict[str, list[NumberMention]] = {}
    for m in extract_numbers(source, src):
        if m.kind in counted:
            by_value.setdefault(_bare(m.value), []).append(m)
    fewer: list[NumberMention] = []
    for value, mentions in by_value.items():
        have = output_counts.get(value, 0)
        if 0 < have < len(mentions):
            fewer += [m for m in mentions[have:] if m.start not in known]
    if tgt == "ko":
        for kind, relative in (("date", _KO_RELATIVE_DAY), ("year", _KO_RELATIVE_YEAR)):
            lost = [m for m in fewer if m.kind == kind]
            if lost and len(lost) <= len(relative.findall(output)):
                fewer = [m for m in fewer if m.kind != kind]
    return fewer


def number_problems(
    source: str, src: str, output: str, tgt: str, dispatch: str | None = None
) -> list[NumberMention]:
    """Mentions missing from the output (source side) or added by it (output side), and Korean
    counters left without their number; ``dispatch``: the whole dispatch ``source`` is part of."""
    dropped, added = number_diff(source, src, output, tgt, dispatch)
    return dropped + added + (orphan_counters(output) if tgt == "ko" else [])


# Korean counters and units that never stand without a number ("구축함 척을" for "구축함 3척을",
# "년 연속", "분의 3", "의 %를", "월 ∼3.5%"): at the start of a word, after a word that is no
# number, the number was lost. A "%" counts only before a particle: "(단위: %)" names a unit.
# A count before "연속" and a count of people before "중" ("3시즌 연속", "7명 중 1명": tuning
# files yna-fr2-01, -23, -29 lost them as "시즌 연속", "명 중 1명", and "3명 중 명에").
_KO_ORPHAN_RE = re.compile(
    r"(?<![^\s(])(?:명(?=이\b|은|을|에게|에\s|의|으로|과|와|도|씩|가량|정도|꼴|\s중(?![\uac00-\ud7a3]))"
    r"|척(?=을|이|의|과|은|씩|가량)"
    r"|(?:년|시즌|경기|주|회|차례|분기|번)(?=\s?연속)|년(?=\s?(?:간|째|만에|전|동안))"
    r"|개월|분의\s?\d|[%％](?=[\uac00-\ud7a3])|[∼~]\s?\d"
    # "건물 여 곳에서" for "40여 곳" (yna-fr2-137): "about" left without its number.
    r"|여(?=\s(?:명|곳|개국|건|차례|가구)(?:에서|에게|으로|[이가을를은는의에도과와])?(?![\uac00-\ud7a3]))"
    # A record, a gap and a rank of the news: "79승 무 50패", "경기 차로", "제야당" (yna-fr2-109, -51),
    # and a particle that never begins a word: "31일부터 까지" (yna-fr2-87).
    r"|무(?=\s\d+패)|경기(?=\s?차(?:로|이|가|를|의|까지)?(?![\uac00-\ud7a3]))|제(?=야당)|까지"
    # Counters that are words too, only where the word cannot be: "아리랑 호·" (7호, yna-fr2-55),
    # "양산 호기가" (1호기, -71), "기 안팎" (10기, -55), "점 홈런", "점 차로" (3점, -129), "주 차에"
    # (2주 차, -95), "명이었다" (2명이었다, -65), "승이 필요하다" (1승, -129), "결성된 인조
    # 아스테리온", "인조 그룹" (7인조, -95, -133; "인조 잔디" is artificial turf, "인조 다이아몬드" a
    # synthetic diamond: only a group's word or verb before or after makes it a count).
    r"|호(?=[·(),])|호기(?=[가를는의와도]?\s)"
    r"|기(?=\s?(?:안팎|가량|정도|씩|이상|미만)(?:의|을|를|이|가|은|는|으로|로|에)?(?![\uac00-\ud7a3]))"
    r"|인조(?=\s(?:보이그룹|걸그룹|혼성그룹|그룹|밴드))|(?<=결성된 |데뷔한 )인조(?=\s)"
    r"|점(?=\s(?:홈런|차(?:로|이|가|를|의|까지)?(?![\uac00-\ud7a3])))|주(?=\s차(?:에|로|인|를|의)?(?![\uac00-\ud7a3]))"
    r"|명(?=이었|이다|이며|이고)|승(?=[이을](?![\uac00-\ud7a3]))"
    # A rank: "위" alone is "above", but a news text writes it "위에", "위에서" ("포대 위에서",
    # yna-fr2-71); "수출 위를 지켰고", "위 한화 이글스를", "까지 위였던" have lost their rank
    # ("1위", "2위", "3위": yna-fr2-175, -109, -119). "위 사진" is the picture above.
    r"|위(?=(?:를|는|가|로|와|과|의|까지|였던|였다|였고|였으며|였지만|이다|다)?(?![\uac00-\ud7a3])"
    r"(?!\s?(?:사진|표|그림|기사)))"
    r")"
    # "1·2호기" with its second number lost: "1·호기" (yna-fr2-91); not an age before a club or an
    # office in brackets, "노지성(20·전북 현대)" (yna-fr2-443).
    r"|(?<=\d)(?<!\(\d)(?<!\(\d\d)·(?=[\uac00-\ud7a3])"
)
# A number just before, or a number and "개" ("8개 분기 연속", yna-fr2-85).
_KO_NUMBER_BEFORE = re.compile(
    r"(?:\d|[십백천만억조여]|(?<![^\s(])(?:한|두|세|네|다섯|여섯|일곱|여덟|아홉|열|스무|몇|수|여러))개?[\s(]*$"
)


def orphan_counters(output: str) -> list[NumberMention]:
    """Counters and units of a Korean text with no number before them (see ``_KO_ORPHAN_RE``)."""
    return [
        NumberMention(m.group(), m.start(), m.end(), "number", "")
        for m in _KO_ORPHAN_RE.finditer(output)
        if m.group() == "·" or not _KO_NUMBER_BEFORE.search(output[max(0, m.start() - 12) : m.start()])
    ]


# Korean football minutes count from each half: "à la 58e minute" → "후반 13분", "90e+3" → "후반
# 추가시간 3분" (yna-fr2-181; yonhap-fr 20 has "후반 16분" for the 61st).
_KO_HALF_MINUTE = re.compile(r"(전반|후반)\s*(추가\s?시간\s*)?(\d{1,2})분")
_HANDBALL = re.compile(r"\bhandball\b", re.IGNORECASE)


def _football_minutes(output: str, half: int = 45) -> list[tuple[int, int, set[str]]]:
    """(start, end, the match minutes it stands for) of each Korean minute of a half of ``half``
    minutes."""
    found: list[tuple[int, int, set[str]]] = []
    for m in _KO_HALF_MINUTE.finditer(output):
        start = 0 if m.group(1) == "전반" else half
        minute = int(m.group(3))
        values = {str(start + half), str(minute)} if m.group(2) else {str(start + minute)}
        found.append((m.start(), m.end(), values))
    return found


_NOON = {"en": re.compile(r"\b(?:noon|midday)\b", re.IGNORECASE), "ko": re.compile(r"정오")}
_MIDNIGHT = {"en": re.compile(r"\bmidnight\b", re.IGNORECASE), "ko": re.compile(r"자정")}
_ROMAN = {"II": 2, "III": 3, "IV": 4, "V": 5, "VI": 6, "VII": 7, "VIII": 8, "IX": 9, "X": 10}
_ROMAN_RE = re.compile(r"\b(?:VIII|VII|VI|IV|IX|III|II|V|X)\b")
_BP_DEFINITION = re.compile(r"\(\s*1\s?bp\s?=\s?0\.01\s?%\s?포인트\s*\)", re.IGNORECASE)


def number_diff(
    source: str, src: str, output: str, tgt: str, dispatch: str | None = None
) -> tuple[list[NumberMention], list[NumberMention]]:
    """(mentions of the source missing from the output, mentions of the output not in the source);
    ``dispatch``: the whole dispatch ``source`` is part of, its dateline (:func:`with_year`) the
    date of a part that has none of its own."""
    dateline = dateline_of(dispatch) if dispatch else None
    added = missing_numbers(source, src, output, tgt)
    dropped = missing_numbers(output, tgt, source, src)
    source_values = {m.value for m in extract_numbers(source, src)}
    output_mentions = extract_numbers(output, tgt)
    output_values = {m.value for m in output_mentions}
    # A name's digits are no count: "deux avions P-8A" changed to "P-8A 7대" beside an "E-2D" has
    # lost its two (yna-fr2-159). A name has a capital or Hangul before its digits ("E-2D",
    # "화성-19형"; "3-for-5" is a batting line).
    named = [
        m
        for m in output_mentions
        if m.kind == "designator"
        and re.search(r"[A-Z\uac00-\ud7a3][^\s]*$", output[max(0, m.start - 16) : m.start])
    ]
    designator_only = {_bare(m.value) for m in named} - {
        _bare(m.value) for m in output_mentions if m.kind != "designator"
    }
    dropped += [
        m
        for m in extract_numbers(source, src)
        if m.kind == "number" and _bare(m.value) in designator_only and m not in dropped
    ]
    # A percentage on one side and the same bare number on the other: a range's shared sign.
    source_bare = {_bare(v) for v in source_values}
    output_bare = {_bare(v) for v in output_values}
    allowed = _allowed_additions(source, src)
    allowed_ranks = _allowed_additions(source, src, rank=True)
    day_bare: set[str] = set()
    if tgt == "ko":
        # Korean "30일" is the 30th or 30 days: it stands for a plain 30 of the source too, never for a
        # rank ("finit 5e" is no "5일", yna-fr2-69).
        day_bare = {v[3:].lstrip("0") for v in output_values if v.startswith("---")}
        # "les huit premiers mois" → "1∼8월" (yna-fr2-53): January to the Nth month.
        first_months = {f"--{n:02d}": str(n) for n in _first_periods(source, src)}
        if first_months.keys() & output_values:
            output_bare |= {n for month, n in first_months.items() if month in output_values}
            added = [m for m in added if m.value not in first_months and m.value != "--01"]
        # "le relais 4x200 m nage libre" → "계영 800m" (yna-fr2-309): a relay by its whole distance.
        for relay in _FR_RELAY.finditer(source) if src == "fr" else ():
            total = int(relay.group(1)) * int(relay.group(2))
            if re.search(rf"(?<![\d.,]){total}\s?m(?![a-z])", output):
                dropped = [m for m in dropped if not relay.start() <= m.start < relay.end()]
                added = [m for m in added if m.value != str(total)]
        # "une douzaine de F-35A" → "F-35A 10여 대" (yna-fr2-295): a dozen, written ten-odd.
        if src == "fr" and _FR_DOZEN.search(source):
            added = [m for m in added if not (m.value == "10" and output.startswith("여", m.end))]
        # "depuis janvier" → "올해 누적 수주" (yna-fr2-301): the year so far.
        if (
            src == "fr"
            and _FR_SINCE_JANUARY.search(source)
            and (
                _KO_YEAR_SO_FAR.search(output)
                or (_KO_THIS_YEAR.search(output) and not _KO_SINCE.search(output))
            )
        ):
            dropped = [m for m in dropped if m.value != "--01"]
        first_days = _first_periods(source, src, "jours") & {int(n) for n in _KO_FIRST_DAYS.findall(output)}
        if first_days:
            output_bare |= {str(day) for day in first_days}
            days_given = {f"{day:02d}" for day in first_days | {1}}
            added = [m for m in added if not (_DAY_VALUE.fullmatch(m.value) and m.value[-2:] in days_given)]
    added = [
        m
        for m in added
        if _bare(m.value) not in source_bare
        and m.value not in (allowed_ranks if m.kind == "ordinal" else allowed)
        and not (m.value.startswith("---") and m.value[3:].lstrip("0") in source_bare)
    ]
    dropped = [
        m
        for m in dropped
        if _bare(m.value) not in output_bare and not (m.kind != "ordinal" and _bare(m.value) in day_bare)
    ]
    # "CAS500-5" → "차세대중형위성 5호" (yna-fr2-35): a satellite or ship named by its serial alone.
    serials = _designator_serials(source, src)
    dropped = [m for m in dropped if not (m.start in serials and serials[m.start] in output_bare)]
    converted = _converted(source, src)
    dropped = [m for m in dropped if not (converted.get(m.start, set()) & output_values)]
    added = [m for m in added if not any(m.value in keys for keys in converted.values())]
    parts = french_digits_and_parts(source) if src == "fr" else {}
    dropped = [m for m in dropped if parts.get(m.start) not in output_values]
    # Handball's halves are of thirty minutes: "à la 41e minute" → "후반 11분" (yna-fr2-379).
    half = 30 if _HANDBALL.search(dispatch or source) else 45
    if tgt == "ko" and (halves := _football_minutes(output, half)):
        of_match = {value for *_, values in halves for value in values}
        dropped = [m for m in dropped if _bare(m.value) not in of_match]
        kept = [(a, b) for a, b, values in halves if values <= source_bare | word_values(source, src)]
        added = [m for m in added if not any(a <= m.start < b for a, b in kept)]
    # "entre 12h00 et 17h00" → "between noon and 5 p.m." (yna-fr2-233): noon and midnight are
    # written in words.
    words_for = {"12:00": _NOON.get(tgt), "00:00": _MIDNIGHT.get(tgt), "24:00": _MIDNIGHT.get(tgt)}
    dropped = [
        m
        for m in dropped
        if not (m.kind == "time" and (word := words_for.get(m.value)) is not None and word.search(output))
    ]
    # "la 3e force expéditionnaire des Marines (III MEF)" → "III Marine Expeditionary Force"
    # (yna-fr2-239): a rank in Roman numerals.
    romans = {_ROMAN.get(numeral) for numeral in _ROMAN_RE.findall(output)}
    dropped = [
        m for m in dropped if not (m.kind == "ordinal" and m.value.isdigit() and int(m.value) in romans)
    ]
    # "4.1bp(1bp=0.01%포인트)" (yna-fr2-207, -241): the unit's definition adds no number.
    definitions = [d.span() for d in _BP_DEFINITION.finditer(output)] if tgt == "ko" else []
    added = [m for m in added if not any(a <= m.start < b for a, b in definitions)]
    # A month and its year given apart: "entre mai et novembre 2024" → "2024년 5∼11월" (yna-fr2-151),
    # the year perhaps relative to the dispatch's: "octobre 2025" → "지난해에는 ... 10월" (yna-fr2-419).
    dated_year = _dateline_date(dateline, src) if tgt == "ko" else None
    relative_years = (
        {str(dated_year.year + shift) for words, shift in _KO_YEARS_FROM_NOW if words.search(output)}
        if dated_year
        else set()
    )
    if tgt == "ko" and _KO_SAME_YEAR.search(output):
        # "같은 해 12월 27일" after "2022년 8월 5일" (yna-fr2-437): the year the output has just given.
        relative_years |= {v[:4] for v in output_values if re.match(r"\d{4}(?:-|$)", v)}
    dropped = [
        m
        for m in dropped
        if not (
            (month_year := re.fullmatch(r"(\d{4})-(\d\d)(-\d\d)?", m.value))
            and (month_year.group(1) in output_values | relative_years)
            and f"--{month_year.group(2)}{month_year.group(3) or ''}" in output_values
        )
    ]
    added = [m for m in added if m.value not in parts.values()]
    source_durations = _durations(source, src)
    output_durations = _durations(output, tgt)
    same = {months for *_, months in source_durations} & {months for *_, months in output_durations}
    dropped = [m for m in dropped if not any(a <= m.start < b and n in same for a, b, n in source_durations)]
    added = [m for m in added if not any(a <= m.start < b and n in same for a, b, n in output_durations)]
    if tgt == "ko":
        relative = len(_KO_RELATIVE_YEAR.findall(output))
        years = [m for m in dropped if m.kind == "year"]
        if years and len(years) <= relative:
            dropped = [m for m in dropped if m.kind != "year"]
    if tgt == "ko" and (within := _ko_days_within_ranges(output)):
        # "les 6, 7 et 8 juin" → "6월 6∼8일" (yna-fr2-447): a day inside a range of dates is given.
        dropped = [m for m in dropped if _month_day(m.value) not in within]
    conversions = _conversions(output, tgt)
    added = [m for m in added if not any(a <= m.start < b for a, b in conversions)]
    if src == "fr" and any(m.kind == "time" for m in dropped):
        # "a duré environ 1h40" → "lasted about one hour and 40 minutes", "1시간 40분가량"
        # (yna-fr2-111, -113): a time after a verb of duration is hours and minutes.
        spelled = output_bare | word_values(output, tgt) | {str(v) for v in english_digit_words(output)}
        lasting = [m for m in dropped if m.kind == "time" and _lasting(source, m, spelled)]
        dropped = [m for m in dropped if m not in lasting]
        # "d'une durée de 2h12" → "132-minute": the minutes are no added number.
        minutes = {str(int(h) * 60 + int(mm)) for h, mm in (m.value.split(":") for m in lasting)}
        added = [m for m in added if _bare(m.value) not in minutes]
    if src == "fr" and tgt in _DECADE and (decades := _FR_AGE_DECADE.findall(fold(source))):
        # "les 20-29 ans" → "those in their 20s", "20대" (yna-fr2-143): an age range that is a decade.
        given = {a for a, b in decades if int(b) == int(a) + 9 and re.search(_DECADE[tgt].format(a), output)}
        dropped = [
            m
            for m in dropped
            if not (m.kind == "number" and m.value.isdigit() and str(int(m.value) - 9) in given)
        ]
    bare_days = _bare_days(source, src)
    if bare_days:
        output_days = {day for v in output_values if (day := _day_of(v)) is not None}
        dropped = [m for m in dropped if not (m.kind == "number" and bare_days.get(m.start) in output_days)]
        # The month it is given must be one the source or its dateline names.
        named_months = {
            month
            for v in source_values | _dateline_dates(dateline or "", src)
            if (month := _month_of(v)) is not None
        }
        added = [
            m
            for m in added
            if not (
                _day_of(m.value) in bare_days.values()
                and (not named_months or _month_of(m.value) in named_months)
            )
        ]
    if dispatch and tgt == "ko" and any(m.kind == "number" for m in added):
        # "Sept des onze membres d'équipage ont été secourus" in the lead, then "le capitaine fait
        # partie des rescapés" → "구조된 7명 가운데는 선장" (yna-fr2-65): Korean repeats a count
        # the dispatch gives elsewhere.
        # A count, with its counter: a score's "5-3" is no count (yna-fr2-129).
        elsewhere = {_bare(m.value) for m in extract_numbers(dispatch, src)} | word_values(dispatch, src)
        added = [
            m
            for m in added
            if not (
                m.kind == "number" and _bare(m.value) in elsewhere and _KO_COUNTER_AFTER.match(output, m.end)
            )
        ]
    dropped += _fewer(source, src, output, tgt, {m.start for m in dropped})
    if src == "fr":
        words = _counts_in_words_missing(source, output, tgt, (output_bare - designator_only) | day_bare)
        dropped += [
            m for m in words if not any(a <= m.start < b and n in same for a, b, n in source_durations)
        ]
    if tgt == "ko" and src == "fr":
        dropped += _fractions_missing(source, output) + _quarters_missing(source, output)
        fractions = _same_fractions(source, output)
        added = [m for m in added if not any(a <= m.start < b for a, b in fractions)]
    if tgt == "ko":
        own_dateline = _dateline_dates(source, src)
        days = {v[3:] for v in output_values if v.startswith("---")}
        dropped = [
            m
            for m in dropped
            # The dateline's date moves into the text as the day ("(서울=연합뉴스) ... 26일"): it may
            # be missing only where the output gives a day.
            if not (m.value in own_dateline and days)
            and not (m.value.startswith("--") and m.value.rsplit("-", 1)[-1] in days)
        ]
        weekday_days = _weekday_days(source, src, dateline)
        if dispatch and dateline and _weekday_dates(source, dateline, src) is not None:
            # "parti ... a émis un signal de détresse à 23h38" → "9일 오후 11시 38분" (yna-fr2-65):
            # Korean dates an event the dispatch dates elsewhere, by a weekday ("lundi soir") or
            # the dateline's day; only with the year, so each is one day.
            weekday_days |= _weekday_days(dispatch, src, dateline)
            weekday_days |= {day for v in _dateline_dates(dateline, src) if (day := _day_of(v)) is not None}
        weekday_days |= _relative_days(source, src, dateline)
        dropped += _weekdays_unwritten(source, src, output, dateline)
        added = [m for m in added if not (m.value.startswith("---") and int(m.value[3:]) in weekday_days)]
        # With its month where it falls in another one: "samedi et dimanche" → "31일과 11월 1일" under
        # "28 oct." (yna-fr2-409), only with the year.
        weekday_dates = _weekday_month_days(source, dateline, src)
        added = [m for m in added if m.value not in weekday_dates]
        if src == "fr" and _FR_TO_THE_DAY.search(source):
            # "Un an plus tôt, jour pour jour" → "꼭 1년 전인 지난해 3월 22일" under "22 mars"
            # (yna-fr2-431): the dateline's day and month, in an earlier year.
            same_day = _same_day_of_year({m.value for m in added}, source, dateline, src)
            added = [m for m in added if m.value not in same_day]
        # "L'indice ... par rapport à mai" → "6월 소비자물가지수는 ... 5월보다" (yna-fr2-215): Korean names
        # the month the dispatch is about, where it names that month alone ("en juin" in the lead).
        if dispatch and any(re.fullmatch(r"--\d\d", m.value) for m in added):
            months_told = {
                m.value for m in extract_numbers(dispatch, src) if re.fullmatch(r"--\d\d", m.value)
            }
            added = [m for m in added if m.value not in months_told]
        # "le mois précédent" → "전월", with the month it stands for named elsewhere ("10월 9천억 원
        # 증가", yna-fr2-61): a month alone, as many as the source has months relative to another.
        relative = len(_FR_RELATIVE_MONTH.findall(source)) if src == "fr" else 0
        months = [m for m in added if re.fullmatch(r"--\d\d", m.value)]
        if months and len(months) <= relative:
            added = [m for m in added if m not in months]
        # "en octobre" → "지난달" in a dispatch dated in November (yna-fr2-105): a month named
        # relative to the dateline's, which must be that month.
        dated = _dateline_dates(source, src) or _dateline_dates(dateline or "", src)
        relative_months = {
            (month + shift - 1) % 12 + 1
            for v in dated
            if (month := _month_of(v)) is not None
            for words, shift in _KO_RELATIVE_MONTHS
            if words.search(output)
        }
        dropped = [
            m
            for m in dropped
            if not (re.fullmatch(r"--\d\d", m.value) and _month_of(m.value) in relative_months)
        ]
        # "en juin" → "같은 달" where the month was named before (yna-fr2-85): a month alone may be
        # left out, as many as the output has words for the same month.
        same_month = len(_KO_SAME_MONTH.findall(output))
        months = [m for m in dropped if re.fullmatch(r"--\d\d", m.value)]
        if months and len(months) <= same_month:
            dropped = [m for m in dropped if m not in months]
        # "des naissances du trimestre" → "2분기 출생아" (yna-fr2-85): Korean names the quarter the
        # French leaves to the context, as many as the source has such quarters.
        quarters = len(_FR_CONTEXT_QUARTER.findall(source)) if src == "fr" else 0
        named = [m for m in added if m.value in ("1", "2", "3", "4") and _KO_QUARTER.match(output, m.end)]
        if named and len(named) <= quarters:
            added = [m for m in added if m not in named]
    # "la victoire à la Chine devant l'Italie" → "2위는 이탈리아", "310 points d'avance sur Lavoie" →
    # "2위 라부아와의 격차" (yna-fr2-69): the one behind the winner is second, one such rank per
    # phrase that says so.
    if src == "fr":
        seconds = [m for m in added if m.kind == "ordinal" and m.value == "2"]
        if seconds and len(seconds) <= len(_FR_AHEAD_OF.findall(source)):
            added = [m for m in added if m not in seconds]
    # "occupe la 1re place du classement" → "tops the standings" / "선두" (yna-fr2-69); "les têtes
    # de série n° 1" → "the top seeds" (yna-fr2-329).
    if src == "fr" and _TOP_RE.get(tgt, _NEVER).search(output):
        ones = [m for m in dropped if m.value == "1"]
        firsts = [
            m
            for m in extract_numbers(source, src)
            if m.value == "1"
            and (_FR_FIRST_PLACE.match(source, m.end) or _FR_TOP_SEED.search(source, 0, m.start))
        ]
        if ones and len(ones) <= len(firsts):
            dropped = [m for m in dropped if m not in ones]
    # "à la 90e+3" → "in the third minute of stoppage time" (yna-fr2-349): the half's end is the
    # stoppage time's, its added minute is still required.
    # Not where the output writes the added minute as "(45+2)": the half's end is then a number too.
    if src == "fr" and tgt == "en" and _EN_STOPPAGE.search(output) and not _FR_ADDED_MINUTE.search(output):
        dropped = [
            m
            for m in dropped
            if not (
                m.value in ("45", "90", "120")
                and m.kind == "ordinal"
                and _FR_ADDED_MINUTE.match(source, m.end)
            )
        ]
    # "le relais 4x50 m quatre nages" (yna-fr2-309): the medley is named after four strokes, no count.
    if src == "fr":
        medley = [m.start() for m in _FR_MEDLEY.finditer(source)]
        dropped = [m for m in dropped if m.start not in medley]
    return dropped, added


_KO_RELATIVE_MONTHS = (
    (re.compile(r"지난\s?달|전달"), -1),
    (re.compile(r"이번\s?달"), 0),
    (re.compile(r"다음\s?달|내달"), 1),
)
_KO_SAME_MONTH = re.compile(r"같은\s?달|이달|그달|당월")
_FR_CONTEXT_QUARTER = re.compile(r"\b(?:du|ce|le|au)\s+trimestre\b", re.IGNORECASE)
_KO_QUARTER = re.compile(r"\s?분기")
_FR_AHEAD_OF = re.compile(r"\bdevant\b|\bd'avance sur\b|\bdevan[cç]", re.IGNORECASE)
_FR_FIRST_PLACE = re.compile(r"\s+(?:place|rang|position)\b", re.IGNORECASE)
_EN_STOPPAGE = re.compile(r"\b(?:stoppage|injury|added)[ -]time\b", re.IGNORECASE)
_FR_ADDED_MINUTE = re.compile(r"\s?\+\s?\d")
_FR_TOP_SEED = re.compile(r"\btêtes?\s+de\s+série\s+(?:n°|no|numéro)\s*$", re.IGNORECASE)
_NEVER = re.compile(r"(?!)")
_TOP_RE = {
    "en": re.compile(r"\b(?:tops?|topped|topping|atop|leads?|leading|No\. 1)\b"),
    "ko": re.compile(r"선두"),
}


# Kinds whose glossary entries a faithful translation always renders. Places, organizations and
# terms are often rendered by other words ("Séoul et Washington" → "한미", "Corée du Sud" → "국내",
# "représentant auprès des Nations unies à Genève" → "주제네바 대표부"), so for them only a copied
# source form or a swap counts.
_ALWAYS_RENDERED = frozenset({"person", "party", "company", "nk_institution"})


# Kinds Korean never names unprompted. North Korean institutions are left out: their Korean forms
# are also those of other countries' ("외무성" is Japan's foreign ministry too).
_NEVER_ADDED = frozenset({"person", "party", "company"})


# English renders named organizations and places too ("ministère de l'Unification" → "Unification
# Ministry" is a glossary form); Korean often does not ("Corée du Sud" → "국내").
_RENDERED_IN_ENGLISH = frozenset({"organization", "place"})


# A capital stands for its government ("Séoul et Washington" → "South Korea and the United States").
_METONYMS: dict[str, str] = {
    "seoul": "coree du sud",
    "washington": "etats unis",
    "pyongyang": "coree du nord",
    "tokyo": "japon",
    "pekin": "chine",
    "moscou": "russie",
    # The other capitals of the glossary's countries: "영국 런던" (yna-fr2-153).
    "paris": "france",
    "londres": "royaume uni",
    "berlin": "allemagne",
    "hanoi": "vietnam",
    # "Ottawa doit annoncer son choix" → "캐나다 정부는" (yna-fr2-307).
    "ottawa": "canada",
}


# Korean names the country a French text only hints at ("le Nord" → "북한", "le régime" → "북한",
# "le pays" → "한국", "coréenne" → "한국"):
# a country may appear in Korean output when one of its hints is in the source.
_IMPLIED_BY: dict[str, tuple[str, ...]] = {
    "coree du nord": ("nord", "pyongyang", "regime"),
    "coree du sud": ("core", "seoul", "sud", "pays"),
    "etats unis": ("americ", "washington", "outre atlantique"),
    "chine": ("chin", "pekin", "sino"),
    "japon": ("japon", "tokyo", "nippon"),
    "russie": ("russ", "moscou"),
    "peninsule coreenne": ("peninsule",),  # "la péninsule" → "한반도" (yna-fr2-87)
    # "au large de la côte est" → "동해상" (yna-fr2-71): the sea off a Korean coast.
    "mer de l'est": ("cote est",),
    "mer jaune": ("cote ouest",),
}

_NAMED_FROM_CONTEXT = frozenset({"organization", "nk_institution"})
# What English may name from the rest of the dispatch: no place.
_TOLD_IN_DISPATCH = _NEVER_ADDED | _NAMED_FROM_CONTEXT
_MINISTER = re.compile(r"\bministres?\b", re.IGNORECASE)
# "conseiller adjoint à la sécurité nationale" → "국가안보실 차장" (yna-fr2-299): the adviser names
# the office, as a minister names the ministry.
_SECURITY_ADVISER = re.compile(
    r"\bconseill(?:er|[eè]re)s?\s+(?:adjointe?s?\s+)?(?:[aà]\s+la|pour\s+la)\s+s[eé]curit[eé]\s+nationale\b",
    re.IGNORECASE,
)


def _offices_named(text: str) -> str:
    """``text`` with a minister read as the ministry and the national security adviser as the
    National Security Office, for the names a title implies."""
    return _SECURITY_ADVISER.sub("Bureau de la sécurité nationale", _MINISTER.sub("ministère", text))


# A place the source names by a common noun: "la capitale" → "서울", "la région capitale" → "the
# greater Seoul area" (yna-fr2-105). It may appear in the output, and replaces no other place.
_NAMED_BY_NOUN: dict[str, tuple[str, ...]] = {
    "seoul": ("capitale",),
    "pyongyang": ("capitale",),
    # "le bureau météorologique régional" → "제주지방기상청", "les météorologues" → "기상청"
    # (yna-fr2-391): Korea's forecasts are its weather agency's.
    "administration meteorologique de coree": ("meteorolog",),
}

# The countries of ``_IMPLIED_BY``: Korean may name the one a dispatch is about in a paragraph that
# names no country of its own.
_COUNTRIES = frozenset({"coree du nord", "coree du sud", "etats unis", "chine", "japon", "russie"})
# The foreign countries of the shipped glossary (folded French names). Korean may name one its
# dispatch names in a paragraph that names no other place than South Korea and the dateline's
# city ("ce format" → "한·호주 2+2 회의", "West Point, en Géorgie" → "미국 조지아주"; yna-fr2-271,
# -275). The two Koreas are never named from the dispatch: one stands for the other in a swap.
_FOREIGN_COUNTRIES = frozenset(
    {
        "etats unis", "chine", "japon", "russie", "france", "allemagne", "royaume uni", "ukraine",
        "taiwan", "hong kong", "singapour", "vietnam", "indonesie", "australie", "canada", "mongolie",
        "philippines", "thailande", "pologne", "arabie saoudite", "emirats arabes unis", "israel",
        "iran", "turquie", "mexique", "bresil",
    }
)  # fmt: skip

# Korean may locate a South Korean place on the peninsula ("le sud-ouest de la Corée du Sud" →
# "한반도 남서부", yna-fr2-87): the wider place renders the missing one.
_KO_WIDER: dict[str, str] = {"coree du sud": "peninsule coreenne"}

# What may follow a Korean name inside its word: particles, two of them ("울산에서는", "제주시에서도",
# yna-fr2-83, -87), and the copula.
_KO_PARTICLES = (
    r"(?:(?:에서|에게|으로|로|까지|부터|보다|처럼|와|과|에|께)?(?:은|는|이|가|을|를|의|도|만)?"
    r"|측|이다|이며|이고|이자|엔)"
)
_KO_PARTICLE_RE = re.compile(rf"{_KO_PARTICLES}(?![\uac00-\ud7a3])")
# And after a Korean place name: a suffix that makes it a city, port, station, people or kind
# ("부산항", "서울시", "한국형", "한국인"), then particles; "부산물" (by-product) is no Busan
# (yna-fr2-75).
_KO_PLACE_SUFFIX_RE = re.compile(
    r"(?:시|도|군|구|읍|면|항|역|공항|지역|지방|권|발|행|시청|시장|시민|도민|해역|앞바다|상|산|만|섬|대|형|인|계|식|팀)"
    rf"{_KO_PARTICLES}(?![\uac00-\ud7a3])"
)


def _whole_word(text: str, end: int, lang: str) -> bool:
    """True when a name ending at ``end`` ends its word (Korean: but for particles)."""
    return lang != "ko" or _KO_PARTICLE_RE.match(text, end) is not None


def korean_name_ends(text: str, end: int, place: bool) -> bool:
    """True when a Korean name ending at ``end`` is a word of its own: particles may follow it,
    and a place's suffix ("부산항", "한국형"), but not the rest of another word ("부산물")."""
    return _whole_word(text, end, "ko") or (place and _KO_PLACE_SUFFIX_RE.match(text, end) is not None)


def _longer_of(entry: GlossaryEntry, others: set[GlossaryEntry], tgt: str) -> bool:
    """True when a form of ``entry`` and a form of one of ``others`` of its kind begin alike."""
    forms = [fold(form) for form in entry.forms(tgt)]
    return any(
        other.kind == entry.kind and (form.startswith(o) or o.startswith(form))
        for other in others
        for o in (fold(f) for f in other.forms(tgt))
        for form in forms
    )


def _rendered_by_longer(entry: GlossaryEntry, in_output: set[GlossaryEntry], tgt: str) -> bool:
    """True when the output names an entry of the same kind whose form begins with one of
    ``entry``'s: "Samsung" rendered "삼성전자" (Samsung Electronics, hard-numbers yna-fr2-05). A
    group renders none of its companies: "Hyundai Motor" is not "현대자동차그룹" (yna-fr2-45, -99)."""
    forms = [fold(form) for form in entry.forms(tgt)]
    return any(
        other.kind == entry.kind and any(fold(o).startswith(form) for o in other.forms(tgt) for form in forms)
        for other in in_output
        if other != entry and (_is_group(entry) or not _is_group(other))
    )


def _is_group(entry: GlossaryEntry) -> bool:
    """True for a business group ("Samsung Group", "Hyundai Motor Group")."""
    return any(form.endswith(" Group") for form in entry.forms("en"))


# "EVIAN-LES-BAINS, France, July 12 (Yonhap) --": the country an English dateline gives after a
# foreign city.
_EN_DATELINE_COUNTRY = re.compile(
    r"^\s*[^\W\d_][^,\n(]{0,60},\s*(?P<country>[^,\n(]{2,40}),\s*[^\n(]{1,30}\(Yonhap\)"
)


# Yonhap's Korean desk in Seoul dates news from abroad "(서울=연합뉴스)" (yna-fr2-389: "SALTILLO, 13
# sept." → "(서울=연합뉴스) ... 멕시코 살티요에서"): its own city, no place of the news.
_KO_SEOUL_DESK = re.compile(r"^\s*\((서울)=연합뉴스\)")


def _output_dateline_entries(output: str, tgt: str, glossary: Glossary) -> set[GlossaryEntry]:
    """The glossary entries named as the country of an English dateline (hard-numbers yna-fr2-03),
    or as the Seoul desk of a Korean one."""
    if tgt == "ko":
        desk = _KO_SEOUL_DESK.match(output)
        return {m.entry for m in glossary.find(desk.group(1), tgt)} if desk else set()
    match = _EN_DATELINE_COUNTRY.match(output) if tgt == "en" else None
    return {m.entry for m in glossary.find(match.group("country"), tgt)} if match else set()


# English names a country only where a French compound adjective does ("la frontière
# sino-nord-coréenne" → "the border between North Korea and China", hard-numbers yna-fr2-39).
_IMPLIED_BY_ADJECTIVE: dict[str, tuple[str, ...]] = {
    "chine": ("sino ",),
    "japon": ("nippo ",),
    "russie": ("russo ",),
    # "outre-Atlantique" → "in the United States" (yna-fr2-275), "outre-Manche", "outre-Rhin".
    "etats unis": ("americano ", "outre atlantique"),
    "royaume uni": ("outre manche",),
    "allemagne": ("outre rhin",),
    # "le programme européen SAFE" → "the EU's SAFE program" (hard-numbers yna-fr2-37).
    "union europeenne": ("europeen",),
    # "le Nord" → "North Korea" (yna-fr2-267): English names the Korea the French calls "le Nord".
    "coree du nord": ("le nord", "pyongyang", "regime"),
    # "la 22e Assemblée" → "the 22nd National Assembly" (yna-fr2-73).
    "assemblee nationale": ("assemblee",),
    # "le comité de politique monétaire" → "the BOK's monetary policy board" (yna-fr2-81).
    "banque de coree": ("comite de politique monetaire",),
}


def entity_problems(
    source: str, src: str, output: str, tgt: str, glossary: Glossary, dispatch: str | None = None
) -> list[GlossaryEntry]:
    """Glossary entries rendered wrongly: a name of the source missing from the output (a person,
    party, company or North Korean institution, or the dateline's city), a source form copied
    through, a place of the source missing while the output names another place the source does
    not (a swap), or a place in the output the source neither names nor implies."""
    problems: list[GlossaryEntry] = []
    source_matches = glossary.find(source, src)
    in_source = {m.entry for m in source_matches}
    # Only named places must be rendered: an adjective ("sud-coréenne", "Nord-Coréens") says the
    # place exists in the text, so the output may name it, but may translate it otherwise.
    named = {m.entry for m in source_matches if not (m.entry.kind == "place" and _DEMONYM.search(m.text))}
    output_matches = glossary.find(output, tgt)
    in_output = {m.entry for m in output_matches}
    # Names found as whole words: "하이브" in "하이브리드" (hybrid) or "기아" in "기아나" is no name.
    whole_words = {m.entry for m in output_matches if _whole_word(output, m.end, tgt)}
    # Korean places: whole words or with a place suffix ("부산항", not "부산물"); and a province
    # written before the place it locates ("충남 태안", yna-fr2-71) adds no place.
    ko_places = {m.entry for m in output_matches if tgt != "ko" or korean_name_ends(output, m.end, True)}
    locators = {
        m.entry
        for m in output_matches
        if tgt == "ko" and _is_province(m.entry) and re.match(r" [\uac00-\ud7a3]", output[m.end : m.end + 2])
    }
    # The dateline's city is always written out ("(서울=연합뉴스)", "SEOUL, March 12 (Yonhap)").
    dateline = _DATELINE.match(source)
    if dateline:
        for match in source_matches:
            if match.end <= dateline.start("date") and not glossary.rendered(match.entry, output, tgt):
                problems.append(match.entry)
    folded_output = fold(output)
    by_name = {fold(e.fr[0]): e for e in in_output}
    # Kinds of which the output names one entry more often than the source: "ahead of Japan and
    # Taiwan, which overtook the China" for "les États-Unis" (yna-fr2-31).
    source_counts = Counter(m.entry for m in source_matches)
    # A country a people's adjective of the source names is not said more often: "l'Australien Liam
    # Carver" → "Australia's Liam Carver" beside "record de Corée" → "Korean record" (yna-fr2-309).
    folded_source = fold(source)
    adjectives = {word[:4] for word in _WORD_RE.findall(folded_source) if _DEMONYM.search(word)}
    repeated = {
        e.kind
        for e, n in Counter(m.entry for m in output_matches).items()
        if n > source_counts[e] and not (source_counts[e] == 0 and fold(e.fr[0])[:4] in adjectives)
    }
    # "한미 간 공조" names both countries (yna-fr2-323).
    compounds = _ko_compound_countries(output) if tgt == "ko" else set()
    missing_places: list[GlossaryEntry] = []
    for entry in sorted(named, key=lambda e: e.fr[0]):
        if (
            entry in problems
            or glossary.rendered(entry, output, tgt)
            or _rendered_by_longer(entry, in_output, tgt)
            or (tgt == "en" and _place_within_rendered(entry, glossary, output, tgt))
            or fold(entry.fr[0]) in compounds
        ):
            continue
        copied = any(fold(form) in folded_output for form in entry.forms(src))
        # "Séoul et Washington" → "South Korea and the United States" (yna-fr-05): a capital
        # rendered as the country it stands for.
        metonym = _METONYMS.get(fold(entry.fr[0])) in by_name
        if (
            entry.kind in _ALWAYS_RENDERED
            or copied
            # English renders a named place or organization, by its name or by a common noun ("le
            # ministère de l'Industrie" → "the ministry", "Corée" → "the country"): missing, it is
            # a fault where another of its kind stands in its place, said more often than the
            # source says it (an added one, below, is a swap too).
            or (
                tgt == "en"
                and entry.kind in _RENDERED_IN_ENGLISH
                and not metonym
                and (entry.kind in repeated or _misspelled(entry, output, tgt))
            )
        ):
            problems.append(entry)
        elif not metonym and not (tgt == "ko" and _KO_WIDER.get(fold(entry.fr[0])) in by_name):
            missing_places.append(entry)
    hints = _IMPLIED_BY if tgt == "ko" else _IMPLIED_BY_ADJECTIVE
    implied = {country for country, cues in hints.items() if any(cue in folded_source for cue in cues)}
    if tgt == "ko" and not implied and dispatch:
        # A paragraph that names no country of its own: Korean may name the one its dispatch is
        # about, as the actor the French leaves implicit ("la 9e campagne de ce type" → "북한의
        # 풍선 살포", yna-fr2-151). Never beside a country the paragraph names: that is a swap.
        # Countries only: "la péninsule" and the seas stay the paragraph's own.
        folded_dispatch = fold(dispatch)
        implied = {
            country
            for country, cues in hints.items()
            if country in _COUNTRIES and any(cue in folded_dispatch for cue in cues)
        }
    named_by_noun = {
        place for place, cues in _NAMED_BY_NOUN.items() if any(cue in folded_source for cue in cues)
    }
    implied |= named_by_noun
    kinds = {e.kind for e in missing_places}
    stands_for = {_METONYMS.get(fold(e.fr[0])) for e in in_source}
    if tgt == "en":
        # And the other way: "le ministère sud-coréen chargé du commerce" → "Seoul's trade
        # ministry" (yna-fr2-393), the capital for a country the source names.
        countries = {fold(e.fr[0]) for e in in_source}
        stands_for |= {capital for capital, country in _METONYMS.items() if country in countries}
    if tgt == "ko":
        # "le sud-ouest de la Corée du Sud" → "한반도 남서부" (yna-fr2-87): the wider region a
        # source place may be rendered by is no place added.
        stands_for |= {_KO_WIDER.get(fold(e.fr[0])) for e in named}
    # "부산항" (port of Busan) renders "Busan": an output name holding a missing name is no swap. Not
    # a one-syllable form: the won's "원" is no part of "산업통상자원부".
    missing_forms = [f for e in missing_places if e.forms(tgt) and len(f := fold(e.target(tgt))) > 1]
    in_dateline = _output_dateline_entries(output, tgt, glossary)
    extra = [
        e
        for e in in_output - in_source
        if e in ko_places
        and not (tgt == "ko" and e in in_dateline)
        and fold(e.fr[0]) not in stands_for
        and not any(form in fold(e.target(tgt)) for form in missing_forms)
        # "la capitale" → "서울" while "la province de Gyeonggi" → "경기" (yna-fr2-105): a place the
        # source implies replaces nothing.
        and fold(e.fr[0]) not in named_by_noun
    ]
    # A country or city the source does not name at all (adjectives count: "sud-coréen"). Korean
    # names the countries of the news the source leaves implicit ("le Nord" → "북한"): those may
    # appear there unannounced, any other place may not.
    single_word_places = {e for e in extra if e.kind == "place" and len(fold(e.fr[0]).split()) == 1}
    # A country a people's adjective of the source names is no other place standing in for a
    # missing one: "le Brésilien Thiago Rezende" → "브라질 출신" beside "Ulsan" left implicit
    # (yna-fr2-235).
    by_adjective = {e for e in single_word_places if fold(e.fr[0])[:4] in adjectives}
    if any(e.kind in kinds and e not in by_adjective for e in extra):
        problems.extend(missing_places)
    if tgt == "ko" and dispatch and (dispatch_dateline := dateline_of(dispatch)):
        # The dispatch's own city, named where the French says "la ville" or nothing ("la ville" →
        # "안동시" under "ANDONG, 25 avr.", "le marché des changes" → "서울 외환시장" under "SÉOUL";
        # yna-fr2-197, -207).
        in_dateline |= {m.entry for m in glossary.find(dispatch_dateline, src) if m.entry.kind == "place"}
        # And its city government: "le système d'information immobilière de la ville" → "서울시
        # 부동산정보광장" under "SÉOUL" (yna-fr2-261).
        governments = {
            fold(f"{city}{suffix}")
            for e in in_dateline
            for city in e.forms("ko")
            for suffix in ("시", "시청")
        }
        in_dateline |= {
            e
            for e in in_output
            if e.kind == "organization" and any(fold(form) in governments for form in e.forms("ko"))
        }
    # The names the whole dispatch gives, read only when the output adds one to its sentence.
    told = _names_in(source, dispatch, src, glossary) if extra else set()
    told_places = _places_told(source_matches, dateline, told) if tgt == "ko" and extra else set()
    if tgt == "ko" and extra and dispatch:
        told_places |= _locations_told(source, dispatch, src, glossary)
    foreign = _foreign_institutions(source, src, extra)
    # "le ministère sud-coréen de l'Industrie" is the glossary's "ministère de l'Industrie" too
    # (yna-fr2-353).
    plain_source = _SOUTH_KOREAN_MINISTRY.sub("ministere ", folded_source)
    problems.extend(
        e
        for e in extra
        # Korean names the organization a French "le ministère", "la banque centrale" leaves
        # implicit (통일부, 한은); English names a place or organization only when the source does.
        if (
            (e.kind == "place" and e in ko_places and e not in locators and e not in told_places)
            # A person, company or organization the dispatch names elsewhere ("les Lions" →
            # "held Samsung", its "Samsung Lions" in the lead) is no name added.
            # "If Hanwha wins" where the dispatch names "Hanwha Ocean" (yna-fr2-307): a shorter name.
            or (
                tgt == "en"
                and e.kind != "term"
                and not (
                    e.kind in _TOLD_IN_DISPATCH
                    and (e in told or (e.kind == "company" and _longer_of(e, told, tgt)))
                )
            )
            # Korean never names a person, party or company its dispatch does not, unless it is
            # a longer name of one it gives ("Samsung" → "삼성전자"); nor, read in its dispatch,
            # an organization ("le ministère" → "통일부" only where the dispatch names it), and a
            # longer organization is another one: the EU is not "유럽연합 집행위원회"
            # (yna-fr2-37, -127).
            or (
                (
                    e.kind in _NEVER_ADDED
                    or (tgt == "ko" and dispatch is not None and e.kind in _NAMED_FROM_CONTEXT)
                )
                and e in whole_words
                and e not in told
                and not (e.kind != "organization" and _longer_of(e, told, tgt))
            )
        )
        and e not in problems
        and e not in foreign
        and fold(e.fr[0]) not in implied
        # "l'armée polonaise" → "폴란드군" (hard-numbers yna-fr2-09): the adjective names the country.
        and e not in by_adjective
        # "EVIAN-LES-BAINS, France, July 12 (Yonhap)": the country after a foreign dateline's city.
        and e not in in_dateline
        # Inside a longer name of the source ("ministère sud-coréen des Affaires étrangères"), or
        # of one the source writes in English ("Korea Expressway", yna-fr2-89).
        and not any(
            fold(form) in text
            for form in e.fr + (e.en if tgt == "en" else ())
            for text in (folded_source, plain_source)
        )
    )
    return problems


_CAPITALIZED = re.compile(r"\b[A-Z][^\W\d_]{2,}")


# Korean names countries together by one syllable each: "한미 간 공조" for "en coopération avec les
# États-Unis" (yna-fr2-323), "한미일", "한·일". Only compounds of South Korea or the two great
# powers: "북미" is also North America and "중미" Central America.
_KO_COUNTRY_SYLLABLES = {
    "한": "coree du sud",
    "미": "etats unis",
    "일": "japon",
    "중": "chine",
    "러": "russie",
    "북": "coree du nord",
}
_KO_COUNTRY_COMPOUND = re.compile(
    r"(?<![\uac00-\ud7a3])(한·?[미일중러](?:·?[미일중러])?|미·?[일중]|북·?[중러])(?=\s|[간의은는이가과와을를에도]|$)"
)


def _ko_compound_countries(output: str) -> set[str]:
    """The countries (folded French names) Korean ``output`` names in compounds such as "한미"."""
    return {
        _KO_COUNTRY_SYLLABLES[syllable]
        for m in _KO_COUNTRY_COMPOUND.finditer(output)
        for syllable in m.group(1).replace("·", "")
    }


def _is_province(entry: GlossaryEntry) -> bool:
    """True for a province of the glossary ("Gyeonggi Province")."""
    return any("Province" in form for form in entry.forms("en"))


def _places_told(
    source_matches: list[GlossaryMatch], dateline: re.Match[str] | None, told: set[GlossaryEntry]
) -> set[GlossaryEntry]:
    """The foreign countries and the provinces of ``told`` (named in the dispatch) that Korean may
    name in a paragraph (``source_matches``) that names no place of its own but South Korea and the
    dateline's city, adjectives included: "la province" → "전남도" under "GWANGJU" (yna-fr2-287).
    A paragraph with a place of its own keeps it: "미국 관세" swapped to "중국 관세" for "droits de
    douane américains" (yna-fr2-139) is a fault."""
    in_dateline = dateline.start("date") if dateline else 0
    if any(
        m.entry.kind == "place" and fold(m.entry.fr[0]) != "coree du sud" and m.end > in_dateline
        for m in source_matches
    ):
        return set()
    return {e for e in told if e.kind == "place" and (fold(e.fr[0]) in _FOREIGN_COUNTRIES or _is_province(e))}


# "les circonscriptions de Gyeyang A, à Incheon, et de Sangdang, à Cheongju" (yna-fr2-347): a name,
# then the place it lies in.
_LOCATED_IN = re.compile(
    r"(?<![\w-])(?P<name>[A-Z][\w'-]*(?: [A-Z0-9][\w'-]*){0,2}),\s+"
    r"(?:à|en|au|aux|dans l[ae] (?:province|région) d[eu']\s?)\s*$"
)


_SOUTH_KOREAN_MINISTRY = re.compile(r"\bministere sud coreen ")


def _locations_told(source: str, dispatch: str, src: str, glossary: Glossary) -> set[GlossaryEntry]:
    """The places ``dispatch`` gives as where a name of ``source`` lies: Korean may write one
    before the name ("Sangdang" → "청주 상당" where the lead says "Sangdang, à Cheongju",
    yna-fr2-347). Only the place of a name the paragraph gives: another place is a swap."""
    if src != "fr":
        return set()
    located: set[GlossaryEntry] = set()
    for m in glossary.find(dispatch, src):
        if m.entry.kind != "place":
            continue
        name = _LOCATED_IN.search(dispatch, max(0, m.start - 80), m.start)
        if name and re.search(rf"(?<![\w-]){re.escape(name.group('name'))}(?![\w-])", source):
            located.add(m.entry)
    return located


def _misspelled(entry: GlossaryEntry, output: str, tgt: str) -> bool:
    """True when ``output`` writes a place of ``entry`` misspelled ("Soul" for "Seoul"): a
    capitalized word close to a word of its form, and not the same word lengthened ("Korean")."""
    if entry.kind != "place":
        return False
    words = {fold(w) for form in entry.forms(tgt) for w in _CAPITALIZED.findall(form) if len(w) >= 4}
    for token in {fold(t) for t in _CAPITALIZED.findall(output)}:
        for word in words:
            if token.startswith(word) or word.startswith(token):
                continue
            if SequenceMatcher(None, token, word).ratio() >= 0.75:
                return True
    return False


def _foreign_institutions(source: str, src: str, entries: Iterable[GlossaryEntry]) -> set[GlossaryEntry]:
    """The organizations of ``entries`` the source names as another country's, a people's adjective
    after the first word of their French form ("le ministère malaisien de la Défense" → "말레이시아
    국방부", "Malaysia's defense ministry"; "le vice-ministre polonais de la Défense" → "폴란드
    국방부 차관"; yna-fr2-211, -219): the translation names that country's institution, not the
    glossary's South Korean one."""
    institutions = [entry for entry in entries if entry.kind in _NAMED_FROM_CONTEXT]
    if src != "fr" or not institutions:
        return set()
    folded = " ".join(_WORD_RE.findall(fold(_MINISTER.sub("ministère", source))))
    found: set[GlossaryEntry] = set()
    for entry in institutions:
        for form in entry.fr:
            head, *rest = _WORD_RE.findall(fold(form)) or [""]
            pattern = rf"\b{re.escape(head)} (\w+) {' '.join(map(re.escape, rest))}\b"
            if rest and any(_DEMONYM.search(m.group(1)) for m in re.finditer(pattern, folded)):
                found.add(entry)
    return found


def _place_within_rendered(entry: GlossaryEntry, glossary: Glossary, output: str, tgt: str) -> bool:
    """True when ``entry`` is a place named after another place that the output renders: "a fait
    escale au port de Busan" → "made a port call in Busan" (yna-fr2-159). A swap still shows, since
    the place within is then missing too."""
    if entry.kind != "place":
        return False
    words = entry.fr[0].split()
    within = {m.entry for k in range(1, len(words)) for m in glossary.find(" ".join(words[k:]), "fr")} - {
        entry
    }
    return any(e.kind == "place" and glossary.rendered(e, output, tgt) for e in within)


def _names_in(source: str, dispatch: str | None, src: str, glossary: Glossary) -> set[GlossaryEntry]:
    """The glossary entries named in ``source`` or its ``dispatch``; "le ministre des Affaires
    étrangères" names the ministry too ("외교부 장관", yna-fr2-101)."""
    if not dispatch:
        texts: tuple[str, ...] = (source,)
    else:
        texts = (dispatch,) if source in dispatch else (source, dispatch)
    named = {m.entry for text in texts for m in glossary.find(_offices_named(text), src)}
    # A Korean name romanized another way than the glossary's: "Jung Seong-ho" is written 정성호,
    # as the glossary's "Jung Sung-ho" is (yna-fr2-431).
    keys = {_romanized(name) for text in texts for name in _KOREAN_NAME.findall(text)}
    if not keys:
        return named
    return named | {e for e in glossary if e.kind == "person" and any(_romanized(f) in keys for f in e.fr)}


# A Korean person's name in Latin letters: "Jung Seong-ho", "Lee Jae-myung", "Yoon Suk Yeol".
_KOREAN_NAME = re.compile(r"\b[A-Z][a-z]{1,4} [A-Z][a-z]+(?:[- ][A-Za-z][a-z]+)?\b")
# Romanizations of one Korean syllable: "Seong" and "Sung", "Jeong" and "Jung", "Soo" and "Su".
_ROMANIZED_VOWELS = re.compile(r"eo|oo|ou")


def _romanized(name: str) -> str:
    """``name`` folded so that its romanizations compare equal ("Jung Seong-ho" as "Jung Sung-ho")."""
    return _ROMANIZED_VOWELS.sub("u", re.sub(r"[^a-z]", "", name.lower()))


def is_copy(source: str, output: str) -> bool:
    """True when the output is (nearly) the source copied through."""
    if fold(source).split() == fold(output).split() and len(output.strip()) >= 10:
        return True
    words = _WORD_RE.findall(fold(output))
    if len(words) < COPY_MIN_WORDS:
        return False
    source_words = set(_WORD_RE.findall(fold(source)))
    shared = sum(1 for w in words if w in source_words)
    return shared / len(words) >= COPY_SHARE


def length_out_of_band(source: str, src: str, output: str, tgt: str) -> bool:
    """True when output/source length is outside the pair's band (long enough segments only)."""
    band = LENGTH_BANDS.get((src, tgt))
    n_source = len(source.strip())
    if band is None or n_source < MIN_LENGTH_CHARS:
        return False
    ratio = len(output.strip()) / n_source
    return not band[0] <= ratio <= band[1]


def sentences_of(source: str, src: str, output: str, tgt: str) -> tuple[list[str], list[str]] | None:
    """The sentences of a French source and of its English or Korean translation (split once for
    :func:`dropped_from_sentences` and :func:`fewer_sentences`), or None for another pair."""
    if src != "fr" or tgt not in ("en", "ko"):
        return None
    return [s.text for s in segment(source)], translated_sentences(output)


def dropped_from_sentences(
    sentences: tuple[list[str], list[str]], src: str, tgt: str, dispatch: str | None = None
) -> list[NumberMention]:
    """Counts, percentages, ranks and designators of a French sentence missing from its sentence of
    the translation (``sentences``: :func:`sentences_of`), when the translation has as many
    sentences as the source (two or more): sentence by sentence, a number the translation gives in
    another sentence is still lost ("집행유예 3년" changed to "5년" where another sentence has a 5,
    "8탈삼진" left as "탈삼진" where another has an 8: tuning files yna-fr2-19, -129). Translators
    who keep the count of sentences keep their order: no reference paragraph of the tuning half
    loses a number from its sentence so. Dates, years and times are left to the paragraph: Korean
    names a date the paragraph gave before as "이날".

    A boundary moved is no number lost: a number the next or the previous sentence of the
    translation gives more often than its own French sentence does was carried over the boundary
    ("…, auteur de 11 victoires … . Il a obtenu 104 voix" → "…에게 돌아갔다. 전승우는 … 11승 …
    104표를 받았다", yna-fr2-149)."""
    sources, outputs = sentences
    if len(sources) < 2 or len(sources) != len(outputs):
        return []
    low, high = LENGTH_BANDS[(src, tgt)]
    ratios = [
        len(translated) / max(1, len(sentence)) for sentence, translated in zip(sources, outputs, strict=True)
    ]
    parts_of = [french_digits_and_parts(sentence) if src == "fr" else {} for sentence in sources]
    excess: list[Counter[str]] = []
    for sentence, translated, parts in zip(sources, outputs, parts_of, strict=True):
        given = Counter(_bare(m.value) for m in extract_numbers(translated, tgt))
        given.subtract(parts.get(m.start, _bare(m.value)) for m in extract_numbers(sentence, src))
        given.subtract(value for *_, value in french_counts(sentence))  # "Trois autres prévenus" → "3명"
        excess.append(given)
    lost: list[NumberMention] = []
    for i, (sentence, translated, parts) in enumerate(zip(sources, outputs, parts_of, strict=True)):
        # Only where the boundary did move: this sentence's translation too short for its French,
        # and the neighbour's too long for its own.
        neighbours = [
            excess[j]
            for j in (i - 1, i + 1)
            if 0 <= j < len(sources) and ratios[i] < low and ratios[j] > high
        ]
        lost += [
            m
            for m in number_diff(sentence, src, translated, tgt, dispatch)[0]
            if m.kind in _COUNTED
            and not any(counts[parts.get(m.start, _bare(m.value))] > 0 for counts in neighbours)
        ]
    return lost


# An acronym may end a sentence ("tariffs imposed by the U.S. The ministry said"): each counts as a
# sentence's end, so a sentence read as joined to the next is never one missing.
_ACRONYM_MAY_END = re.compile(r"\b(?:[A-Z]\.){2,}\s+(?=[A-Z\"“])|\b(?:Inc|Corp|Co|Ltd)\.\s+(?=[A-Z\"“])")


def fewer_sentences(sentences: tuple[list[str], list[str]], output: str) -> tuple[int, int] | None:
    """(the source's sentences, the output's) when a French source has more sentences than its
    English or Korean translation ``output`` (``sentences``: :func:`sentences_of`), else None: a
    sentence left out. Translators split sentences and seldom join them, so the one count catches a
    dropped sentence whatever its length; :func:`_joined` tells the joins that keep every number."""
    given = len(sentences[0])
    kept = len(sentences[1]) + len(_ACRONYM_MAY_END.findall(output))
    return (given, kept) if kept < given else None


# The numbers that show a sentence is there: dates, years and times may be written relative to
# another ("지난해", "이날"), so a sentence that gives only those could be left out unnoticed.
_JOIN_KINDS = frozenset({"number", "percent", "ordinal", "designator"})


def _joined(sources: list[str], src: str, found: list[Finding]) -> bool:
    """True when fewer sentences are sentences joined, not one left out: every sentence of the
    source gives a count, percentage, rank or designator, and the translation gives every number of
    the source (no ``number_mismatch`` in ``found``): "... en 6e manche, avant que les Lions ne
    reviennent à 5-4 en 7e. Do Han-gyeol a scellé ... en 8e manche." → "6회 ... 7회 ... 5-4로
    쫓겼지만, 8회 도한결의 ..." (yna-fr2-409). A sentence left out loses its numbers. Its years and
    dates do not count: "un ralentissement en 2026" left out beside "지난해 12월" would pass
    (yna-fr2-281)."""
    if any(finding.flag == "number_mismatch" for finding in found):
        return False
    return all(any(m.kind in _JOIN_KINDS for m in extract_numbers(sentence, src)) for sentence in sources)


_DOUBLE_QUOTES = re.compile(r"[\"“”«»„]")
_QUOTATION_LEFT_OPEN = "a quotation mark is unpaired: part of the quotation may be missing"


def quotation_left_open(source: str, output: str) -> bool:
    """True when the output's double quotation marks do not pair up while the source's do: a
    quotation that lost its end or its beginning, a sentence left out of it ("…아니다. 매 세트를 …"고
    말했다." left as "…아니다.", yna-fr2-89). No reference paragraph of the tuning half leaves
    one open; a quotation that runs on into the next paragraph is open in the source too."""
    return len(_DOUBLE_QUOTES.findall(source)) % 2 == 0 and len(_DOUBLE_QUOTES.findall(output)) % 2 == 1


@dataclass(frozen=True)
class Finding:
    """One reason a translated segment is flagged: the flag and, where it points at a number or a
    name, what to look at ("“29” of the source is not in the translation")."""

    flag: str
    note: str = ""

    def __str__(self) -> str:
        return f"{self.flag}: {self.note}" if self.note else self.flag


def segment_findings(
    source: str,
    output: str,
    src: str,
    tgt: str,
    *,
    glossary: Glossary,
    score: float | None = None,
    min_logprob: float | None = None,
    looped: bool = False,
    terms_enforced: bool = False,
    dispatch: str | None = None,
) -> list[Finding]:
    """What the checks find in one translated segment, in ``FLAGS`` order (empty when nothing is
    wrong): a finding for each number, counter and name at fault, one for each other flag.

    ``dispatch`` is the whole dispatch the segment is part of, with its year when known
    (:func:`with_year`): a weekday ("mardi" → "8일") is read against the dispatch's dateline,
    and a name the Korean gives from the rest of the dispatch ("le ministère" → "통일부") is no
    name added.

    ``score`` is the model's mean token log-probability; ``low_confidence`` is only checked when
    both it and ``min_logprob`` are given. ``looped`` is the engine's own verdict after its retry.
    ``term_not_applied`` is only checked when glossary terms were enforced on the output.
    """
    if not source.strip():
        return []
    if not output.strip():
        return [Finding("untranslated", "the translation is empty")]
    found: list[Finding] = []
    numbered = _name_digits_unwritten(source, src, output, tgt, glossary)
    dropped, added = number_diff(numbered, src, output, tgt, dispatch)
    found += [
        Finding("number_mismatch", f"“{m.text}” of the source is not in the translation") for m in dropped
    ]
    sentences = sentences_of(numbered, src, output, tgt)
    if sentences is not None:
        reported = {m.text for m in dropped}
        found += [
            Finding("number_mismatch", f"“{m.text}” of the source is not in its sentence of the translation")
            for m in dropped_from_sentences(sentences, src, tgt, dispatch)
            if m.text not in reported
        ]
    found += [Finding("number_mismatch", f"“{m.text}” is not in the source") for m in added]
    if tgt == "ko":
        found += [
            Finding("number_mismatch", f"“{m.text}” has lost its number") for m in orphan_counters(output)
        ]
    names = entity_problems(source, src, output, tgt, glossary, dispatch)
    if names:
        in_source = {m.entry: m.text for m in glossary.find(source, src)}
        for entry in names:
            if entry in in_source:
                note = f"“{in_source[entry]}” is not in the translation (“{_form(entry, tgt)}”)"
            else:
                note = f"“{_form(entry, tgt)}” is not named in the source"
            found.append(Finding("entity_mismatch", note))
    if terms_enforced:
        found += [
            Finding(
                "term_not_applied", f"“{_form(entry, src)}” is not in the translation (“{_form(entry, tgt)}”)"
            )
            for entry in missing_terms(glossary, source, output, src, tgt)
        ]
    if is_copy(source, output):
        found.append(Finding("untranslated", "the source is copied through"))
    if looped or has_loop(output):
        found.append(Finding("loop"))
    if (
        sentences is not None
        and (given := fewer_sentences(sentences, output)) is not None
        and not _joined(sentences[0], src, found)
    ):
        kept = f"{given[1]} sentence" if given[1] == 1 else f"{given[1]} sentences"
        found.append(Finding("length_ratio", f"{kept} where the source has {given[0]}"))
    elif quotation_left_open(source, output):
        found.append(Finding("length_ratio", _QUOTATION_LEFT_OPEN))
    elif length_out_of_band(source, src, output, tgt):
        found.append(Finding("length_ratio"))
    if score is not None and min_logprob is not None and score < min_logprob:
        found.append(Finding("low_confidence", f"mean log-probability {score:.2f}, under {min_logprob:.2f}"))
    return sorted(found, key=lambda finding: FLAGS.index(finding.flag))


def _name_digits_unwritten(source: str, src: str, output: str, tgt: str, glossary: Glossary) -> str:
    """``source`` with the digits of each glossary name whose forms in ``tgt`` write none, or that
    ``output`` gives in a form without them, turned into letters (same length): "LIG Nex1" is
    "LIG넥스원" in Korean (yna-fr2-211), "CO2" may be "이산화탄소" (yna-fr2-407), and their digits are
    no number the translation must give."""
    chars = list(source)
    in_words = {m.entry for m in glossary.find(output, tgt) if not any(char.isdigit() for char in m.text)}
    # Only digits the output gives nowhere else: "l'accord militaire intercoréen du 19 septembre
    # 2018" → "the Sept. 19, 2018, inter-Korean military agreement" keeps its date (yna-fr2-171).
    given = {m.value for m in extract_numbers(output, tgt)} if in_words else set()
    mentions = extract_numbers(source, src) if in_words else []
    for match in glossary.find(source, src):
        forms = match.entry.forms(tgt)
        unwritten = forms and not any(char.isdigit() for form in forms for char in form)
        if unwritten or (
            match.entry in in_words
            and not any(match.start <= m.start < match.end and m.value in given for m in mentions)
        ):
            for i in range(match.start, match.end):
                if chars[i].isdigit():
                    chars[i] = "x"
    return "".join(chars)


def _form(entry: GlossaryEntry, lang: str) -> str:
    """The entry's first form in ``lang``, else its French one."""
    forms = entry.forms(lang) or entry.fr
    return forms[0]


def flags_of(findings: Iterable[Finding]) -> list[str]:
    """The flags of ``findings``, each once, in ``FLAGS`` order."""
    raised = {finding.flag for finding in findings}
    return [flag for flag in FLAGS if flag in raised]


def segment_flags(
    source: str,
    output: str,
    src: str,
    tgt: str,
    *,
    glossary: Glossary,
    score: float | None = None,
    min_logprob: float | None = None,
    looped: bool = False,
    terms_enforced: bool = False,
    dispatch: str | None = None,
) -> list[str]:
    """The flags of :func:`segment_findings` (same arguments), in ``FLAGS`` order."""
    return flags_of(
        segment_findings(
            source,
            output,
            src,
            tgt,
            glossary=glossary,
            score=score,
            min_logprob=min_logprob,
            looped=looped,
            terms_enforced=terms_enforced,
            dispatch=dispatch,
        )
    )


def bullet_numbers_added(bullet: str, lang: str, source_fr: str) -> tuple[NumberMention, ...]:
    """The numbers a bullet written in ``lang`` gives that its French dispatch does not, read with
    the allowances a translation has ("4.2%포인트" for "4,2 points", "1년 전보다" for "sur un an").
    About 5 ms a bullet against a whole dispatch: the pipeline reads them once and gives them to
    both :func:`bullet_flags` and the support verdict (``numbers_added``)."""
    return tuple(number_diff(source_fr, "fr", bullet, lang)[1])


def bullet_flags(
    bullet: str,
    lang: str,
    source_fr: str,
    glossary: Glossary,
    numbers_added: tuple[NumberMention, ...] | None = None,
) -> list[str]:
    """The flags that apply to a summary bullet written in ``lang`` from the French dispatch.

    A bullet says less than its source, so only what it does say is checked: a number it gives
    that the source does not (``number_mismatch``; the same value written another way passes as
    it does in a translation, "4.2%포인트" for "4,2 points"), a name it gives in a form the
    glossary does not have for ``lang``, i.e. the French form copied (``entity_mismatch``), and a
    loop. ``numbers_added``: :func:`bullet_numbers_added`, when the caller has read them already."""
    found: list[str] = []
    if numbers_added is None:
        numbers_added = bullet_numbers_added(bullet, lang, source_fr)
    if numbers_added:
        found.append("number_mismatch")
    if lang != "fr":
        folded = fold(bullet)
        for match in glossary.find(source_fr, "fr"):
            entry = match.entry
            copied = any(fold(form) in folded for form in entry.forms("fr"))
            if copied and entry.forms(lang) and not glossary.rendered(entry, bullet, lang):
                found.append("entity_mismatch")
                break
    if has_loop(bullet):
        found.append("loop")
    return found
