"""Per-segment quality flags: which translated sentence an editor should check first, and why.

Every check is model-free (``low_confidence`` aside, which reads the model's own score), so the
same checks run on the service's output and, through ``mts check``, on translations made elsewhere.

* ``number_mismatch`` — a number, amount, percentage, date or time of the source is missing
  from the output, or the output has one the source has not, after normalizing each language's
  conventions (:mod:`service.text.numbers`). What translations legitimately do is allowed:
  a number written in the output for digits the source has in another role ("60e anniversaire"
  → "60주년", "Covid-19" → "코로나19"), for a French ordinal or approximate number word
  ("deuxième" → "2", "une quarantaine" → "about 40", "un an" → "1년"), a percentage whose sign
  is written once for a range ("3,75 % et 4,00 %" → "3.75-4.00 percent"); and, in Korean, the
  dateline's date dropped ("(서울=연합뉴스)"), a weekday written as the day of the month ("mardi"
  → "8일"), and the month left out of a date in the same month ("10 octobre" → "10일").
* ``entity_mismatch`` — a glossary entry found in the source is not rendered in the output with one
  of its glossary forms (:mod:`service.text.glossary`).
* ``term_not_applied`` — a glossary term of the source is in the output fewer times than in the
  source, and enforcing it (:mod:`service.quality.terms`) could not put it there.
* ``untranslated`` — the output is (nearly) the source copied through.
* ``loop`` — the output repeats itself the way a decoding loop does (after the engine's retry).
* ``length_ratio`` — output/source length in characters outside the band of the language pair.
* ``low_confidence`` — the model's mean token log-probability is below the model's threshold.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

from service.config import parse_low_confidence
from service.quality.repetition import has_loop
from service.quality.terms import missing_terms
from service.text.entities import fold
from service.text.glossary import Glossary, GlossaryEntry
from service.text.numbers import NumberMention, extract_numbers, missing_numbers

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


def _weekday_days(source: str, src: str) -> set[int]:
    """Days of the month a weekday of the source may stand for: the week before the dateline's day
    or the two days after ("WASHINGTON, 9 avril (Yonhap) -- ... mardi" → "8일"); any day without
    a dateline."""
    if not _WEEKDAYS.search(source):
        return set()
    days = {int(v.rsplit("-", 1)[1]) for v in _dateline_dates(source, src) if v.count("-") >= 3}
    if not days:
        return set(range(1, 32))
    return {(d + shift - 1) % 31 + 1 for d in days for shift in range(-7, 3)}


def _dateline_dates(source: str, src: str) -> set[str]:
    """Values of the dateline's date ("SÉOUL, 12 mars (Yonhap) --")."""
    match = _DATELINE.match(source)
    if not match:
        return set()
    return {m.value for m in extract_numbers(match.group("date"), src)}


_NUMBER_WORDS: dict[str, int] = {
    # French ordinals and approximate numbers: a translation may write them in digits.
    "premier": 1, "premiere": 1, "premiers": 1, "premieres": 1, "deuxieme": 2, "second": 2,
    "seconde": 2, "troisieme": 3, "quatrieme": 4, "cinquieme": 5, "sixieme": 6, "septieme": 7,
    "huitieme": 8, "neuvieme": 9, "dixieme": 10, "onzieme": 11, "douzieme": 12, "vingtieme": 20,
    "centieme": 100, "dizaine": 10, "dizaines": 10, "douzaine": 12, "quinzaine": 15,
    "vingtaine": 20, "trentaine": 30, "quarantaine": 40, "cinquantaine": 50, "soixantaine": 60,
    "centaine": 100, "centaines": 100, "millier": 1000, "milliers": 1000,
}  # fmt: skip
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


def _allowed_additions(source: str) -> set[str]:
    """Values an output may write that the source gives in another form."""
    allowed = {str(int(run)) for run in _DIGIT_RUN.findall(source)} | {"1"}
    allowed |= {str(_NUMBER_WORDS[w]) for w in _WORD_RE.findall(fold(source)) if w in _NUMBER_WORDS}
    return allowed


def _bare(value: str) -> str:
    return value[:-1] if value.endswith("%") else value


def number_problems(source: str, src: str, output: str, tgt: str) -> list[NumberMention]:
    """Mentions missing from the output (source side) or added by it (output side)."""
    dropped, added = number_diff(source, src, output, tgt)
    return dropped + added


def number_diff(
    source: str, src: str, output: str, tgt: str
) -> tuple[list[NumberMention], list[NumberMention]]:
    """(mentions of the source missing from the output, mentions of the output not in the source)."""
    added = missing_numbers(source, src, output, tgt)
    dropped = missing_numbers(output, tgt, source, src)
    source_values = {m.value for m in extract_numbers(source, src)}
    output_values = {m.value for m in extract_numbers(output, tgt)}
    # A percentage on one side and the same bare number on the other: a range's shared sign.
    source_bare = {_bare(v) for v in source_values}
    output_bare = {_bare(v) for v in output_values}
    allowed = _allowed_additions(source)
    if tgt == "ko":
        # Korean "30일" is the 30th or 30 days: it stands for a plain 30 of the source too.
        output_bare |= {v[3:].lstrip("0") for v in output_values if v.startswith("---")}
    added = [
        m
        for m in added
        if _bare(m.value) not in source_bare
        and m.value not in allowed
        and not (m.value.startswith("---") and m.value[3:].lstrip("0") in source_bare)
    ]
    dropped = [m for m in dropped if _bare(m.value) not in output_bare]
    if tgt == "ko" and src == "fr":
        fractions = _same_fractions(source, output)
        added = [m for m in added if not any(a <= m.start < b for a, b in fractions)]
    if tgt == "ko":
        dateline = _dateline_dates(source, src)
        days = {v[3:] for v in output_values if v.startswith("---")}
        dropped = [
            m
            for m in dropped
            if m.value not in dateline
            and not (m.value.startswith("--") and m.value.rsplit("-", 1)[-1] in days)
        ]
        weekday_days = _weekday_days(source, src)
        added = [m for m in added if not (m.value.startswith("---") and int(m.value[3:]) in weekday_days)]
    return dropped, added


