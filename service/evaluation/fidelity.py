"""How good are the quality flags? False alarms on faithful translations, detection of broken ones.

Faithful translations are the evaluation suite's reference translations, paragraph by paragraph.
Broken ones are the same references with one deliberate fault each (``CORRUPTIONS``):

* ``number_changed`` — one digit of a number, amount, percentage, date or time changed;
* ``number_removed`` — the digits of one mention deleted ("a 20-year sentence" → "a -year
  sentence", "ranked 12th" → "ranked th");
* ``ordinal_changed`` — an ordinal written in digits given another value ("12th" → "19th", "12위"
  → "15위", "제36조" → "제39조");
* ``designator_changed`` — a digit of a model or weapon name changed ("KF-21" → "KF-24");
* ``name_swapped`` — one name (a glossary entry of ``NAME_KINDS``) replaced by another of the same kind;
* ``sentence_dropped`` — one sentence of a paragraph of two or more sentences left out;
* ``negation_removed`` — one negation taken out ("did not" → "did", "하지 않았다" → "하았다");
* ``copy`` — the French source instead of a translation;
* ``loop`` — the first half of the output, then a phrase repeated the way a decoding loop does.

``all`` counts every kind but those in ``APART``, reported on their own.

A reference without a place for a fault (no number, no ordinal, one sentence) gives no case of
that kind. Where a fault has several places, which one is broken is drawn from a random generator
seeded with ``seed`` and the case, so a run is repeated exactly by giving the same seed.
``mts eval fidelity`` prints the rates; the README records them.
"""

from __future__ import annotations

import random
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from service.evaluation.suites import HALVES, Dispatch, Suite
from service.languages import TARGETS
from service.quality.flags import flags_of, korean_name_ends, segment_findings, segment_flags, with_year
from service.text.entities import fold
from service.text.glossary import Glossary
from service.text.numbers import NumberMention, extract_numbers
from service.text.segment import translated_sentences

CORRUPTIONS = (
    "number_changed",
    "number_removed",
    "ordinal_changed",
    "designator_changed",
    "name_swapped",
    "sentence_dropped",
    "negation_removed",
    "copy",
    "loop",
)
# Reported on their own lines, outside the overall rate: no model-free flag looks for a negation,
# so catching one removed needs a model (a negation taken out rarely changes a number or a name).
APART = ("negation_removed",)
DEFAULT_SEED = 0
# Glossary kinds that are names ("won", "KOSPI" are terms: not swapped).
NAME_KINDS = frozenset({"person", "place", "company", "organization", "party", "nk_institution"})


@dataclass(frozen=True)
class Case:
    """One source paragraph and an output for it."""

    dispatch: str
    lang: str
    source: str
    output: str
    half: str = "tuning"  # the dispatch's half of the data (service.evaluation.suites.HALVES)
    index: int = 0  # the paragraph's position in the dispatch
    context: str | None = None  # the whole dispatch, with its year (service.quality.flags.with_year)


def paragraphs(text: str) -> list[str]:
    """Non-empty paragraphs (blocks separated by blank lines)."""
    return [p.strip() for p in re.split(r"\n\s*\n", text) if p.strip()]


def reference_cases(
    dispatches: Iterable[Dispatch], langs: tuple[str, ...] = TARGETS, *, years: bool = True
) -> Iterator[Case]:
    """Every (source paragraph, reference paragraph) of the dispatches, for those whose reference
    has as many paragraphs as the source; each read in its dispatch, with the dispatch's year in its
    dateline unless ``years`` is False."""
    for dispatch in dispatches:
        source = paragraphs(dispatch.source)
        context = with_year(dispatch.source, dispatch.year if years else None)
        for lang in langs:
            reference = paragraphs(dispatch.references.get(lang, ""))
            if len(reference) != len(source):
                continue
            for index, (src, ref) in enumerate(zip(source, reference, strict=True)):
                yield Case(dispatch.id, lang, src, ref, dispatch.half, index, context)


def _mentions(output: str, lang: str, kinds: frozenset[str]) -> list[NumberMention]:
    return [m for m in extract_numbers(output, lang) if m.kind in kinds and any(c.isdigit() for c in m.text)]


_QUANTITIES = frozenset({"number", "percent", "date", "time", "year"})


