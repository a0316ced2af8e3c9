"""Numbers, amounts, percentages, dates and times in French, English and Korean text.

Each mention gets a canonical ``value`` that compares across the three writing conventions, so a
summary bullet or a translated sentence can be checked against its French source without a model:
"1.500 milliards de wons", "1,500 billion won" and "1조 5천억 원" all give ``"1500000000000"``.

Kinds and their keys (``KINDS``):

* ``number``  — plain decimal string, no separators, no exponent, no trailing zeros: ``"3000"``,
  ``"2.5"``, ``"1200000"``. Scale words belong to the number ("950 millions" → ``"950000000"``);
  the currency or unit that follows does not ("300 km" → ``"300"``).
* ``percent`` — the number followed by ``%``: ``"2.5%"``. Percentage points ("points de
  pourcentage", "percentage points", "%p", "%포인트") count as percent too.
* ``date``    — ISO-8601 style, with the parts the text gives: ``"2025-03-12"``, ``"2025-03"``
  (month and year), ``"--03-12"`` (day and month), ``"--03"`` (month alone), ``"---12"`` (Korean
  "12일", the day alone).
* ``time``    — 24-hour ``"HH:MM"``: "14h30", "2:30 p.m." and "오후 2시 30분" all give ``"14:30"``.
* ``year``    — a bare four-digit number between 1000 and 2999, or Korean "2025년": ``"2025"``.
  The key equals the ``number`` key of the same digits, so a year and a count never disagree.
* ``ordinal`` — a rank written with digits ("12e", "12th", "12위", "제12회"): its number, ``"12"``.
* ``designator`` — the number of a name ("KF-21", "Galaxy S24", "A380"): ``"21"``.

Conventions (``lang`` is the convention of the text, not of the source it came from):

* fr — thousands separated by ``.`` or by a space (U+0020, U+00A0, U+202F, U+2009) in groups of
  exactly three digits ("3.000", "3 000", "2.200.112"); decimal comma ("2,5"). A dot followed by
  anything other than three-digit groups ("3.5") is read as a decimal point: no other reading exists.
* en, ko — thousands comma in groups of exactly three digits ("3,000"), decimal point ("2.5").
  A comma followed by anything else ("2,5", typically copied from the French) is read as a decimal
  comma. Groups separated by no-break or thin spaces are accepted; plain spaces are not (in English
  "in 2024 300 people" must stay two numbers).
* ko — Sino-Korean units after digits: 십 백 천 (10, 100, 1000) inside a group of four digits and
  만 억 조 경 (10^4, 10^8, 10^12, 10^16) between groups, mixed freely with digits: "3천", "9백50만",
  "1,500억", "1조5000억", "1조 5천억" (a space is allowed after a big unit when the next digits carry
  a unit of their own), "7천여억" ("여", about, between units). Units must decrease, so "1천1천" is
  two amounts. Amounts need a leading digit: "만" alone is also a common particle.

Decisions on ambiguous cases:

* Ordinals are read as kind ``ordinal`` with their number: "1er", "2e", "9es", "3ème", "XXIe"
  (Roman, French only), "1st", "21st", "제2", "제36조", "2번째", "2차", "12위" (but "1er janvier" is
  a date, "2차례" (twice) a count). A rank is a fact: "12e" and "12th" agree, "19th" does not.
* Digits glued to a word are the number of a name, kind ``designator``: "G20", "A380", "KF-21",
  "Galaxy S24", "Malligyong-1", "COVID-19", "5G". Their value is the number alone, so "Hwasong-18"
  and "화성-18형" agree and "KF-28" for "KF-21" does not. In Korean, Hangul directly before digits
  is allowed ("약3000명"), except the ordinal prefix "제".
* Phone-like strings ("02-398-3114", "+82 2 398 3114"), list markers at the start of a line
  ("1.", "2)", "(3)"), footnote marks ("[1]") and "24h/24", "7j/7", "24/7" are skipped.
* French "N heures" is a clock time only with minutes ("14 heures 30") or after à / vers / dès /
  avant / après ("à 14 heures"); otherwise it is a duration and gives the number N ("près de
  6 heures" → ``"6"``). "14h30", "14 h 30", "14h" are always clock times.
* Korean "6시간" (hours), "3일간" / "3일 동안" (days), "12개월" are durations, i.e. plain numbers;
  "3년" is a number, "2025년" a year.
* Bare month names are dates ("mars" → ``"--03"``, as is Korean "3월") so a changed month is caught.
  French months count only in lower case ("Mars" may be the planet); English "May" alone counts only
  after a preposition or determiner ("in May", "last May").
* Signs are ignored ("-0,3 %" → ``"0.3%"``); numbers in words ("trois", "three", "세 명") are
  not extracted, but :func:`missing_numbers` accepts them as support
  (:mod:`service.text.number_words`).
* A French month abbreviation without its dot is a month only before "(Yonhap)" or a year
  ("16 sept (Yonhap)"); "1∼8월" is two months; "7일 안에" (within seven days) is a duration.
* Not handled: numeric dates with slashes ("12/03/2025": day/month order differs between
  languages), Roman numerals, currency codes glued before digits ("KRW1,500"), Sino-Korean numerals
  written in Hangul without digits ("삼천").
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from decimal import Decimal

from service.languages import CODES
from service.text.number_words import word_values
from service.text.segment import FRENCH_DATE_ONLY_MONTHS, FRENCH_MONTH_ABBREVIATIONS

__all__ = ["KINDS", "LANGS", "NumberMention", "extract_numbers", "missing_numbers", "number_keys"]

KINDS: frozenset[str] = frozenset(
    {"number", "percent", "date", "time", "year", "ordinal", "designator", "fraction"}
)  # "fraction": a French fraction in words the Korean lost (service.quality.flags)
LANGS: frozenset[str] = frozenset(CODES)


@dataclass(frozen=True)
class NumberMention:
    """One number, amount, percentage, date, time or year found in a text."""

    text: str  # the surface form, == original[start:end] ("1.500 milliards", "2,5 %", "3천")
    start: int  # character offset in the original text
    end: int  # exclusive end offset
    kind: str  # one of KINDS
    value: str  # canonical key, comparable across fr/en/ko ("1500000000000", "2.5%", "2025-03-12")


# A candidate found by one finder: (start, end, kind, value). Kind None marks a span that holds
# digits which are not quantities (a phone number, "G20"): it is reserved so no later finder reads it.
_Cand = tuple[int, int, str | None, str]
_Finder = Callable[[str, str], Iterator[list[_Cand]]]

_GROUP_SPACE = "[ \u00a0\u202f\u2009]"  # spaces French typography puts between digit groups
_NOT_LETTER_AFTER = r"(?![^\W\d_])"  # the word ends here
_NOT_LETTER_BEFORE = r"(?<![^\W\d_])"

# ---------------------------------------------------------------------------------------------
# Numerals


_NUM_FR = re.compile(
    r"(?<!\d)(?<!\d[.,])"
    rf"(?:\d{{1,3}}(?:\.\d{{3}})+(?:,\d+)?"  # 2.200.112 / 1.234,5
    rf"|\d{{1,3}}(?:{_GROUP_SPACE}\d{{3}})+(?:,\d+)?"  # 3 000 / 1 234,5
    r"|\d+(?:[.,]\d+)?"  # 2025 / 2,5 / 3.5
    r"|(?<![\w.,])\.\d+)"  # .312 (a batting average)
    r"(?!\d|[.,]\d)"  # never stop inside a longer token such as "1.2.3"
)
_NUM_EN = re.compile(
    r"(?<!\d)(?<!\d[.,])"
    r"(?:\d{1,3}(?:,\d{3})+(?:\.\d+)?"  # 3,000 / 1,234.5
    r"|\d{1,3}(?:[\u00a0\u202f\u2009]\d{3})+(?:\.\d+)?"  # 3 000 with typographic spaces only
    r"|\d+(?:[.,]\d+)?"  # 2025 / 2.5 / 2,5 (decimal comma copied from French)
    r"|(?<![\w.,])\.\d+)"  # .613 (a batting average)
    r"(?!\d|[.,]\d)"
)
_FR_DOT_GROUPS = re.compile(r"\d{1,3}(?:\.\d{3})+(?:,\d+)?")
_EN_COMMA_GROUPS = re.compile(r"\d{1,3}(?:,\d{3})+(?:\.\d+)?")


def _numeral_value(raw: str, lang: str) -> Decimal:
    """The value of a numeral matched by ``_NUM_FR`` / ``_NUM_EN``."""
    digits = re.sub(_GROUP_SPACE, "", raw)
    if lang == "fr":
        if _FR_DOT_GROUPS.fullmatch(digits):
            digits = digits.replace(".", "")
        digits = digits.replace(",", ".")
    else:
        if _EN_COMMA_GROUPS.fullmatch(digits):
            digits = digits.replace(",", "")
        digits = digits.replace(",", ".")
    return Decimal(digits)


def _canonical(value: Decimal) -> str:
    """Plain decimal string: "1200000", "2.5", never "1.2E+6" nor "2.50"."""
    if value == value.to_integral_value():
        return str(int(value))
    return format(value.normalize(), "f")


_SCALES: dict[str, dict[str, int]] = {
    "fr": {
        "mille": 10**3,
        "million": 10**6,
        "millions": 10**6,
        "milliard": 10**9,
        "milliards": 10**9,
        # French "billion" is 10^12 and "trillion" 10^18 (long scale), unlike English.
        "billion": 10**12,
        "billions": 10**12,
        "trillion": 10**18,
        "trillions": 10**18,
        "md": 10**9,
        "mds": 10**9,
        "mrd": 10**9,
        "mrds": 10**9,
        "m": 10**6,
    },
    "en": {
        "thousand": 10**3,
        "million": 10**6,
        "millions": 10**6,
        "mn": 10**6,
        "mln": 10**6,
        "billion": 10**9,
        "billions": 10**9,
        "bn": 10**9,
        "bln": 10**9,
        "trillion": 10**12,
        "trillions": 10**12,
        "tn": 10**12,
        "trn": 10**12,
    },
}
_SCALE_RE: dict[str, re.Pattern[str]] = {
    "fr": re.compile(
        rf"{_GROUP_SPACE}?(?P<w>(?i:milliards?|millions?|billions?|trillions?|mille)"
        # "M" alone is a million only before a currency sign ("950 M€"): "M." is also "Monsieur".
        rf"|Mrds?|Mds?|mds|M(?={_GROUP_SPACE}?[€$])){_NOT_LETTER_AFTER}"
    ),
    "en": re.compile(
        r"[ \u00a0\u202f\u2009-]?(?P<w>(?i:thousand|millions?|billions?|trillions?)"
        rf"|mln|bln|mn|bn|tn|trn){_NOT_LETTER_AFTER}"
    ),
}
_PERCENT_RE: dict[str, re.Pattern[str]] = {
    "fr": re.compile(
        rf"{_GROUP_SPACE}?(?:[%％]|(?i:pour{_GROUP_SPACE}?cent|points?\s+de\s+pourcentage){_NOT_LETTER_AFTER})"
    ),
    "en": re.compile(
        rf"{_GROUP_SPACE}?(?:[%％]|(?i:percentage\s+points?|percent|per\s?cent|pct){_NOT_LETTER_AFTER})"
    ),
    "ko": re.compile(rf"{_GROUP_SPACE}?(?:[%％](?: ?포인트|p(?![A-Za-z]))?|퍼센트(?: ?포인트)?)"),
}
# Glued right after digits these make an ordinal ("1er", "2e", "3ème", "21st"), not a quantity.
_ORDINAL_SUFFIX_RE = re.compile(
    rf"(?:ᵉʳˢ|ʳᵉˢ|ᵉˢ|ᵉʳ|ʳᵉ|ᵉ|ères|ère|eres|ere|èmes|ème|emes|eme|ers|er|res|re|es|è|e|ndes?|nds?|st|rd|th){_NOT_LETTER_AFTER}"
)
# "2번째", "2차 회의", "2위" are ordinals; "2차례" (twice) and "2위안" (yuan) are not.
_KO_ORDINAL_SUFFIX_RE = re.compile(r"번째|차(?!례)|위(?!안)")

_KO_SMALL_UNITS = {"십": 10, "백": 100, "천": 1000}
_KO_BIG_UNITS = {"만": 10**4, "억": 10**8, "조": 10**12, "경": 10**16}
# What may follow the unit 경 directly: particles and currency words ("1경 원", "1경에", "1경달러").
_KO_AFTER_GYEONG = frozenset("원에의을이은는도여달")


def _ko_units(s: str, first: Decimal, pos: int) -> tuple[Decimal, int] | None:
    """Read Korean units after the numeral ``first`` that ends at ``pos``.

    Returns the whole amount and where it ends, or None when no unit follows. Big units must
    decrease ("1조5000억", not "5만만"); small units multiply the digits before them inside the
    current four-digit section ("9백50만" = (9×100 + 50) × 10^4).
    """
    total = Decimal(0)
    section = Decimal(0)
    current: Decimal | None = first
    current_at: int | None = None  # where a numeral read after a unit starts, to give it back
    last_big: int | None = None
    last_small: int | None = None
    used_unit = False
    n = len(s)
    while pos < n:
        unit = s[pos]
        if unit == "여" and pos + 1 < n and s[pos + 1] in _KO_BIG_UNITS and used_unit:
            pos += 1  # "7천여억": "여" (about) sits between the units of one amount
            continue
        out_of_order = False
        if unit == "경" and pos + 1 < n and _is_hangul(s[pos + 1]) and s[pos + 1] not in _KO_AFTER_GYEONG:
            break  # "110경기" (games), "경제": a word, not the unit 10^16
        if unit in _KO_SMALL_UNITS and current is not None:
            small = _KO_SMALL_UNITS[unit]
            out_of_order = last_small is not None and small >= last_small
            if not out_of_order:
                section += current * small
                last_small = small
        elif unit in _KO_BIG_UNITS and (current is not None or section):
            big = _KO_BIG_UNITS[unit]
            out_of_order = last_big is not None and big >= last_big
            if not out_of_order:
                total += (section + (current if current is not None else Decimal(0))) * big
                section = Decimal(0)
                last_big = big
                last_small = None
        else:
            break
        if out_of_order:
            # "1천1천", "5만3만": two amounts; the digits before this unit start the second one.
            if current_at is not None:
                pos = current_at
                current = None
            break
        current = None
        current_at = None
        used_unit = True
        pos += 1
        glued = _NUM_EN.match(s, pos)
        if glued:
            current = _numeral_value(glued.group(), "ko")
            current_at = pos
            pos = glued.end()
            continue
        if unit in _KO_BIG_UNITS and s.startswith(" ", pos):
            # "1조 5천억": after a space the amount goes on only if the next digits carry a unit,
            # otherwise "1억 2025년" would fuse two numbers.
            spaced = _NUM_EN.match(s, pos + 1)
            after = spaced.end() if spaced else n
            if spaced and after < n and (s[after] in _KO_SMALL_UNITS or s[after] in _KO_BIG_UNITS):
                current = _numeral_value(spaced.group(), "ko")
                current_at = pos
                pos = after
        # Otherwise another unit may follow directly ("3천만"); the loop stops at anything else.
    if not used_unit:
        return None
    return total + section + (current if current is not None else Decimal(0)), pos


def _is_hangul(ch: str) -> bool:
    return "\uac00" <= ch <= "\ud7a3" or "\u1100" <= ch <= "\u11ff" or "\u3130" <= ch <= "\u318f"


def _glued_left(s: str, i: int, lang: str) -> bool:
    """True when the digits starting at ``s[i]`` are part of a word: "G20", "Malligyong-1", "제2"."""
    if i == 0:
        return False
    prev = s[i - 1]
    if prev.isalpha():
        # Korean glues numbers to the preceding word freely ("약3000명"), but "제2" is an ordinal.
        return not (lang == "ko" and _is_hangul(prev) and prev != "제")
    if prev in "-‐‑" and i >= 2:
        return s[i - 2].isalpha() or s[i - 2] == "_"
    return prev == "_"


# ---------------------------------------------------------------------------------------------
# Finders. Each reads the masked text (spans already taken replaced by NUL) and yields groups of
# candidates that are accepted or rejected together (a date range gives two mentions).


_PHONE_RE = re.compile(
    r"(?<![\w+])\+\d{1,3}(?:[ \-]?\(?\d{1,4}\)?){2,}(?!\d)"  # +82 2 398 3114, +82-2-398-3114
    r"|(?<![\w.,\-])(?:\(0\d{1,2}\)|0\d{1,2})[ \-]?\d{3,4}-\d{4}(?![\d\-])"  # (02) 398-3114
    r"|(?<![\w.,\-])\d{2,4}-\d{3,4}-\d{4}(?![\d\-])"  # 02-398-3114, 010-1234-5678
)
_LIST_MARKER_RE = re.compile(r"^[ \t]*(?:[-•*][ \t]*)?(\(?\d{1,2}[.)])(?=[ \t])", re.MULTILINE)
_FOOTNOTE_RE = re.compile(r"\[\d{1,3}\]")
# "24h/24", "7j/7", "24/7": round the clock, not a time or a date.
_AROUND_THE_CLOCK_RE = re.compile(r"(?<![\w.,])(?:24\s?h\s?/\s?24|7\s?j\s?/\s?7|24\s?/\s?7)(?![\w])")


def _skips(s: str, lang: str) -> Iterator[list[_Cand]]:
    """Digits that are not quantities: phone numbers, list markers, footnote marks, "24h/24"."""
    for m in _PHONE_RE.finditer(s):
        # "+2 200 112" is a signed amount; an international number has at least 9 digits.
        if m.group().startswith("+") and sum(c.isdigit() for c in m.group()) < 9:
            continue
        yield [(m.start(), m.end(), None, "")]
    for m in _LIST_MARKER_RE.finditer(s):
        yield [(m.start(1), m.end(1), None, "")]
    for m in _FOOTNOTE_RE.finditer(s):
        yield [(m.start(), m.end(), None, "")]
    for m in _AROUND_THE_CLOCK_RE.finditer(s):
        yield [(m.start(), m.end(), None, "")]


def _ymd(year: int | None, month: int | None, day: int | None) -> str:
    """ISO-8601 style key with only the parts given ("2025-03-12", "--03-12", "---12", "2025")."""
    y = f"{year:04d}" if year is not None else "-"
    if month is None and day is None:
        return y
    if day is None:
        return f"{y}-{month:02d}" if year is not None else f"--{month:02d}"
    if month is None:
        return f"---{day:02d}"
    return f"{y}-{month:02d}-{day:02d}" if year is not None else f"--{month:02d}-{day:02d}"


def _leading_int(raw: str | None) -> int | None:
    """The integer at the start of "12", "1er", "2nd"; None for a missing group."""
    if raw is None:
        return None
    m = re.match(r"\d+", raw)
    return int(m.group()) if m else (1 if raw.lower() == "1er" else None)


def _date_group(m: re.Match[str], month: int | None, lang: str) -> list[_Cand]:
    """Candidates for a date match with optional groups d1, d2 (a range), year; [] if invalid."""
    groups = m.groupdict()
    if m.group()[:1].isdigit() and _glued_left(m.string, m.start(), lang):
        return []
    day1 = _leading_int(groups.get("d1"))
    day2 = _leading_int(groups.get("d2"))
    year = _leading_int(groups.get("year"))
    end = m.end()
    if year is not None and not 1000 <= year <= 2999:
        # "March 12, 3000 people": the date stops before the would-be year.
        year = None
        end = max(m.end(g) for g in ("d1", "d2", "month") if groups.get(g) is not None)
    if month is not None and not 1 <= month <= 12:
        return []
    if any(d is not None and not 1 <= d <= 31 for d in (day1, day2)):
        return []
    if day2 is None:
        return [(m.start(), end, "date", _ymd(year, month, day1))]
    # A range ("12 et 13 mars", "March 12-13", "3월 12~13일") gives one mention per day.
    return [
        (m.start(), m.end("d1"), "date", _ymd(year, month, day1)),
        (m.start("d2"), end, "date", _ymd(year, month, day2)),
    ]


def _alternation(words: Iterable[str]) -> str:
    return "|".join(re.escape(w) for w in sorted(words, key=len, reverse=True))


_FR_MONTHS: dict[str, int] = {
    "janvier": 1,
    "février": 2,
    "fevrier": 2,
    "mars": 3,
    "avril": 4,
    "mai": 5,
    "juin": 6,
    "juillet": 7,
    "août": 8,
    "aout": 8,
    "septembre": 9,
    "octobre": 10,
    "novembre": 11,
    "décembre": 12,
    "decembre": 12,
}
# Every way French wire copy abbreviates a month (shared with the sentence splitter), with its dot.
_FR_MONTH_ABBREVIATIONS: dict[str, int] = {k + ".": v for k, v in FRENCH_MONTH_ABBREVIATIONS.items()}
# "du 23 au 25 oct", "le 3 janv dernier": an abbreviation without its dot is a month after a day,
# unless it is also a word or a name ("sept", "jan": see _FR_DOTLESS_DATE_RE).
_FR_ALL_MONTHS = {
    **_FR_MONTHS,
    **_FR_MONTH_ABBREVIATIONS,
    **{k: v for k, v in FRENCH_MONTH_ABBREVIATIONS.items() if k not in FRENCH_DATE_ONLY_MONTHS},
}
_FR_MONTH_ALT = _alternation(_FR_ALL_MONTHS)
# "du vendredi 13 au mercredi 18 février" (yna-fr2-107): a weekday before the range's second day.
_FR_WEEKDAY_BEFORE_DAY = r"(?:(?:lundi|mardi|mercredi|jeudi|vendredi|samedi|dimanche)\s+)?"
_FR_DAY_MONTH_RE = re.compile(
    r"(?<![\d.,])(?P<d1>1er|\d{1,2})"
    rf"(?:(?:\s*[-–]\s*|\s+(?:et|au|à|ou)\s+{_FR_WEEKDAY_BEFORE_DAY})(?P<d2>\d{{1,2}}))?"
    rf"\s+(?P<month>{_FR_MONTH_ALT}){_NOT_LETTER_AFTER}"
    r"(?:\s+(?P<year>\d{4}))?(?!\d|[.,]\d)",
    re.IGNORECASE,
)
# "16 sept (Yonhap)", "3 janv 2025", "les 11 et 12 sept, ...": an abbreviation without its dot
# that is also a word ("sept" is also seven) is a month after a day only before the dateline's
# "(Yonhap)", a year, or punctuation that ends the date (hard-numbers yna-fr2-83: "les 11 et 12
# sept, avait attiré"; "12 sept joueurs" is no date).
_FR_DOTLESS_MONTHS = dict(FRENCH_MONTH_ABBREVIATIONS)
_FR_DOTLESS_DATE_RE = re.compile(
    r"(?<![\d.,])(?P<d1>1er|\d{1,2})"
    rf"(?:(?:\s*[-–]\s*|\s+(?:et|au|à|ou)\s+{_FR_WEEKDAY_BEFORE_DAY})(?P<d2>\d{{1,2}}))?"
    rf"\s+(?P<month>{_alternation(_FR_DOTLESS_MONTHS)})"
    r"(?=\s*[(,;:)]|\s+\d{4}(?!\d)|\s*$)(?:\s+(?P<year>\d{4}))?",
    re.IGNORECASE,
)
# "sorti en janv.", "fin oct.", "depuis déc.": an abbreviation with its dot is a month alone after
# a word that introduces one (hard-numbers yna-fr2-79: "sorti en janv. (6,1 millions)").
_FR_BARE_ABBREVIATION_RE = re.compile(
    r"(?:(?<=\ben )|(?<=\bfin )|(?<=\bdébut )|(?<=\bdebut )|(?<=\bdepuis )|(?<=\bmi-))"
    rf"(?P<month>{_alternation(_FR_MONTH_ABBREVIATIONS)})(?!\w)",
    re.IGNORECASE,
)
_FR_MONTH_YEAR_RE = re.compile(
    rf"{_NOT_LETTER_BEFORE}(?P<month>{_FR_MONTH_ALT})\s+(?P<year>\d{{4}})(?!\d|[.,]\d)", re.IGNORECASE
)
_FR_BARE_MONTH_RE = re.compile(
    rf"{_NOT_LETTER_BEFORE}(?P<month>{_alternation(_FR_MONTHS)}){_NOT_LETTER_AFTER}"
)

_EN_MONTHS: dict[str, int] = {
    "january": 1,
    "february": 2,
    "march": 3,
    "april": 4,
    "may": 5,
    "june": 6,
    "july": 7,
    "august": 8,
    "september": 9,
    "october": 10,
    "november": 11,
    "december": 12,
}
_EN_MONTH_ABBREVIATIONS: dict[str, int] = {
    "jan.": 1,
    "feb.": 2,
    "mar.": 3,
    "apr.": 4,
    "jun.": 6,
    "jul.": 7,
    "aug.": 8,
    "sep.": 9,
    "sept.": 9,
    "oct.": 10,
    "nov.": 11,
    "dec.": 12,
}
_EN_ALL_MONTHS = {**_EN_MONTHS, **_EN_MONTH_ABBREVIATIONS}
# English month names are capitalised; matching them case-sensitively keeps "may" and "march" out.
_EN_MONTH_ALT = _alternation(w.capitalize() for w in _EN_ALL_MONTHS)
_EN_DAY = r"\d{1,2}(?:st|nd|rd|th)?"
_EN_MONTH_DAY_RE = re.compile(
    rf"{_NOT_LETTER_BEFORE}(?P<month>{_EN_MONTH_ALT}){_NOT_LETTER_AFTER}\s+(?P<d1>{_EN_DAY})"
    rf"(?:\s*(?:-|–|\s(?:and|to|through)\s)\s*(?P<d2>{_EN_DAY}))?"
    r"(?:,?\s+(?P<year>\d{4}))?(?!\d|[.,]\d|[^\W\d_])"
)
_EN_DAY_MONTH_RE = re.compile(
    rf"(?<![\d.,])(?P<d1>{_EN_DAY})(?:\s*(?:-|–|\s(?:and|to)\s)\s*(?P<d2>{_EN_DAY}))?"
    rf"\s+(?:of\s+)?(?P<month>{_EN_MONTH_ALT}){_NOT_LETTER_AFTER}"
    r"(?:,?\s+(?P<year>\d{4}))?(?!\d|[.,]\d)"
)
_EN_MONTH_YEAR_RE = re.compile(
    rf"{_NOT_LETTER_BEFORE}(?P<month>{_EN_MONTH_ALT}){_NOT_LETTER_AFTER},?\s+(?P<year>\d{{4}})(?!\d|[.,]\d)"
)
_EN_BARE_MONTH_RE = re.compile(
    rf"{_NOT_LETTER_BEFORE}(?P<month>{_alternation(w.capitalize() for w in _EN_MONTHS)}){_NOT_LETTER_AFTER}"
)
# "May" alone is a month only after one of these words ("in May", "last May"), not "May I ...".
_EN_MAY_CONTEXT_RE = re.compile(
    r"(?:^|\W)(?:in|of|on|since|until|till|by|from|to|through|last|next|this|early|late|mid|"
    r"before|after|during|between|and)[\s-]+$",
    re.IGNORECASE,
)

# "12일" is a date; "12일간", "3일 동안", "7일 안에", "26일 만에" / "26일 만이다" (26 days after,
# hard-numbers yna-fr2-77) are durations.
_KO_AFTER = r"\s*만(?:에|이|의|인|(?![\uac00-\ud7a3]))"
# "16일 연속" (16 days in a row, "16e nuit consécutive", yna-fr2-177) is a count too.
_KO_DAY_END = rf"일(?!간|째|\s*동안|{_KO_AFTER}|\s*(?:안에|이내|내에|내로|연속))"
# Three days or more of one month: "les 6, 7 et 8 juin", "June 6, 7 and 8" (hard-numbers
# yna-fr2-447): each a date.
_FR_DAY_LIST_RE = re.compile(
    r"(?<![\d.,])(?P<dl>(?:(?:1er|\d{1,2})\s*,\s*)+)(?P<d1>\d{1,2})\s+et\s+(?P<d2>\d{1,2})"
    rf"\s+(?P<month>{_FR_MONTH_ALT}){_NOT_LETTER_AFTER}(?:\s+(?P<year>\d{{4}}))?(?!\d|[.,]\d)",
    re.IGNORECASE,
)
_EN_DAY_LIST_RE = re.compile(
    rf"{_NOT_LETTER_BEFORE}(?P<month>{_EN_MONTH_ALT}){_NOT_LETTER_AFTER}\s+"
    rf"(?P<dl>(?:{_EN_DAY}\s*,\s*)+)(?P<d1>{_EN_DAY}),?\s+and\s+(?P<d2>{_EN_DAY})"
    r"(?:,?\s+(?P<year>\d{4}))?(?!\d|[.,]\d|[^\W\d_])"
)
_LIST_DAY_RE = re.compile(r"1er|\d{1,2}")
_KO_DATE_RE = re.compile(
    r"(?<![\d.,])(?:(?P<year>\d{4})년\s*)?(?P<month>\d{1,2})월"
    rf"(?:\s*(?P<d1>\d{{1,2}})(?:일?\s*[~～∼\-–]\s*(?P<d2>\d{{1,2}}))?{_KO_DAY_END})?"
)
_KO_DOTTED_DATE_RE = re.compile(
    r"(?<![\d.,])(?P<year>\d{4})\.\s?(?P<month>\d{1,2})\.\s?(?P<d1>\d{1,2})(?!\d)\.?"  # "2025.3.12"
)
# "12·3 비상계엄", "6·25 전쟁", "5·18": events Korean names by their month and day. Not before a
# counter ("3·4위" is third and fourth).
_KO_DOT_DATE_RE = re.compile(
    r"(?<![\d.,·])(?P<month>\d{1,2})·(?P<d1>\d{1,2})(?![\d·]|\s?[위등차번명개호기단층대강세선조억만천백%])"
)
_KO_YEAR_RE = re.compile(rf"(?<![\d.,])(?P<year>\d{{4}})년(?!간|째|\s*동안|{_KO_AFTER})")
_KO_DAY_RE = re.compile(rf"(?<![\d.,])(?P<d1>\d{{1,2}})(?:일?\s*[~～∼\-–]\s*(?P<d2>\d{{1,2}}))?{_KO_DAY_END}")
_KO_MONTH_RANGE_RE = re.compile(r"(?<![\d.,])(?P<m1>\d{1,2})\s*[~～∼\-–]\s*(?P<m2>\d{1,2})월")  # "1∼8월"
_ISO_DATE_RE = re.compile(r"(?<![\w.,\-])(?P<year>\d{4})-(?P<month>\d{2})-(?P<d1>\d{2})(?![\w\-])")


def _day_list(m: re.Match[str], month: int, lang: str) -> list[_Cand]:
    """One date per day of a list of days of ``month`` ("les 6, 7 et 8 juin"), [] if one is invalid."""
    year = _leading_int(m.group("year"))
    if year is not None and not 1000 <= year <= 2999:
        return []
    days = [(d.start(), d.end()) for d in _LIST_DAY_RE.finditer(m.string, m.start("dl"), m.end("dl"))]
    days += [m.span("d1"), m.span("d2")]
    numbers = [_leading_int(m.string[a:b]) or 0 for a, b in days]
    if not all(1 <= day <= 31 for day in numbers):
        return []
    spans = [list(span) for span in days]
    spans[0][0] = m.start()  # "June" before the first day in English
    spans[-1][1] = m.end()  # the month, or the year, after the last
    return [(a, b, "date", _ymd(year, month, day)) for (a, b), day in zip(spans, numbers, strict=True)]


def _dates(s: str, lang: str) -> Iterator[list[_Cand]]:
    """Full dates, day-month, month-year, then months and (Korean) days alone; ranges included."""
    for m in _ISO_DATE_RE.finditer(s):
        yield _date_group(m, int(m.group("month")), lang)
    if lang in ("fr", "en"):
        listed = _FR_DAY_LIST_RE if lang == "fr" else _EN_DAY_LIST_RE
        months = _FR_ALL_MONTHS if lang == "fr" else _EN_ALL_MONTHS
        for m in listed.finditer(s):
            yield _day_list(m, months[m.group("month").lower()], lang)
    if lang == "fr":
        for m in _FR_DAY_MONTH_RE.finditer(s):
            yield _date_group(m, _FR_ALL_MONTHS[m.group("month").lower()], lang)
        for m in _FR_DOTLESS_DATE_RE.finditer(s):
            yield _date_group(m, _FR_DOTLESS_MONTHS[m.group("month").lower()], lang)
        for m in _FR_MONTH_YEAR_RE.finditer(s):
            yield _date_group(m, _FR_ALL_MONTHS[m.group("month").lower()], lang)
        for m in _FR_BARE_MONTH_RE.finditer(s):
            yield _date_group(m, _FR_MONTHS[m.group("month")], lang)
        for m in _FR_BARE_ABBREVIATION_RE.finditer(s):
            yield _date_group(m, _FR_MONTH_ABBREVIATIONS[m.group("month").lower()], lang)
    elif lang == "en":
        for regex in (_EN_MONTH_DAY_RE, _EN_DAY_MONTH_RE, _EN_MONTH_YEAR_RE):
            for m in regex.finditer(s):
                yield _date_group(m, _EN_ALL_MONTHS[m.group("month").lower()], lang)
        for m in _EN_BARE_MONTH_RE.finditer(s):
            if m.group("month") == "May" and not _EN_MAY_CONTEXT_RE.search(
                s[max(0, m.start() - 20) : m.start()]
            ):
                continue
            yield _date_group(m, _EN_MONTHS[m.group("month").lower()], lang)
    else:
        for m in _KO_MONTH_RANGE_RE.finditer(s):
            first, last = int(m.group("m1")), int(m.group("m2"))
            if 1 <= first <= 12 and 1 <= last <= 12:
                yield [(m.start("m1"), m.end("m1"), "date", _ymd(None, first, None)),
                       (m.start("m2"), m.end(), "date", _ymd(None, last, None))]  # fmt: skip
        for m in _KO_DOT_DATE_RE.finditer(s):
            yield _date_group(m, int(m.group("month")), lang)
        for regex in (_KO_DOTTED_DATE_RE, _KO_DATE_RE):
            for m in regex.finditer(s):
                yield _date_group(m, int(m.group("month")), lang)
        for m in _KO_YEAR_RE.finditer(s):
            year = int(m.group("year"))
            if 1000 <= year <= 2999 and not _glued_left(s, m.start(), lang):
                yield [(m.start(), m.end(), "year", str(year))]
        for m in _KO_DAY_RE.finditer(s):
            yield _date_group(m, None, lang)


# Seconds, when given, are dropped from the key.
_CLOCK_RE = re.compile(r"(?<![\d.,:])(?P<h>\d{1,2}):(?P<m>\d{2})(?::\d{2})?(?![\d]|:\d)")
_FR_H_RE = re.compile(r"(?<![\d.,])(?P<h>\d{1,2})\s?[hH]\s?(?P<m>\d{2})?(?![^\W_])")
_FR_HEURES_RE = re.compile(
    r"(?<![\d.,])(?P<h>\d{1,2})\s?heures?(?:\s?(?P<m>\d{2}))?(?![^\W_])", re.IGNORECASE
)
_FR_CLOCK_PREPOSITION_RE = re.compile(r"(?:^|\W)(?:à|vers|dès|avant|après)\s+$", re.IGNORECASE)
_EN_AMPM_RE = re.compile(
    r"(?<![\d.,:])(?P<h>\d{1,2})(?:[:.](?P<m>\d{2}))?\s?(?P<ap>[AaPp])\.?\s?[Mm]\.?(?![^\W_])"
)
_KO_TIME_RE = re.compile(
    r"(?:(?P<period>오전|오후|새벽|아침|낮|저녁|밤)\s*)?(?<![\d.,])(?P<h>\d{1,2})시(?![간즌])"
    r"(?:\s*(?P<m>\d{1,2})분|\s*(?P<half>반)(?!대|면|드|발|도))?"
)


# Race times: "1:24.567", "2:06:35" (hours, minutes, seconds), "1분24초567", "41초205",
# "2시간6분35초". A clock time never has a fraction of a second or seconds in news copy.
_RACE_TIME_RE = re.compile(
    r"(?<![\d.,:])(?:(?P<h>\d{1,2}):(?P<m>\d{2}):(?P<s>\d{2})(?:[.,](?P<f>\d{1,3}))?"
    r"|(?P<m2>\d{1,2}):(?P<s2>\d{2})[.,](?P<f2>\d{1,3}))(?![\d]|[.,:]\d)"
)
_KO_RACE_TIME_RE = re.compile(
    r"(?<![\d.,])(?:(?P<h>\d{1,2})시간\s?(?P<m>\d{1,2})분\s?(?P<s>\d{1,2})초(?P<f>\d{1,3})?"
    r"|(?:(?P<m2>\d{1,2})분)?(?P<s2>\d{1,2})초(?P<f2>\d{1,3}))(?!\d)"
)


# "en 1 min 40 s 87", "en 57 s 03" (yna-fr2-119): French writes a swimming time in units.
_FR_RACE_TIME_RE = re.compile(
    r"(?<![\d.,])(?:(?P<m2>\d{1,2})\s?min\s?)?(?P<s2>\d{1,2})\s?s\s?(?P<f2>\d{2,3})(?!\d)"
)


# "in 3 minutes, 41.50 seconds" (yna-fr2-403), "en 3 minutes 41,50 secondes": minutes and seconds
# with their hundredths, in words.
_EN_RACE_TIME_IN_WORDS_RE = re.compile(
    r"(?<![\d.,])(?P<m2>\d{1,2})\s(?:minutes?|mins?\.?),?\s(?:and\s)?(?P<s2>\d{1,2})\.(?P<f2>\d{1,3})"
    r"\s(?:seconds?|secs?\b\.?)"
)
_FR_RACE_TIME_IN_WORDS_RE = re.compile(
    r"(?<![\d.,])(?P<m2>\d{1,2})\s(?:minutes?|min)\s(?:et\s)?(?P<s2>\d{1,2}),(?P<f2>\d{1,3})\s(?:secondes?|s\b)"
)


def _race_times(s: str, lang: str) -> Iterator[list[_Cand]]:
    """Race times as seconds with kind ``time``: "1:24.567", "1분24초567", "1 min 24 s 567" and
    "1 minute, 24.567 seconds" give "84.567s"."""
    extra = {
        "ko": (_KO_RACE_TIME_RE,),
        "fr": (_FR_RACE_TIME_RE, _FR_RACE_TIME_IN_WORDS_RE),
        "en": (_EN_RACE_TIME_IN_WORDS_RE,),
    }.get(lang, ())
    for regex in (_RACE_TIME_RE, *extra):
        for m in regex.finditer(s):
            parts = m.groupdict()
            hours = int(parts.get("h") or 0)
            minutes = int(parts.get("m") or parts["m2"] or 0)
            seconds = int(parts.get("s") or parts["s2"])
            fraction = parts.get("f") or parts["f2"] or ""
            total = Decimal(hours * 3600 + minutes * 60 + seconds) + Decimal(f"0.{fraction or 0}")
            yield [(m.start(), m.end(), "time", _canonical(total) + "s")]


def _time_cand(m: re.Match[str], hour: int, minute: int, lang: str) -> list[_Cand]:
    digits_at = m.start("h")
    if not (0 <= hour <= 24 and 0 <= minute <= 59) or _glued_left(m.string, digits_at, lang):
        return []
    return [(m.start(), m.end(), "time", f"{hour:02d}:{minute:02d}")]


_KO_TIME_RANGE_RE = re.compile(
    r"(?:(?P<period>오전|오후|새벽|아침|낮|저녁|밤)\s*)?(?<![\d.,])(?P<h1>\d{1,2})\s*[~～∼\-–]\s*"
    r"(?P<h2>\d{1,2})시(?![간즌])"
)


def _ko_hour(period: str | None, hour: int) -> int:
    """The 24-hour hour of a Korean "오후 2시"."""
    if period in ("오후", "저녁", "밤") and hour < 12:
        return hour + 12
    if period in ("밤", "오전", "새벽", "아침") and hour == 12:
        return 0  # "밤 12시" is midnight, as is "오전 12시"
    if period == "낮" and 1 <= hour <= 6:
        return hour + 12
    return hour


def _times(s: str, lang: str) -> Iterator[list[_Cand]]:
    """Clock times, as 24-hour "HH:MM"."""
    if lang == "en":
        for m in _EN_AMPM_RE.finditer(s):
            hour = int(m.group("h"))
            if not 1 <= hour <= 12:
                continue
            hour = hour % 12 + (12 if m.group("ap") in "Pp" else 0)
            yield _time_cand(m, hour, int(m.group("m") or 0), lang)
    elif lang == "fr":
        for m in _FR_H_RE.finditer(s):
            yield _time_cand(m, int(m.group("h")), int(m.group("m") or 0), lang)
        for m in _FR_HEURES_RE.finditer(s):
            if m.group("m") is None and not _FR_CLOCK_PREPOSITION_RE.search(
                s[max(0, m.start() - 20) : m.start()]
            ):
                continue  # "près de 6 heures" is a duration: left to the number finder
            yield _time_cand(m, int(m.group("h")), int(m.group("m") or 0), lang)
    else:
        for m in _KO_TIME_RANGE_RE.finditer(s):
            # "오전 3∼4시": the period and 시 belong to both hours.
            first = _ko_hour(m.group("period"), int(m.group("h1")))
            last = _ko_hour(m.group("period"), int(m.group("h2")))
            if 0 <= first <= 24 and 0 <= last <= 24 and not _glued_left(s, m.start("h1"), lang):
                yield [(m.start(), m.end("h1"), "time", f"{first:02d}:00"),
                       (m.start("h2"), m.end(), "time", f"{last:02d}:00")]  # fmt: skip
        period = None  # of the time before: "오후 7시부터 8시 40분까지" is 19:00 to 20:40 (yna-fr2-111)
        previous_end = -1
        for m in _KO_TIME_RE.finditer(s):
            hour = int(m.group("h"))
            minute = 30 if m.group("half") else int(m.group("m") or 0)
            own = m.group("period")
            if own is None and period and _KO_TIME_RANGE_LINK.fullmatch(s[previous_end : m.start()]):
                own = period
            yield _time_cand(m, _ko_hour(own, hour), minute, lang)
            period, previous_end = own, m.end()
    for m in _CLOCK_RE.finditer(s):
        yield _time_cand(m, int(m.group("h")), int(m.group("m")), lang)


# What joins the two ends of a Korean range of times, which share the first one's period.
_KO_TIME_RANGE_LINK = re.compile(r"(?:부터|에서)?\s*(?:[~～∼\-–]\s*)?")
_MIXED_FRACTION_RE = re.compile(r"(?:\s(?P<a>[1-9])/(?P<b>[2-9])|(?P<glyph>[½⅓⅔¼¾]))(?![\d/])")
#: Fractions written as one character: (numerator, denominator).
VULGAR_FRACTIONS = {"½": (1, 2), "⅓": (1, 3), "⅔": (2, 3), "¼": (1, 4), "¾": (3, 4)}
# The word that joins the two ends of a range: "10 à 12 milliards", "10 to 12 billion", "10∼12억".
_RANGE_LINK: dict[str, re.Pattern[str]] = {
    "fr": re.compile(r"\s*(?:[-–]|\s(?:à|ou|et)\s)\s*"),
    "en": re.compile(r"\s*(?:[-–]|\s(?:to|or|and)\s)\s*"),
    "ko": re.compile(r"\s*[~～∼\-–]\s*"),
}
_RANGE_BETWEEN = {"fr": re.compile(r"\bentre\s+$"), "en": re.compile(r"\bbetween\s+$")}
_KO_SHARED_UNIT_RE = re.compile(r"(?P<u>[만억조])(?![\d천백십만억조])")


def _shared_scale(s: str, start: int, pos: int, lang: str, value: Decimal) -> int | None:
    """The scale a range's first end takes from its second ("10 à 12 milliards" → 10^9), if any.
    A first end above the second takes none: "rose by 183,000 to 28.9 million" is no range."""
    link = _RANGE_LINK[lang].match(s, pos)
    if not link:
        return None
    before = s[max(0, start - 12) : start]
    if link.group().strip() in ("et", "and") and not _RANGE_BETWEEN[lang].search(before):
        return None  # "et"/"and" join a range only after "entre"/"between"
    second = (_NUM_FR if lang == "fr" else _NUM_EN).match(s, link.end())
    if not second or value >= _numeral_value(second.group(), lang):
        return None
    if lang == "ko":
        unit = _KO_SHARED_UNIT_RE.match(s, second.end())
        return _KO_BIG_UNITS[unit.group("u")] if unit else None
    scale = _SCALE_RE[lang].match(s, second.end())
    return _SCALES[lang][scale.group("w").lower()] if scale else None


def _numbers(s: str, lang: str) -> Iterator[list[_Cand]]:
    """Plain numbers, amounts with scale words or Korean units, percentages, bare years, ordinals
    and the numbers of designators."""
    numeral_re = _NUM_FR if lang == "fr" else _NUM_EN
    consumed = 0  # end of the last amount read here: "1조 5천억" must not be read again from "5"
    for m in numeral_re.finditer(s):
        start = m.start()
        if start < consumed:
            continue
        value = _numeral_value(m.group(), lang)
        pos = m.end()
        if lang == "ko" and start > 0 and s[start - 1] == "제":
            # "제36조", "제12회": an ordinal, whatever counter follows (조 is not 10^12 here).
            yield [(start - 1, pos, "ordinal", _canonical(value))]
            continue
        if _glued_left(s, start, lang):
            # "KF-21", "A380", "Galaxy S24", "Covid-19": the number of a name.
            yield [(start, pos, "designator", _canonical(value))]
            continue
        kind = "number"
        scaled = False
        korean = _ko_units(s, value, pos) if lang == "ko" else None
        if korean is not None:
            value, pos = korean
            scaled = True
        elif percent := _PERCENT_RE[lang].match(s, pos):
            kind = "percent"
            pos = percent.end()
        elif lang in _SCALE_RE and (scale := _SCALE_RE[lang].match(s, pos)):
            value *= _SCALES[lang][scale.group("w").lower()]
            pos = scale.end()
            scaled = True
        if kind == "number" and not scaled and lang != "fr" and (half := _MIXED_FRACTION_RE.match(s, pos)):
            # "3 1/2 games", "3½": three and a half; "6 2/3 innings", "6⅔이닝".
            a, b = VULGAR_FRACTIONS[half.group("glyph")] if half.group("glyph") else (half["a"], half["b"])
            value += Decimal(int(a)) / Decimal(int(b))
            pos = half.end()
            scaled = True
        if kind == "number" and not scaled and (shared := _shared_scale(s, start, pos, lang, value)):
            value *= shared  # "10 à 12 milliards": ten billion
            scaled = True
        if kind == "number" and not scaled:
            ordinal = _ORDINAL_SUFFIX_RE.match(s, pos)
            if lang == "ko" and not ordinal:
                ordinal = _KO_ORDINAL_SUFFIX_RE.match(s, pos)
            if ordinal:
                # "2e", "21st", "2번째", "12위": an ordinal, compared by its number.
                yield [(start, ordinal.end(), "ordinal", _canonical(value))]
                consumed = ordinal.end()
                continue
            if pos < len(s) and "A" <= s[pos] <= "Z":
                # "5G", "3D", "35A": the number of a name.
                yield [(start, pos, "designator", _canonical(value))]
                continue
            if m.group().isdigit() and len(m.group()) == 4 and 1000 <= value <= 2999:
                kind = "year"
        key = _canonical(value) + ("%" if kind == "percent" else "")
        consumed = pos
        yield [(start, pos, kind, key)]


_ROMAN_DIGITS = (
    (100, "C"), (90, "XC"), (50, "L"), (40, "XL"), (10, "X"), (9, "IX"), (5, "V"), (4, "IV"), (1, "I"),
)  # fmt: skip
# "XXIe siècle", "Ve République", "Napoléon Ier": Roman ordinals of French text. "Le" and "Ce"
# are words, so a single L or C is not read.
_FR_ROMAN_ORDINAL_RE = re.compile(r"\b(?P<r>(?:[IVX][IVXLC]*|[LC][IVXLC]+))(?:e|ème|er|re)\b")
_ROMAN_VALUES = {numeral: value for value, numeral in _ROMAN_DIGITS}


def _roman(value: int) -> str:
    """The standard Roman numeral of ``value`` (1–399)."""
    out = []
    for step, numeral in _ROMAN_DIGITS:
        count, value = divmod(value, step)
        out.append(numeral * count)
    return "".join(out)


def _roman_value(numeral: str) -> int | None:
    """The value of a well-formed Roman numeral up to 399, or None ("IIX", "VV" are not)."""
    total = sum(
        -_ROMAN_VALUES[ch] if i + 1 < len(numeral) and _ROMAN_VALUES[numeral[i + 1]] > _ROMAN_VALUES[ch]
        else _ROMAN_VALUES[ch]
        for i, ch in enumerate(numeral)
    )  # fmt: skip
    return total if 0 < total < 400 and _roman(total) == numeral else None


def _roman_ordinals(s: str, lang: str) -> Iterator[list[_Cand]]:
    """French Roman ordinals ("XXIe siècle" → ordinal 21)."""
    if lang != "fr":
        return
    for m in _FR_ROMAN_ORDINAL_RE.finditer(s):
        value = _roman_value(m.group("r"))
        if value is not None:
            yield [(m.start(), m.end(), "ordinal", str(value))]


# Order matters: an earlier finder's spans are masked for the later ones, so "12 mars 2025" is one
# date before "12" and "2025" could be read as numbers, and "+82 2 398 3114" is gone before either.
_FINDERS: tuple[_Finder, ...] = (_skips, _dates, _race_times, _times, _numbers, _roman_ordinals)


def _check_lang(lang: str) -> None:
    if lang not in LANGS:
        raise ValueError(f"unsupported language {lang!r}; expected one of {sorted(LANGS)}")


def extract_numbers(text: str, lang: str) -> list[NumberMention]:
    """Every number, amount, percentage, date, time and year in ``text``, in text order.

    ``lang`` ("fr", "en" or "ko") selects the writing conventions (see the module docstring).
    Mentions never overlap and ``text[m.start:m.end] == m.text``. Never raises on odd input.
    """
    _check_lang(lang)
    return list(_mentions(text, lang))


# One segment's check reads the same source and output several times (both directions, counts,
# conversions): the mentions of a text are read once.
@functools.lru_cache(maxsize=1024)
def _mentions(text: str, lang: str) -> tuple[NumberMention, ...]:
    taken = bytearray(len(text))
    found: list[NumberMention] = []
    for finder in _FINDERS:
        # NUL is neither a digit nor a letter, so masked spans also act as word boundaries.
        masked = "".join("\0" if t else c for c, t in zip(text, taken, strict=True)) if any(taken) else text
        for group in finder(masked, lang):
            if not group or any(any(taken[a:b]) for a, b, _, _ in group):
                continue
            for a, b, kind, value in group:
                taken[a:b] = b"\1" * (b - a)
                if kind is not None:
                    found.append(NumberMention(text[a:b], a, b, kind, value))
    found.sort(key=lambda mention: mention.start)
    return tuple(found)


def number_keys(text: str, lang: str) -> set[str]:
    """The canonical values of every mention in ``text`` (see ``extract_numbers``)."""
    return {mention.value for mention in extract_numbers(text, lang)}


# ---------------------------------------------------------------------------------------------
# Comparison

_DateParts = tuple[int | None, int | None, int | None]


def _date_parts(value: str) -> _DateParts:
    """Inverse of ``_ymd``: "2025-03-12" → (2025, 3, 12), "--03-12" → (None, 3, 12), "2025" → (2025, …)."""
    if value.startswith("---"):
        return None, None, int(value[3:])
    if value.startswith("--"):
        month_day = value[2:].split("-")
        return None, int(month_day[0]), int(month_day[1]) if len(month_day) > 1 else None
    year, _, rest = value.partition("-")
    month, _, day = rest.partition("-")
    return int(year), int(month) if month else None, int(day) if day else None


def _covers(source: _DateParts, target: _DateParts) -> bool:
    """True when every part the target gives is given, identically, by the source."""
    return all(t is None or t == s for s, t in zip(source, target, strict=True))


def missing_numbers(source: str, source_lang: str, target: str, target_lang: str) -> list[NumberMention]:
    """The mentions of ``target`` whose value is not found in ``source``, in target order.

    Used to ask "is every number in this bullet (or translated sentence) in the source?". Values
    compare exactly, with two allowances:

    * a date or year in the target is found when a source date gives all of its parts: "2025" and
      "--03-12" are found in a source "12 mars 2025", "---12" (Korean "12일") in "12 mars"; but not
      the other way round, since a target that adds a year or a day says more than its source;
    * numbers the source writes in words count ("trois ministres" supports "3 ministers",
      "the third" supports "3e"; :mod:`service.text.number_words`).
    """
    source_mentions = extract_numbers(source, source_lang)
    keys = {mention.value for mention in source_mentions} | word_values(source, source_lang)
    source_dates = [_date_parts(m.value) for m in source_mentions if m.kind in ("date", "year")]
    missing: list[NumberMention] = []
    for mention in extract_numbers(target, target_lang):
        if mention.value in keys:
            continue
        if mention.kind in ("date", "year"):
            wanted = _date_parts(mention.value)
            if any(_covers(found, wanted) for found in source_dates):
                continue
        missing.append(mention)
    return missing
