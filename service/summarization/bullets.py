"""Turning an instruction-tuned model's answer into a clean list of bullets.

Models asked for "one bullet per line starting with '- '" still answer with numbered lists, stars,
bold text, circled numbers, a friendly sentence before or after the list, or no list at all. The
parser accepts all of these:

* A **list line** starts (after optional indentation) with a marker: ``-``, ``*``, ``+``, ``•``,
  ``–``, ``—``, ``·``, ``▪``, ``●``, ``○``, ``■``, ``□``, ``◆``, ``▶``, ``►``, ``➤``, ``→``, ``✓``,
  ``ㅇ`` followed by a space; ``1.`` / ``1)`` followed by a space; ``(1)``; or a circled or
  parenthesised number (``①``, ``⑴``, ``⒈``, ``❶``, ``➀``). ``**`` bold markers are removed first, so
  ``**1.** text`` and ``1. **text**`` are list lines too.
* A non-blank line right after a list line (no blank line between) **continues** that bullet when
  it is indented, starts with a lower-case letter, a digit or an opening bracket, or when the
  bullet so far does not end a sentence (``.``, ``!``, ``?``, ``。``, ``…``, possibly followed by a
  closing quote); a closing remark ("I hope this helps", "N'hésitez pas", "도움이 되었으면") never
  continues a bullet. Any other line is stray prose and is ignored, as are code fences and rules.
* With **no list line at all**, the answer is split into sentences (on ``.``, ``!``, ``?``, ``。``
  followed by a space, not after "M." or another abbreviation, nor before a lower-case letter),
  after dropping introduction lines (those ending with ":") and polite openers and closers.

Each bullet then loses its surrounding quotes and redundant whitespace; bullets with no letter or
digit, and repeats of an earlier bullet (ignoring case, spacing and final punctuation), are dropped.
"""

from __future__ import annotations

import re

__all__ = ["is_well_formed", "parse_bullets"]

_CIRCLED = "\u2460-\u2473\u2474-\u2487\u2488-\u249b\u2776-\u277f\u2780-\u2789"  # ①-⑳ ⑴-⒇ ⒈-⒛ ❶-❿ ➀-➉
_MARKER = re.compile(
    r"""^[ \t]*
    (?:
        [-*+•–—·▪▫●○◦‣■□◆◇▶►➢➤→✓✔ㅇ](?=\s)   # symbol bullets need a space: "-5 °C" is not a bullet
      | \d{1,2}[.)](?=\s)                      # "1. " "1) ": "10.000" and "2025." are not bullets
      | \(\d{1,2}\)
      | ["""
    + _CIRCLED
    + r"""]
    )
    [ \t]*(?P<text>.*)$""",
    re.X,
)
_CODE_FENCE = re.compile(r"^\s*(```|~~~)")
_RULE = re.compile(r"^\s*([-*_=])(?:\s*\1){2,}\s*$")  # "---", "***", "___", "==="
_BOLD = re.compile(r"\*\*|__")
_SENTENCE_END = re.compile(r"[.!?。！？…][\"'»”’)\]]*$")
_CONTINUES = re.compile(r"^[(\[{\d,;:]")
# Closing remarks models add after the list; a line like this never continues the last bullet.
_CLOSING = re.compile(
    r"^(?:i hope|hope this|let me know|feel free|if you need|please note|note\s*:|"
    r"j['’]esp[èe]re|n['’]h[ée]sitez|en esp[ée]rant|remarque\s*:|"
    r"도움이|궁금한|필요하시면|참고\s*:)",
    re.I,
)
# Openers of an answer that has no list: not facts, so not bullets.
_OPENER = re.compile(
    r"^(?:sure|certainly|of course|bien s[ûu]r|certainement|volontiers|d['’]accord|물론)\b[^.!?]*[.!?]?$"
    r"|^(?:here (?:is|are)|voici|voilà)\b.*\b(?:summary|bullets?|points?|facts?|résumé|r[ée]sum[ée])\b"
    r"|^다음은.*요약",
    re.I,
)
_INTRO_PREFIX = re.compile(r"^(?:here (?:is|are)|voici|voilà|다음은)[^:：]{0,80}[:：]\s*", re.I)
_SPLIT_CANDIDATE = re.compile(r"[.!?。！？…]+[\"'»”’)\]]*\s+")
# Words after which a full stop is not the end of a sentence (French and English dispatches).
_ABBREVIATIONS = frozenset(
    {
        "m",
        "mm",
        "mme",
        "mmes",
        "mlle",
        "dr",
        "pr",
        "me",
        "mr",
        "mrs",
        "ms",
        "st",
        "ste",
        "no",
        "vol",
        "cf",
        "env",
    }
)
_QUOTE_PAIRS = {'"': '"', "'": "'", "“": "”", "«": "»", "„": "“", "‘": "’", "「": "」", "『": "』"}
_WORD_CHAR = re.compile(r"\w")


def _split_sentences(text: str) -> list[str]:
    """Split prose on sentence-final punctuation followed by whitespace, minding abbreviations."""
    sentences: list[str] = []
    start = 0
    for match in _SPLIT_CANDIDATE.finditer(text):
        following = text[match.end() : match.end() + 1]
        if following.islower():  # "etc. et", "env. 950": the sentence goes on
            continue
        if text[match.start()] == ".":
            before = text[start : match.start()].split()
            word = before[-1].lstrip("([«\"'“").casefold() if before else ""
            # "M. Park", "J.-C. Juncker", "U.S. officials": an initial or a dotted abbreviation.
            if word in _ABBREVIATIONS or (len(word) == 1 and word.isalpha()) or "." in word:
                continue
        sentences.append(text[start : match.end()].strip())
        start = match.end()
    sentences.append(text[start:].strip())
    return [s for s in sentences if s]