def _change_digit(output: str, mention: NumberMention, step: int) -> str:
    """The output with the last digit of ``mention`` raised by ``step`` (modulo 10)."""
    last = max(i for i, c in enumerate(mention.text) if c.isdigit())
    new = (int(mention.text[last]) + step) % 10
    text = mention.text[:last] + str(new) + mention.text[last + 1 :]
    return output[: mention.start] + text + output[mention.end :]


def change_number(output: str, lang: str, rng: random.Random | None = None) -> str | None:
    """The output with one digit of one of its numbers, amounts, dates or times changed, or None
    without any. Without ``rng``, the first mention's last digit becomes that digit + 3."""
    mentions = _mentions(output, lang, _QUANTITIES)
    if not mentions:
        return None
    if rng is None:
        return _change_digit(output, mentions[0], 3)
    return _change_digit(output, rng.choice(mentions), rng.randint(1, 9))


def change_kind(output: str, lang: str, kind: str, rng: random.Random) -> str | None:
    """The output with one digit of one of its mentions of ``kind`` (ordinal, designator) changed."""
    mentions = _mentions(output, lang, frozenset({kind}))
    return _change_digit(output, rng.choice(mentions), rng.randint(1, 9)) if mentions else None


_DIGITS_RUN = re.compile(r"\d(?:[\d.,\u00a0\u202f ]*\d)?")


def remove_number(output: str, lang: str, rng: random.Random) -> str | None:
    """The output with one mention's number deleted: a quantity whole ("2,5 %", "3만4천명"), an
    ordinal or a designator only its digits ("12th" → "th", "KF-21" → "KF-")."""
    mentions = _mentions(output, lang, _QUANTITIES | {"ordinal", "designator"})
    if not mentions:
        return None
    mention = rng.choice(mentions)
    if mention.kind in ("ordinal", "designator"):
        run = _DIGITS_RUN.search(mention.text)
        assert run is not None  # a mention chosen above holds a digit
        start, end = mention.start + run.start(), mention.start + run.end()
    else:
        start, end = mention.start, mention.end
    return output[:start] + output[end:]


def swap_name(output: str, lang: str, glossary: Glossary, rng: random.Random | None = None) -> str | None:
    """The output with one glossary name replaced by another entry's name of the same kind (the
    first name without ``rng``, a drawn one with it)."""
    entries = list(glossary)
    swaps: list[tuple[int, int, str]] = []
    for match in glossary.find(output, lang):
        if match.entry.kind not in NAME_KINDS:
            continue
        # A name inside another Korean word is none ("부산" in "부산물", by-product).
        if lang == "ko" and not korean_name_ends(output, match.end, match.entry.kind == "place"):
            continue
        here = fold(match.text)
        same_kind = [
            e
            for e in entries
            if e.kind == match.entry.kind
            and e != match.entry
            and e.forms(lang)
            # Another name, not a longer or shorter one ("Yonhap" → "Yonhap Infomax").
            and here not in fold(e.target(lang))
            and fold(e.target(lang)) not in here
        ]
        if not same_kind:
            continue
        # Deterministic: the next entry of the same kind in glossary order.
        index = entries.index(match.entry)
        after = [e for e in same_kind if entries.index(e) > index] or same_kind
        swaps.append((match.start, match.end, after[0].target(lang)))
        if rng is None:
            break
    if not swaps:
        return None
    start, end, replacement = rng.choice(swaps) if rng is not None else swaps[0]
    return output[:start] + replacement + output[end:]


def drop_sentence(output: str, rng: random.Random) -> str | None:
    """The output less one of its sentences, or None for a paragraph of one sentence."""
    found = translated_sentences(output)
    if len(found) < 2:
        return None
    del found[rng.randrange(len(found))]
    return " ".join(found)


