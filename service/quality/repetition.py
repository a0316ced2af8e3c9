"""Detection of degenerate, looping output (the classic failure of seq2seq decoders on noisy input)."""

from __future__ import annotations

import re

_WORD = re.compile(r"\w+|[^\w\s]", re.UNICODE)


def _units(text: str) -> list[str]:
    return [w.lower() for w in _WORD.findall(text)]


def has_loop(text: str, *, min_span: int = 8, min_repeats: int = 3) -> bool:
    """True when ``text`` repeats itself the way a decoding loop does.

    Two shapes count: an n-gram (n = 1..6 words or symbols) repeated back to back at least
    ``min_repeats`` times over at least ``min_span`` units ("the the the the the the the the",
    "of the talks of the talks of the talks"), and long output made mostly of the same trigrams.
    Normal prose ("non, non, non", a name said twice) stays below both thresholds.
    """
    units = _units(text)
    n_units = len(units)
    for n in range(1, 7):
        if n * min_repeats > n_units:
            break
        for start in range(n_units - n * min_repeats + 1):
            gram = units[start : start + n]
            repeats = 1
            pos = start + n
            while units[pos : pos + n] == gram:
                repeats += 1
                pos += n
            if repeats >= min_repeats and repeats * n >= min_span:
                return True
    if n_units >= 24:
        trigrams = [tuple(units[i : i + 3]) for i in range(n_units - 2)]
        if len(set(trigrams)) / len(trigrams) < 0.4:
            return True
    return False