# Kinds whose glossary entries a faithful translation always renders. Places, organizations and
# terms are often rendered by other words ("Séoul et Washington" → "한미", "Corée du Sud" → "국내",
# "représentant auprès des Nations unies à Genève" → "주제네바 대표부"), so for them only a copied
# source form or a swap counts.
_ALWAYS_RENDERED = frozenset({"person", "party", "company", "nk_institution"})


# A capital stands for its government ("Séoul et Washington" → "South Korea and the United States").
_METONYMS: dict[str, str] = {
    "seoul": "coree du sud",
    "washington": "etats unis",
    "pyongyang": "coree du nord",
    "tokyo": "japon",
    "pekin": "chine",
    "moscou": "russie",
}


# Korean names the country a French text only hints at ("le Nord" → "북한", "le régime" → "북한",
# "le pays" → "한국", "coréenne" → "한국"):
# a country may appear in Korean output when one of its hints is in the source.
_IMPLIED_BY: dict[str, tuple[str, ...]] = {
    "coree du nord": ("nord", "pyongyang", "regime"),
    "coree du sud": ("core", "seoul", "sud", "pays"),
    "etats unis": ("americ", "washington"),
    "chine": ("chin", "pekin", "sino"),
    "japon": ("japon", "tokyo", "nippon"),
    "russie": ("russ", "moscou"),
    "peninsule coreenne": ("core",),
}


def entity_problems(source: str, src: str, output: str, tgt: str, glossary: Glossary) -> list[GlossaryEntry]:
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
    in_output = {m.entry for m in glossary.find(output, tgt)}
    # The dateline's city is always written out ("(서울=연합뉴스)", "SEOUL, March 12 (Yonhap)").
    dateline = _DATELINE.match(source)
    if dateline:
        for match in source_matches:
            if match.end <= dateline.start("date") and not glossary.rendered(match.entry, output, tgt):
                problems.append(match.entry)
    folded_output = fold(output)
    by_name = {fold(e.fr[0]): e for e in in_output}
    missing_places: list[GlossaryEntry] = []
    for entry in sorted(named, key=lambda e: e.fr[0]):
        if entry in problems or glossary.rendered(entry, output, tgt):
            continue
        copied = any(fold(form) in folded_output for form in entry.forms(src))
        if entry.kind in _ALWAYS_RENDERED or copied:
            problems.append(entry)
        elif _METONYMS.get(fold(entry.fr[0])) not in by_name:
            missing_places.append(entry)
    kinds = {e.kind for e in missing_places}
    stands_for = {_METONYMS.get(fold(e.fr[0])) for e in in_source}
    # "부산항" (port of Busan) renders "Busan": an output name holding a missing name is no swap.
    missing_forms = [fold(e.target(tgt)) for e in missing_places if e.forms(tgt)]
    extra = [
        e
        for e in in_output - in_source
        if fold(e.fr[0]) not in stands_for and not any(form in fold(e.target(tgt)) for form in missing_forms)
    ]
    if any(e.kind in kinds for e in extra):
        problems.extend(missing_places)
    # A country or city the source does not name at all (adjectives count: "sud-coréen"). Korean
    # names the countries of the news the source leaves implicit ("le Nord" → "북한"): those may
    # appear there unannounced, any other place may not.
    folded_source = fold(source)
    implied = (
        {country for country, cues in _IMPLIED_BY.items() if any(cue in folded_source for cue in cues)}
        if tgt == "ko"
        else set()
    )
    problems.extend(
        e
        for e in extra
        if e.kind == "place"
        and e not in problems
        and fold(e.fr[0]) not in implied
        # Inside a longer name of the source ("ministère sud-coréen des Affaires étrangères").
        and not any(fold(form) in folded_source for form in e.fr)
    )
    return problems


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
) -> list[str]:
    """The flags of one translated segment, in ``FLAGS`` order (empty when nothing is wrong).

    ``score`` is the model's mean token log-probability; ``low_confidence`` is only checked when
    both it and ``min_logprob`` are given. ``looped`` is the engine's own verdict after its retry.
    ``term_not_applied`` is only checked when glossary terms were enforced on the output.
    """
    if not source.strip():
        return []
    if not output.strip():
        return ["untranslated"]
    found: set[str] = set()
    if number_problems(source, src, output, tgt):
        found.add("number_mismatch")
    if entity_problems(source, src, output, tgt, glossary):
        found.add("entity_mismatch")
    if terms_enforced and missing_terms(glossary, source, output, src, tgt):
        found.add("term_not_applied")
    if is_copy(source, output):
        found.add("untranslated")
    if looped or has_loop(output):
        found.add("loop")
    if length_out_of_band(source, src, output, tgt):
        found.add("length_ratio")
    if score is not None and min_logprob is not None and score < min_logprob:
        found.add("low_confidence")
    return [flag for flag in FLAGS if flag in found]


def bullet_flags(bullet: str, lang: str, source_fr: str, glossary: Glossary) -> list[str]:
    """The flags that apply to a summary bullet written in ``lang`` from the French dispatch.

    A bullet says less than its source, so only what it does say is checked: a number it gives
    that the source does not (``number_mismatch``), a name it gives in a form the glossary does
    not have for ``lang``, i.e. the French form copied (``entity_mismatch``), and a loop."""
    found: list[str] = []
    if missing_numbers(source_fr, "fr", bullet, lang):
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