_NEGATIONS: dict[str, list[tuple[re.Pattern[str], str]]] = {
    "en": [
        (re.compile(r"\b(can)'t\b|\b(can)not\b", re.IGNORECASE), r"\1\2"),
        (re.compile(r"\bwon't\b"), "will"),
        (re.compile(r"n't\b"), ""),
        (re.compile(r" not\b"), ""),
        (re.compile(r"\bnever "), ""),
        (re.compile(r"\bno longer\b"), "still"),
    ],
    "ko": [
        (re.compile(r"지 않"), ""),
        (re.compile(r"지 못"), ""),
        (re.compile(r"(?<![\uac00-\ud7a3])[안못] (?=[\uac00-\ud7a3])"), ""),
        (re.compile(r"없"), "있"),
        (re.compile(r"아니"), "이"),
    ],
}


def remove_negation(output: str, lang: str, rng: random.Random) -> str | None:
    """The output with one negation taken out, or None where none is found."""
    places = [(m, repl) for pattern, repl in _NEGATIONS.get(lang, []) for m in pattern.finditer(output)]
    if not places:
        return None
    m, repl = rng.choice(places)
    return output[: m.start()] + m.expand(repl) + output[m.end() :]


def make_loop(output: str) -> str:
    """The first half of the output, then its last three words over and over."""
    words = output.split()
    head = words[: max(3, len(words) // 2)]
    return " ".join(head + head[-3:] * 6)


def case_rng(case: Case, kind: str, seed: int = DEFAULT_SEED) -> random.Random:
    """The random generator of one case and kind: the same seed always breaks the same place."""
    return random.Random(f"{seed}:{case.dispatch}:{case.index}:{case.lang}:{kind}")


def corrupt(case: Case, kind: str, glossary: Glossary, seed: int = DEFAULT_SEED) -> str | None:
    """The case's output with the fault ``kind``, or None when the output offers no place for it."""
    rng = case_rng(case, kind, seed)
    if kind == "number_changed":
        return change_number(case.output, case.lang, rng)
    if kind == "number_removed":
        return remove_number(case.output, case.lang, rng)
    if kind == "ordinal_changed":
        return change_kind(case.output, case.lang, "ordinal", rng)
    if kind == "designator_changed":
        return change_kind(case.output, case.lang, "designator", rng)
    if kind == "name_swapped":
        return swap_name(case.output, case.lang, glossary, rng)
    if kind == "sentence_dropped":
        return drop_sentence(case.output, rng)
    if kind == "negation_removed":
        return remove_negation(case.output, case.lang, rng)
    if kind == "copy":
        return case.source
    if kind == "loop":
        return make_loop(case.output)
    raise ValueError(f"unknown corruption {kind!r}")


@dataclass
class Rate:
    """How many cases were flagged, out of how many."""

    flagged: int = 0
    total: int = 0
    examples: list[dict[str, Any]] = field(default_factory=list)

    @property
    def rate(self) -> float:
        return self.flagged / self.total if self.total else 0.0

    def as_dict(self) -> dict[str, Any]:
        return {"flagged": self.flagged, "total": self.total, "rate": round(100 * self.rate, 1)}


def _total(rates: Iterable[Rate]) -> Rate:
    listed = list(rates)
    return Rate(sum(r.flagged for r in listed), sum(r.total for r in listed))


@dataclass
class _Tally:
    """False alarms per language, detection per language and corruption, and the flags of the
    false alarms."""

    false_alarms: dict[str, Rate] = field(default_factory=dict)
    detection: dict[str, dict[str, Rate]] = field(default_factory=dict)
    flag_counts: dict[str, int] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        langs = sorted(self.detection)
        by_kind = {kind: _total(self.detection[lang][kind] for lang in langs) for kind in CORRUPTIONS}

        def overall(rates: dict[str, Rate]) -> dict[str, Any]:
            return {"all": _total(r for k, r in rates.items() if k not in APART).as_dict()} | {
                k: v.as_dict() for k, v in rates.items()
            }

        return {
            "false_alarms": {"all": _total(self.false_alarms.values()).as_dict()}
            | {k: v.as_dict() for k, v in sorted(self.false_alarms.items())},
            "false_alarm_flags": dict(sorted(self.flag_counts.items())),
            "detection": overall(by_kind),
            "detection_by_lang": {lang: overall(self.detection[lang]) for lang in langs},
        }


def measure_flags(
    suite: Suite,
    glossary: Glossary,
    *,
    keep_examples: int = 0,
    seed: int = DEFAULT_SEED,
    years: bool = True,
) -> dict[str, Any]:
    """False alarms on the references and detection of each corruption, per language and overall,
    for the whole suite and for each half of its data (``halves``: tuning, test).

    ``seed`` draws where each fault is put (see ``corrupt``); ``keep_examples`` keeps that many
    false alarms and misses, for inspection; ``years`` False reads every dateline without its year
    (the service with MTS_DATELINE_YEAR ``none``)."""
    whole = _Tally()
    halves = {half: _Tally() for half in HALVES}
    misses: dict[str, list[dict[str, Any]]] = {kind: [] for kind in CORRUPTIONS}
    false_alarms: list[dict[str, Any]] = []
    for case in reference_cases(suite.dispatches(), years=years):
        tallies = (whole, halves[case.half])
        findings = segment_findings(
            case.source, case.output, "fr", case.lang, glossary=glossary, dispatch=case.context
        )
        flags = flags_of(findings)
        for tally in tallies:
            rate = tally.false_alarms.setdefault(case.lang, Rate())
            rate.total += 1
            if flags:
                rate.flagged += 1
                for flag in flags:
                    tally.flag_counts[flag] = tally.flag_counts.get(flag, 0) + 1
        if flags and len(false_alarms) < keep_examples:
            false_alarms.append(
                {
                    "dispatch": case.dispatch,
                    "lang": case.lang,
                    "flags": flags,
                    "why": [str(finding) for finding in findings],
                    "output": case.output,
                }
            )
        for kind in CORRUPTIONS:
            broken = corrupt(case, kind, glossary, seed)
            if broken is None:
                continue
            caught = bool(
                segment_flags(case.source, broken, "fr", case.lang, glossary=glossary, dispatch=case.context)
            )
            for tally in tallies:
                rates = tally.detection.setdefault(case.lang, {k: Rate() for k in CORRUPTIONS})
                rates[kind].total += 1
                rates[kind].flagged += caught
            if not caught and len(misses[kind]) < keep_examples:
                misses[kind].append({"dispatch": case.dispatch, "lang": case.lang, "output": broken})
    report: dict[str, Any] = {"suite": suite.name, "seed": seed, "years": years} | whole.as_dict()
    report["halves"] = {half: tally.as_dict() for half, tally in halves.items()}
    if keep_examples:
        report["examples"] = {"false_alarms": false_alarms, "misses": misses}
    return report


def format_report(report: dict[str, Any]) -> str:
    """The report as a plain-text table: one column per half of the data and language, then the
    whole suite."""
    parts = [(half, report["halves"][half]) for half in report.get("halves", {})] + [("all", report)]
    langs = sorted(report.get("detection_by_lang", {})) or sorted(
        k for k in report["false_alarms"] if k != "all"
    )
    columns = [(f"{name} {lang}", part, lang) for name, part in parts for lang in langs]
    width = 16

    def cell(found: dict[str, Any] | None) -> str:
        return f"{found['flagged']:>5}/{found['total']:<4}{found['rate']:>5.1f}%" if found else ""

    years = "" if report.get("years", True) else "    datelines read without their years"
    lines = [f"suite: {report['suite']}    seed: {report.get('seed', DEFAULT_SEED)}{years}", ""]
    lines.append(f"{'':<24}" + "".join(f"{title:>{width}}" for title, _, _ in columns))
    lines.append(
        f"{'false alarms':<24}"
        + "".join(f"{cell(part['false_alarms'].get(lang)):>{width}}" for _, part, lang in columns)
    )
    kinds = ["all", *(k for k in CORRUPTIONS if k not in APART), "", *APART]
    for kind in kinds:
        if not kind:
            lines.append("apart (not in all: needs a model)")
            continue
        cells = [cell(part.get("detection_by_lang", {}).get(lang, {}).get(kind)) for _, part, lang in columns]
        lines.append(f"{'detected, ' + kind:<24}" + "".join(f"{c:>{width}}" for c in cells))
    split = report.get("segmentation")
    if split:
        lines += ["", f"{'sentences split exactly':<24}"]
        lines[-1] += "".join(
            f"{name}: {c['exact']}/{c['total']} {c['rate']:.1f}%   "
            for name, c in ((n, split[n]) for n, _ in parts)
            if c["total"]
        ).rstrip()
    return "\n".join(lines)