def _strip_quotes(text: str) -> str:
    # Only when the quotes wrap the whole bullet: «A», a dit B, «C» must keep both quotations.
    while len(text) >= 2 and text[0] in _QUOTE_PAIRS:
        opening, closing = text[0], _QUOTE_PAIRS[text[0]]
        inner = text[1:-1]
        if text[-1] != closing or opening in inner or closing in inner:
            break
        text = inner.strip()
    return text


def _clean(text: str) -> str:
    text = _strip_quotes(" ".join(text.split()))
    return text if _WORD_CHAR.search(text) else ""


def _continues(line: str, previous: str) -> bool:
    """Whether ``line`` (non-blank, no list marker) carries on the bullet ending with ``previous``."""
    stripped = line.strip()
    if _CLOSING.match(stripped):
        return False
    if line[0].isspace() or stripped[0].islower() or _CONTINUES.match(stripped):
        return True
    return not _SENTENCE_END.search(previous.rstrip())


def _lines(text: str) -> list[str]:
    """The answer's lines without bold markers; fences and rules become blank lines."""
    lines = []
    for raw in text.replace("\r\n", "\n").replace("\r", "\n").split("\n"):
        if _CODE_FENCE.match(raw) or _RULE.match(raw):
            lines.append("")
        else:
            lines.append(_BOLD.sub("", raw).rstrip())
    return lines


def _parse(text: str) -> tuple[list[str], bool]:
    """(bullets before cleaning, whether the answer had an explicit list)."""
    lines = _lines(text)
    items: list[list[str]] = []
    current: list[str] | None = None
    for line in lines:
        if not line.strip():
            current = None  # a blank line ends a bullet (loose lists still work: the next marker opens one)
            continue
        match = _MARKER.match(line)
        if match:
            current = [match.group("text")]
            items.append(current)
        elif current is not None and _continues(line, current[-1]):
            current.append(line.strip())
        else:
            current = None  # stray prose: ignored, and it ends the list item before it
    if items:
        return [" ".join(parts) for parts in items], True

    # No list: rebuild paragraphs with the same continuation rule, then split them into sentences.
    paragraphs: list[str] = []
    joinable = False
    for line in lines:
        stripped = line.strip()
        if not stripped:
            joinable = False
            continue
        if stripped.endswith((":", "：")) or _CLOSING.match(stripped):
            joinable = False  # "Voici les points clés :", "I hope this helps": not facts
            continue
        if joinable and _continues(line, paragraphs[-1]):
            paragraphs[-1] += " " + stripped
        else:
            paragraphs.append(stripped)
            joinable = True
    sentences: list[str] = []
    for paragraph in paragraphs:
        for sentence in _split_sentences(_INTRO_PREFIX.sub("", paragraph)):
            if not _OPENER.match(sentence) and not _CLOSING.match(sentence):
                sentences.append(sentence)
    return sentences, False


def _key(bullet: str) -> str:
    return bullet.casefold().rstrip(" .。!?！？…")


def _finish(raw: list[str], max_bullets: int | None) -> list[str]:
    if max_bullets is not None and max_bullets < 0:
        raise ValueError(f"max_bullets must be >= 0, got {max_bullets}")
    bullets: list[str] = []
    seen: set[str] = set()
    for item in raw:
        bullet = _clean(item)
        key = _key(bullet)
        if bullet and key not in seen:
            seen.add(key)
            bullets.append(bullet)
    return bullets if max_bullets is None else bullets[:max_bullets]


def parse_bullets(text: str, *, max_bullets: int | None = None) -> list[str]:
    """The bullets of a model's answer, in order, cleaned, without duplicates, at most ``max_bullets``.

    See the module docstring for what counts as a list, a continuation line and stray prose. An
    answer with no list falls back to one bullet per sentence; an empty answer gives ``[]``.

    Raises:
        ValueError: if ``max_bullets`` is negative.
    """
    raw, _ = _parse(text)
    return _finish(raw, max_bullets)


def is_well_formed(text: str, expected: int) -> bool:
    """Whether the answer is an explicit list of ``expected`` or ``expected + 1`` distinct bullets.

    The rule, for a caller that asked for ``expected`` bullets, retries once on a malformed answer
    and then falls back to another summarizer:

    * the answer must contain a list (list markers, see the module docstring): a run of prose that
      only the sentence fallback can cut up shows the model ignored the format;
    * after dropping empty and repeated bullets there must be at least ``expected``: padding a short
      answer is impossible without inventing facts, and a model that repeats one bullet is looping;
    * one bullet too many is accepted, since ``parse_bullets(text, max_bullets=expected)`` keeps the
      first ``expected``; more than that means the model did not follow the instructions.

    Stray prose around the list ("Here are the bullets:") does not make an answer malformed.

    Raises:
        ValueError: if ``expected`` < 1.
    """
    if expected < 1:
        raise ValueError(f"expected must be >= 1, got {expected}")
    raw, explicit = _parse(text)
    return explicit and expected <= len(_finish(raw, None)) <= expected + 1
