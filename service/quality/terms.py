"""Glossary terms enforced in a translation, by word alignment.

When a glossary entry's French form occurs in a sentence, its target form must be in the
translation once per occurrence. A translation that lacks it is repaired by replacing the words the
model wrote for the term: the target words that the word alignment (cross-attention over the given
translation, :meth:`service.translation.base.Aligner.align`) pairs with the term's source words.

Rules, each a reason to leave the sentence alone and flag it ``term_not_applied`` instead:

* No aligned target word: nothing to replace (the model dropped the term, or no alignment is
  available, as with an engine that cannot align).
* The aligned words are not one run: the longest run is replaced; words of the term outside it are
  left as they are.
* The run is too long to be the term's rendering (more than :data:`MAX_RUN_WORDS` words, or more
  than twice the term's own source words plus one): replacing it would delete other content.
* The run holds a digit the term does not have, or any part of another glossary term's rendering:
  numbers and other names are never overwritten.
* Two occurrences of the term align to overlapping runs: the term is written once, not twice.

Replacement works on whole words: punctuation before the first word and after the last (quotes,
brackets, commas, an English possessive ``'s``) is kept. In Korean the particle after the last
word is kept and made to agree with the inserted name (:func:`service.text.particles.attach`:
"김민석를" never appears). A term written in lower case that replaces the sentence's first word
takes a capital when that word had one.

After the replacements, every term is counted again: a repair that leaves some term with fewer
occurrences than the source, or gives any term more occurrences than it had and the source has, is
undone as a whole.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from service.text.glossary import Glossary, GlossaryEntry, GlossaryMatch
from service.text.particles import attach, split_particle

__all__ = ["MAX_RUN_WORDS", "TermRepair", "enforce_terms", "missing_terms", "required_terms"]

MAX_RUN_WORDS = 6
"""The most target words one term's rendering may span and still be replaced."""

_WORD = re.compile(r"\S+")
_LEADING = re.compile(r"^[\"'«»“”‘’„‹›(\[{<「『【]+")
_TRAILING = re.compile(r"(?:['’]s)?[\"'«»“”‘’„‹›)\]}>」』】.,;:!?…]*$")
_TRAILING_KO = re.compile(r"[\"'«»“”‘’„‹›)\]}>」』】.,;:!?…]*$")
_DIGIT = re.compile(r"\d")
_HANGUL = re.compile(r"[\uac00-\ud7a3]")

_Range = tuple[int, int]


@dataclass(frozen=True)
class TermRepair:
    """A translation after enforcement: its text, and the entries still short of occurrences."""

    text: str
    unapplied: tuple[GlossaryEntry, ...]


def _key(entry: GlossaryEntry, lang: str) -> frozenset[str]:
    return frozenset(entry.forms(lang))


def _counts(glossary: Glossary, text: str, lang: str) -> dict[frozenset[str], int]:
    """Occurrences of each entry's ``lang`` forms in ``text``, by form set."""
    counts: dict[frozenset[str], int] = {}
    for match in glossary.find(text, lang):
        key = _key(match.entry, lang)
        counts[key] = counts.get(key, 0) + 1
    return counts


def _source_terms(glossary: Glossary, source: str, src: str, tgt: str) -> list[GlossaryMatch]:
    return [m for m in glossary.find(source, src) if m.entry.forms(tgt)]


def required_terms(glossary: Glossary, source: str, src: str, tgt: str) -> list[tuple[str, str]]:
    """The glossary terms of ``source`` and the ``tgt`` form each must take, as (found, required)
    pairs, once each, in text order: what a translator that takes instructions is told."""
    pairs: dict[tuple[str, str], None] = {}
    for match in _source_terms(glossary, source, src, tgt):
        pairs[(match.text, match.entry.forms(tgt)[0])] = None
    return list(pairs)


def missing_terms(glossary: Glossary, source: str, output: str, src: str, tgt: str) -> list[GlossaryEntry]:
    """The entries found in ``source`` whose ``tgt`` forms occur fewer times in ``output``."""
    matches = _source_terms(glossary, source, src, tgt)
    if not matches:
        return []
    wanted: dict[frozenset[str], int] = {}
    entries: dict[frozenset[str], GlossaryEntry] = {}
    for match in matches:
        key = _key(match.entry, tgt)
        wanted[key] = wanted.get(key, 0) + 1
        entries.setdefault(key, match.entry)
    have = _counts(glossary, output, tgt)
    return [entries[key] for key, n in wanted.items() if have.get(key, 0) < n]


