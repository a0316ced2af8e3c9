"""Splitting an over-long sentence into pieces that fit a token budget.

The sentence is cut at the strongest clause boundary present (";" then ":" then "," then before
"--", "—", "et", "mais", "qui", "dont"), consecutive clauses are packed greedily, and any clause that
still does not fit is split again with the next weaker boundary, then at word boundaries, then at
characters. Every cut is placed just before a non-whitespace character, so whitespace always stays
attached to the piece before it and no piece is whitespace-only.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from itertools import pairwise

__all__ = ["chunk_sentence"]

# Each pattern's match *end* is a cut position. "After" boundaries consume the following whitespace;
# "before" boundaries consume the whitespace preceding the word, so the word opens the next piece.
# Requiring whitespace after ",", ";" and ":" keeps "2,5" and "14:30" intact.
_CLAUSE_BOUNDARIES: tuple[re.Pattern[str], ...] = (
    re.compile(r";\s+"),
    re.compile(r":\s+"),
    re.compile(r",\s+"),
    re.compile(r"\s+(?=--\s)"),
    re.compile(r"\s+(?=—\s)"),
    re.compile(r"\s+(?=et\s)"),
    re.compile(r"\s+(?=mais\s)"),
    re.compile(r"\s+(?=qui\s)"),
    re.compile(r"\s+(?=dont\s)"),
)
_WORD_BOUNDARY = re.compile(r"\s+")
_CHAR_BOUNDARY = re.compile(r"(?<=\S)\s*(?=\S)")  # before every non-whitespace char but the first
_LEVELS: tuple[re.Pattern[str], ...] = (*_CLAUSE_BOUNDARIES, _WORD_BOUNDARY, _CHAR_BOUNDARY)


def chunk_sentence(sentence: str, count_tokens: Callable[[str], int], budget: int) -> list[str]:
    """Split `sentence` into contiguous pieces whose concatenation is exactly `sentence`,
    each piece's stripped text having count_tokens(piece.strip()) <= budget.

    The one exception to the budget: a single non-whitespace character (with the whitespace that
    follows it) whose token count alone exceeds `budget` becomes its own piece, since it cannot be
    split further. A whitespace-only `sentence` is returned as ``[sentence]`` and "" as ``[]``.

    `count_tokens` is called O(pieces * log(clauses)) times, never once per pair of positions.

    Raises:
        ValueError: if `budget` < 1.
    """
    if budget < 1:
        raise ValueError(f"budget must be >= 1, got {budget}")
    if not sentence.strip():
        return [sentence] if sentence else []

    fit_cache: dict[tuple[int, int], bool] = {}

    def fits(start: int, end: int) -> bool:
        key = (start, end)
        result = fit_cache.get(key)
        if result is None:
            result = count_tokens(sentence[start:end].strip()) <= budget
            fit_cache[key] = result
        return result

    if fits(0, len(sentence)):
        return [sentence]

    cuts: list[int] = []

    def furthest_fit(bounds: list[int], first: int) -> int:
        """Largest atom index j such that atoms first..j fit together, or -1 if atom first alone does not.

        Galloping then binary search, so a piece of k atoms costs O(log k) token counts.
        """
        if not fits(bounds[first], bounds[first + 1]):
            return -1
        last_atom = len(bounds) - 2
        good, step = first, 1
        bad = -1
        while good < last_atom:
            probe = min(good + step, last_atom)
            if fits(bounds[first], bounds[probe + 1]):
                good, step = probe, step * 2
            else:
                bad = probe
                break
        if bad < 0:
            return good
        while bad - good > 1:
            mid = (good + bad) // 2
            if fits(bounds[first], bounds[mid + 1]):
                good = mid
            else:
                bad = mid
        return good

    def split(start: int, end: int, level: int) -> None:
        """Append to `cuts`, in order, the cuts strictly inside [start, end) (which does not fit)."""
        for current in range(level, len(_LEVELS)):
            inner = _cut_points(sentence, start, end, _LEVELS[current])
            if inner:
                break
        else:
            return  # a single character: it stays one piece even though it exceeds the budget
        bounds = [start, *inner, end]
        atom = 0
        while atom < len(bounds) - 1:
            last = furthest_fit(bounds, atom)
            if last < 0:
                split(bounds[atom], bounds[atom + 1], current + 1)
                last = atom
            if last + 1 < len(bounds) - 1:
                cuts.append(bounds[last + 1])
            atom = last + 1

    split(0, len(sentence), 0)
    return [sentence[a:b] for a, b in pairwise([0, *cuts, len(sentence)])]


def _cut_points(text: str, start: int, end: int, pattern: re.Pattern[str]) -> list[int]:
    """Cut positions of `pattern` inside [start, end), each just before a non-whitespace character
    and after the span's first non-whitespace character (so no piece is whitespace-only)."""
    first_text = start
    while first_text < end and text[first_text].isspace():
        first_text += 1
    points: list[int] = []
    for match in pattern.finditer(text, start, end):
        cut = match.end()
        if first_text < cut < end and not text[cut].isspace():
            points.append(cut)
    return points
