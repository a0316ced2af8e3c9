"""Korean press style for large integers: "34,300명" → "3만4천300명".

Convention (the one Yonhap uses, and the only one this module writes): Arabic numerals; the units
만 (10^4), 억 (10^8) and 조 (10^12) between four-digit groups; 천 (1000) inside a group
whose thousands digit is not zero; no thousands separators and no spaces inside the number; groups
that are zero are left out. So 34,300 → "3만4천300", 1,500,000 → "150만", 2,400억 → "2천400억",
1,500,000,000,000 → "1조5천억", 1,000 → "1천", 12,345 → "1만2천345". Whatever follows the number
(a counter, a currency, a space) is kept as it was: "1,500,000원" → "150만원", "2,400억 달러" →
"2천400억 달러".

Only integers written with comma thousands separators are rewritten, optionally followed by a unit
(만/억/조) that multiplies them ("2,400억"). Left as written: decimals ("3,612.38", "1,425.2원"),
percentages ("1,200%"), numbers without separators (years "2025년", dates "9월 8일", times "14시
30분", "3000"), phone numbers and codes joined by hyphens, ordinals with 제 ("제1,234호"), digits
inside Latin words ("A1,000"), and a number that continues an amount already in unit style
("1조 2,000억"), and amounts of 10^16 (1경) or more. ``service.text.numbers`` reads the result as
the same value as the input.
"""

from __future__ import annotations

import re

__all__ = ["press_numbers", "unit_style"]

_BIG_UNITS = ("", "만", "억", "조")
_UNIT_POWER = {"만": 1, "억": 2, "조": 3}
# 10^16: 경 is left out, since a counter right after it ("1경명") reads as a word ("경기", "경제").
_LIMIT = 10_000 ** len(_BIG_UNITS)

_GROUPED_RE = re.compile(
    r"(?<![A-Za-z0-9_.,\-])"  # not inside a Latin word, a decimal, a code or a longer numeral
    r"(?P<digits>\d{1,3}(?:,\d{3})+)"
    r"(?P<unit>[만억조])?"
    r"(?![\d\-]|[.,]\d|[ \u00a0]?[%％]|[A-Za-z])"
)
# An amount in unit style right before the match ("1조 ", "1조"): the match continues it.
_UNIT_BEFORE_RE = re.compile(r"\d[만억조경] ?$")


def unit_style(value: int) -> str:
    """``value`` (0 ≤ value < 10^16) in the press convention: 34300 → "3만4천300"."""
    if not 0 <= value < _LIMIT:
        raise ValueError(f"expected an integer from 0 to 10^16 - 1, got {value}")
    if value == 0:
        return "0"
    parts: list[str] = []
    power = 0
    while value:
        value, group = divmod(value, 10_000)
        if group:
            thousands, rest = divmod(group, 1000)
            text = (f"{thousands}천" if thousands else "") + (str(rest) if rest else "")
            parts.append(text + _BIG_UNITS[power])
        power += 1
    return "".join(reversed(parts))


def _rewrite(match: re.Match[str]) -> str:
    text = match.string
    start = match.start()
    if _UNIT_BEFORE_RE.search(text, 0, start) or (start and text[start - 1] == "제"):
        return match.group()
    value = int(match.group("digits").replace(",", ""))
    unit = match.group("unit")
    if unit:
        value *= 10_000 ** _UNIT_POWER[unit]
    if value >= _LIMIT:
        return match.group()
    return unit_style(value)


def press_numbers(text: str) -> str:
    """``text`` with comma-grouped integers rewritten in Korean press style (see the module docstring)."""
    return _GROUPED_RE.sub(_rewrite, text)