def enforce_terms(
    glossary: Glossary,
    source: str,
    output: str,
    src: str,
    tgt: str,
    alignment: Sequence[tuple[int, int]] | None,
) -> TermRepair:
    """``output`` with each missing term written over the words aligned with it (see the module
    docstring); ``alignment`` pairs word indices of ``source.split()`` and ``output.split()``."""
    missing = missing_terms(glossary, source, output, src, tgt)
    if not missing or not alignment:
        return TermRepair(output, tuple(missing))
    missing_keys = {_key(entry, tgt) for entry in missing}
    source_words = [m.span() for m in _WORD.finditer(source)]
    target_words = [m.span() for m in _WORD.finditer(output)]
    links: dict[int, set[int]] = {}
    for s, t in alignment:
        if 0 <= t < len(target_words):
            links.setdefault(s, set()).add(t)
    protected = [(m.start, m.end) for m in glossary.find(output, tgt)]

    edits: list[tuple[_Range, str]] = []
    for match in _source_terms(glossary, source, src, tgt):
        if _key(match.entry, tgt) not in missing_keys:
            continue
        covered = [i for i, (s, e) in enumerate(source_words) if s < match.end and match.start < e]
        aligned = sorted({t for s in covered for t in links.get(s, ())})
        run = _longest_run(aligned)
        if not run or len(run) > min(MAX_RUN_WORDS, 2 * len(covered) + 1):
            continue
        edit = _edit(output, target_words, run, match.entry.target(tgt), tgt)
        if edit is None:
            continue
        (start, end), _ = edit
        if any(start < pe and ps < end for ps, pe in protected):
            continue
        if any(start < e and s < end for (s, e), _ in edits):
            continue
        edits.append(edit)
    if not edits:
        return TermRepair(output, tuple(missing))

    repaired = output
    for (start, end), text in sorted(edits, key=lambda edit: -edit[0][0]):
        repaired = repaired[:start] + text + repaired[end:]
    if not _acceptable(glossary, source, output, repaired, src, tgt):
        return TermRepair(output, tuple(missing))
    return TermRepair(repaired, tuple(missing_terms(glossary, source, repaired, src, tgt)))


def _longest_run(indices: list[int]) -> list[int]:
    """The longest run of consecutive integers in sorted ``indices`` (the first of equal ones)."""
    best: list[int] = []
    current: list[int] = []
    for index in indices:
        current = [*current, index] if current and index == current[-1] + 1 else [index]
        if len(current) > len(best):
            best = current
    return best


def _edit(output: str, words: list[_Range], run: list[int], form: str, tgt: str) -> tuple[_Range, str] | None:
    """The character range of the run's words (outer punctuation and, in Korean, the particle
    excluded) and the text to write there; None when the run holds a digit the form lacks."""
    start, end = words[run[0]][0], words[run[-1]][1]
    lead = _LEADING.match(output, start, end)
    if lead:
        start = lead.end()
    trail = (_TRAILING_KO if tgt == "ko" else _TRAILING).search(output, start, end)
    if trail and trail.start() > start:
        end = trail.start()
    if start >= end:
        return None
    replaced = output[start:end]
    if _DIGIT.search(replaced) and not _DIGIT.search(form):
        return None
    text = form
    if tgt == "ko" and _HANGUL.search(replaced):
        last = replaced.split()[-1]
        stem, particle = split_particle(last)
        if particle and stem:
            text = attach(form, particle)
    elif start == 0 and replaced[:1].isupper() and form[:1].islower():
        text = form[:1].upper() + form[1:]
    return (start, end), text


def _acceptable(glossary: Glossary, source: str, before: str, after: str, src: str, tgt: str) -> bool:
    """No term has more occurrences than it had and the source has; every replaced term counts."""
    wanted: dict[frozenset[str], int] = {}
    for match in _source_terms(glossary, source, src, tgt):
        key = _key(match.entry, tgt)
        wanted[key] = wanted.get(key, 0) + 1
    had, has = _counts(glossary, before, tgt), _counts(glossary, after, tgt)
    for key, n in has.items():
        if n > max(had.get(key, 0), wanted.get(key, 0)):
            return False
    return any(has.get(key, 0) > had.get(key, 0) for key in wanted)
