"""Repairs of a translated segment before it is checked: numbers and glossary names.

* Numbers: when the output lost some numbers of the source and has as many numbers of its own in
  their place, of the same kinds and in the same order (the usual shape of a mangled figure:
  "2,5 %" → "25%", "3.000" → "3.0"), each is rewritten with the source's value in the target
  language's convention ("2.5%", "3,000"). Dates and times are never rewritten; a segment whose
  numbers cannot be paired stays as it is and is flagged.
* Names: a glossary name of the source copied through in its French form ("Séoul" in Korean
  output) is replaced by its glossary form in the target language.

* Terms: a glossary term missing from the output is written over the words aligned with it
  (:mod:`service.quality.terms`).
* Korean style: the sentence-final register and the press number style
  (:mod:`service.text.register`, :mod:`service.text.korean_numbers`).

A repaired segment that then passes the checks is not flagged.
"""

from __future__ import annotations

import datetime
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Literal

from service.errors import MtsError
from service.quality.flags import Finding, Thresholds, dated, number_diff, segment_findings
from service.quality.terms import enforce_terms, missing_terms, required_terms
from service.text.glossary import Glossary
from service.text.korean_numbers import press_numbers
from service.text.numbers import extract_numbers
from service.text.register import STYLES, convert

_REWRITABLE = frozenset({"number", "percent", "year"})


def format_number(value: str, kind: str, lang: str) -> str:
    """A canonical value ("1200000.5", "2.5%") written in ``lang``'s convention."""
    percent = value.endswith("%")
    digits = value[:-1] if percent else value
    number = Decimal(digits)
    integer, _, fraction = format(number, "f").partition(".")
    if kind == "year":
        grouped = integer
    elif lang == "fr":
        grouped = f"{int(integer):,}".replace(",", "\u202f")
    else:
        grouped = f"{int(integer):,}"
    if fraction:
        grouped += ("," if lang == "fr" else ".") + fraction
    if percent:
        grouped += "\u202f%" if lang == "fr" else "%"
    return grouped


def repair_numbers(source: str, src: str, output: str, tgt: str) -> str:
    """The output with mangled numbers rewritten from the source (unchanged when unpairable)."""
    dropped, _ = number_diff(source, src, output, tgt)
    if not dropped:
        return output
    source_values = {m.value for m in extract_numbers(source, src)}
    # Every output number the source does not have is a candidate, allowances aside.
    strays = [m for m in extract_numbers(output, tgt) if m.value not in source_values]
    pairs = []
    for kind in {m.kind for m in dropped}:
        lost = [m for m in dropped if m.kind == kind]
        wrong = [m for m in strays if m.kind == kind]
        if kind not in _REWRITABLE or len(lost) != len(wrong):
            return output
        pairs += list(zip(wrong, lost, strict=True))
    repaired = output
    for wrong_one, right in sorted(pairs, key=lambda pair: -pair[0].start):
        written = format_number(right.value, right.kind, tgt)
        repaired = repaired[: wrong_one.start] + written + repaired[wrong_one.end :]
    return repaired


def repair_names(source: str, src: str, output: str, tgt: str, glossary: Glossary) -> str:
    """The output with copied source-language glossary names replaced by their target forms."""
    repaired = output
    for match in glossary.find(source, src):
        entry = match.entry
        if not entry.forms(tgt) or glossary.rendered(entry, repaired, tgt):
            continue
        for form in sorted(entry.forms(src), key=len, reverse=True):
            # Korean particles follow a name directly ("Séoul에"): only a Latin letter continues it.
            after = r"(?![^\W\d_])" if tgt != "ko" else r"(?![A-Za-zÀ-ÿ])"
            pattern = re.compile(rf"(?<!\w){re.escape(form)}{after}", re.IGNORECASE)
            if pattern.search(repaired):
                repaired = pattern.sub(entry.target(tgt), repaired)
                break
    return repaired


def check_style(style: str) -> str:
    """``style`` when it names a Korean style; :class:`MtsError` listing the styles otherwise."""
    if style not in STYLES:
        raise MtsError(f"unknown style {style!r}; the styles are: {', '.join(STYLES)}")
    return style


def korean_style(text: str, style: str) -> str:
    """Korean ``text`` in ``style``: every sentence's final ending in its register
    (:func:`service.text.register.convert`) and numbers in the press style
    (:func:`service.text.korean_numbers.press_numbers`)."""
    return press_numbers(convert(text, check_style(style)))


@dataclass(frozen=True)
class SegmentChecker:
    """Repairs and flags translated segments with one glossary and confidence thresholds.

    ``enforce_terms``: glossary terms missing from a translation are written over the words aligned
    with them when :meth:`check` is given the alignment (:mod:`service.quality.terms`), and a
    sentence still short of a term is flagged ``term_not_applied``. ``style``: the register and
    number style of Korean output (:data:`service.text.register.STYLES`; None leaves it as the model
    wrote it). ``dateline_year``: the year of a dispatch whose dateline gives none, so its weekdays
    are read as dates (:func:`service.quality.flags.with_year`): a year, ``auto`` (the year the
    dateline's day most recently fell in as of ``today``, the clock's UTC date when None:
    :func:`service.quality.flags.dateline_year`), or None (no year: a weekday may stand for any
    day near the dateline's)."""

    glossary: Glossary
    thresholds: Thresholds = field(default_factory=Thresholds)
    enforce_terms: bool = True
    style: str | None = None
    dateline_year: int | Literal["auto"] | None = None
    today: datetime.date | None = None

    def dated(self, dispatch: str | None, src: str = "fr") -> str | None:
        """``dispatch`` as the checks read it: its dateline with the year ``dateline_year`` gives."""
        if dispatch is None:
            return None
        return dated(dispatch, self.dateline_year, self.today, src)

    def required_terms(self, source: str, src: str, tgt: str) -> list[tuple[str, str]]:
        """The glossary terms of ``source`` with the form each must take in ``tgt`` (none when terms
        are not enforced)."""
        return required_terms(self.glossary, source, src, tgt) if self.enforce_terms else []

    def needs_alignment(self, source: str, output: str, src: str, tgt: str) -> bool:
        """True when enforcing terms on this output would use its word alignment."""
        return self.enforce_terms and bool(missing_terms(self.glossary, source, output, src, tgt))

    def check(
        self,
        source: str,
        output: str,
        src: str,
        tgt: str,
        *,
        score: float | None = None,
        looped: bool = False,
        model_id: str | None = None,
        alignment: Sequence[tuple[int, int]] | None = None,
        dispatch: str | None = None,
    ) -> tuple[str, list[Finding]]:
        """(the repaired output, why it is flagged: :func:`service.quality.flags.segment_findings`);
        ``alignment`` pairs the words of ``source.split()`` and ``output.split()``
        (:meth:`service.translation.base.Aligner.align`); ``dispatch`` is the whole dispatch the
        sentence is part of (:func:`service.quality.flags.segment_findings`)."""
        dispatch = self.dated(dispatch, src)
        if self.enforce_terms:
            output = enforce_terms(self.glossary, source, output, src, tgt, alignment).text
        repaired = repair_names(source, src, repair_numbers(source, src, output, tgt), tgt, self.glossary)
        if tgt == "ko" and self.style is not None:
            repaired = korean_style(repaired, self.style)
        findings = segment_findings(
            source,
            repaired,
            src,
            tgt,
            glossary=self.glossary,
            score=score,
            min_logprob=self.thresholds.for_model(model_id),
            looped=looped,
            terms_enforced=self.enforce_terms,
            dispatch=dispatch,
        )
        return repaired, findings
