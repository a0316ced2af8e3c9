"""How good are the quality flags? False alarms on faithful translations, detection of broken ones.

Faithful translations are the evaluation suite's reference translations, paragraph by paragraph.
Broken ones are the same references with one deliberate fault each:

* ``number_changed`` — one number of the output changed (its last digit);
* ``name_swapped`` — one glossary name of the output replaced by another name of the same kind;
* ``copy`` — the French source instead of a translation;
* ``loop`` — the first half of the output, then a phrase repeated the way a decoding loop does.

A reference without a number (or a glossary name) gives no ``number_changed`` (``name_swapped``)
case. ``mts eval fidelity`` prints the rates; the README records them.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from service.evaluation.suites import HALVES, Dispatch, Suite
from service.languages import TARGETS
from service.quality.flags import segment_flags
from service.text.glossary import Glossary
from service.text.numbers import extract_numbers

CORRUPTIONS = ("number_changed", "name_swapped", "copy", "loop")


@dataclass(frozen=True)
class Case:
    """One source paragraph and an output for it."""

    dispatch: str
    lang: str
    source: str
    output: str
    half: str = "tuning"  # the dispatch's half of the data (service.evaluation.suites.HALVES)


def paragraphs(text: str) -> list[str]:
    """Non-empty paragraphs (blocks separated by blank lines)."""
    return [p.strip() for p in re.split(r"\n\s*\n", text) if p.strip()]


def reference_cases(dispatches: Iterable[Dispatch], langs: tuple[str, ...] = TARGETS) -> Iterator[Case]:
    """Every (source paragraph, reference paragraph) of the dispatches, for those whose reference
    has as many paragraphs as the source."""
    for dispatch in dispatches:
        source = paragraphs(dispatch.source)
        for lang in langs:
            reference = paragraphs(dispatch.references.get(lang, ""))
            if len(reference) != len(source):
                continue
            for src, ref in zip(source, reference, strict=True):
                yield Case(dispatch.id, lang, src, ref, dispatch.half)


def change_number(output: str, lang: str) -> str | None:
    """The output with the last digit of its first number changed, or None without numbers."""
    mentions = [m for m in extract_numbers(output, lang) if any(c.isdigit() for c in m.text)]
    if not mentions:
        return None
    mention = mentions[0]
    digits = [i for i, c in enumerate(mention.text) if c.isdigit()]
    last = digits[-1]
    changed = str((int(mention.text[last]) + 3) % 10)
    text = mention.text[:last] + changed + mention.text[last + 1 :]
    return output[: mention.start] + text + output[mention.end :]


def swap_name(output: str, lang: str, glossary: Glossary) -> str | None:
    """The output with its first glossary name replaced by another entry's name of the same kind."""
    entries = list(glossary)
    for match in glossary.find(output, lang):
        same_kind = [e for e in entries if e.kind == match.entry.kind and e != match.entry and e.forms(lang)]
        if not same_kind:
            continue
        # Deterministic: the next entry of the same kind in glossary order.
        index = entries.index(match.entry)
        after = [e for e in same_kind if entries.index(e) > index] or same_kind
        replacement = after[0].target(lang)
        return output[: match.start] + replacement + output[match.end :]
    return None


def make_loop(output: str) -> str:
    """The first half of the output, then its last three words over and over."""
    words = output.split()
    head = words[: max(3, len(words) // 2)]
    return " ".join(head + head[-3:] * 6)


def corrupt(case: Case, kind: str, glossary: Glossary) -> str | None:
    """The case's output with the fault ``kind``, or None when the output offers no place for it."""
    if kind == "number_changed":
        return change_number(case.output, case.lang)
    if kind == "name_swapped":
        return swap_name(case.output, case.lang, glossary)
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
    """False alarms per language, detection per corruption and the flags of the false alarms."""

    false_alarms: dict[str, Rate] = field(default_factory=dict)
    detection: dict[str, Rate] = field(default_factory=lambda: {kind: Rate() for kind in CORRUPTIONS})
    flag_counts: dict[str, int] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return {
            "false_alarms": {"all": _total(self.false_alarms.values()).as_dict()}
            | {k: v.as_dict() for k, v in sorted(self.false_alarms.items())},
            "false_alarm_flags": dict(sorted(self.flag_counts.items())),
            "detection": {"all": _total(self.detection.values()).as_dict()}
            | {k: v.as_dict() for k, v in self.detection.items()},
        }


def measure_flags(suite: Suite, glossary: Glossary, *, keep_examples: int = 0) -> dict[str, Any]:
    """False alarms on the references and detection of each corruption, per language and overall,
    for the whole suite and for each half of its data (``halves``: tuning, test).

    ``keep_examples`` keeps that many false alarms and misses, for inspection."""
    whole = _Tally()
    halves = {half: _Tally() for half in HALVES}
    for case in reference_cases(suite.dispatches()):
        tallies = (whole, halves[case.half])
        flags = segment_flags(case.source, case.output, "fr", case.lang, glossary=glossary)
        for tally in tallies:
            rate = tally.false_alarms.setdefault(case.lang, Rate())
            rate.total += 1
            if flags:
                rate.flagged += 1
                for flag in flags:
                    tally.flag_counts[flag] = tally.flag_counts.get(flag, 0) + 1
        if flags and len(whole.false_alarms[case.lang].examples) < keep_examples:
            example = {"dispatch": case.dispatch, "flags": flags, "output": case.output}
            whole.false_alarms[case.lang].examples.append(example)
        for kind in CORRUPTIONS:
            broken = corrupt(case, kind, glossary)
            if broken is None:
                continue
            caught = bool(segment_flags(case.source, broken, "fr", case.lang, glossary=glossary))
            for tally in tallies:
                tally.detection[kind].total += 1
                tally.detection[kind].flagged += caught
            if not caught and len(whole.detection[kind].examples) < keep_examples:
                example = {"dispatch": case.dispatch, "lang": case.lang, "output": broken}
                whole.detection[kind].examples.append(example)
    report: dict[str, Any] = {"suite": suite.name} | whole.as_dict()
    report["halves"] = {half: tally.as_dict() for half, tally in halves.items()}
    if keep_examples:
        report["examples"] = {
            "false_alarms": [e for r in whole.false_alarms.values() for e in r.examples],
            "misses": {k: v.examples for k, v in whole.detection.items()},
        }
    return report


def format_report(report: dict[str, Any]) -> str:
    """The report as a plain-text table: the whole suite, then the tuning and test halves."""
    parts = [("all", report), *report.get("halves", {}).items()]
    header = f"{'':<28}" + "".join(f"{name:>18}" for name, _ in parts)
    lines = [f"suite: {report['suite']}", "", header]

    def row(label: str, section: str, key: str) -> str:
        cells = []
        for _, part in parts:
            found = part[section].get(key)
            cell = f"{found['flagged']:>6} of {found['total']:<4}{found['rate']:>5.1f}%" if found else ""
            cells.append(cell)
        return f"{label:<28}" + "".join(f"{cell:>18}" for cell in cells)

    for name in report["false_alarms"]:
        lines.append(row("false alarms, " + name, "false_alarms", name))
    for name in report["detection"]:
        lines.append(row("detected, " + name, "detection", name))
    split = report.get("segmentation")
    if split:
        cells = [split[name] for name, _ in parts]
        text = "".join(
            f"{c['exact']:>6} of {c['total']:<4}{c['rate']:>5.1f}%" if c["total"] else f"{'':>18}"
            for c in cells
        )
        lines += ["", f"{'sentences split exactly':<28}{text}"]
    return "\n".join(lines)
