"""Sentence-final register of Korean text: news style (한다체) or polite style (합니다체).

Korean news is written in 한다체, with a declarative "~다" at the end of every sentence (했다, 이다,
있다, 한다, 밝혔다); general translation models tend to answer in 합니다체 (했습니다, 입니다,
있습니다, 합니다). ``convert`` rewrites only the sentence-final predicate of each sentence, with
morphology from kiwipiepy: the last eojeol is analysed into morphemes, its final ending (EF) is
swapped and the morphemes from the predicate's stem on are joined again by ``Kiwi.join``, which
applies contractions and irregular conjugations (돕습니다 → 돕는다, 다릅니다 → 다르다, 됩니다 →
된다). Everything before the predicate's stem is kept byte for byte.

Mapping (polite ↔ news), by sentence type and predicate:

* declarative: 습니다/ㅂ니다 ↔ 다 after a tense marker (했다, 하겠다) and after adjectives, the
  copula and 있다/없다 (크다, 이다, 아니다, 있다); ↔ ㄴ다/는다 after a verb in the present
  (한다, 돕는다, 열린다). 않습니다 follows the predicate it negates: 가지 않는다, 크지 않다.
  The copula after a noun ending in a vowel contracts as Korean news writes it (사과입니다 →
  사과다, 학생입니다 → 학생이다); both 사과다 and 사과이다 give 사과입니다.
* question: 습니까/ㅂ니까 ↔ 는가 (하는가, 했는가, 있는가) or ㄴ가 after an adjective or the copula
  in the present (좋은가, 인가).
* propositive: ㅂ시다 ↔ 자 (합시다 ↔ 하자); imperative: (으)십시오 ↔ 라 (하십시오 ↔ 하라).
* 해요체 input (했어요, 좋아요?) is read as declarative or question and converted to the
  requested style; ``polite`` output is always 합니다체.

Left as they are: a sentence already in the requested register (found by a cheap look at its
last characters, without analysis), a sentence without a final predicate ("사진: 연합뉴스") or
with a nominal ending (발표함, 예정), a final ending not listed above (했지, 할까요, 하세요), text that is
not Korean, and a sentence that ends inside a quotation (``그는 “좋습니다.”``): quoted text
is never changed. In "…라고 말했습니다." only the outer verb changes.

Sentences are found by ``sentence_spans``: a run of ``. ? ! …`` (with closing quotes or brackets)
followed by whitespace outside quotation marks, or a line break.

The analyser (kiwipiepy's ``Kiwi``) takes about 1.7 s and 500 MB to load, so it is loaded once per
process, on first use or by ``warm()``, and used under a lock.
"""

from __future__ import annotations

import importlib
import re
import threading
from collections.abc import Iterable, Sequence
from typing import Protocol

from service.errors import MtsError
from service.languages import KOREAN_STYLES

__all__ = ["STYLES", "AnalyserUnavailableError", "StyleError", "convert", "sentence_spans", "warm"]

STYLES: tuple[str, ...] = KOREAN_STYLES


class StyleError(MtsError):
    """An unknown Korean style name."""


class AnalyserUnavailableError(MtsError):
    """The Korean morphological analyser (kiwipiepy and its model) cannot be loaded."""


class _Token(Protocol):
    """What this module reads of a kiwipiepy ``Token``."""

    form: str
    tag: str
    start: int
    len: int


class _Analyser(Protocol):
    """What this module uses of a kiwipiepy ``Kiwi`` (which ships no type information)."""

    def tokenize(self, text: str) -> Iterable[_Token]: ...

    def join(self, morphs: Sequence[tuple[str, str]]) -> str: ...


_lock = threading.Lock()  # guards loading and every call into the analyser
_loaded: dict[str, _Analyser] = {}  # "kiwi": the analyser, once loaded


def _analyser() -> _Analyser:
    """The process-wide analyser, loaded on first use."""
    with _lock:
        if "kiwi" not in _loaded:
            try:
                kiwipiepy = importlib.import_module("kiwipiepy")
                _loaded["kiwi"] = kiwipiepy.Kiwi()
            except Exception as exc:  # ImportError, a missing or broken model
                raise AnalyserUnavailableError(
                    f"Korean style conversion needs kiwipiepy and its model, which could not be loaded: {exc}"
                ) from exc
        return _loaded["kiwi"]


def warm() -> None:
    """Load the morphological analyser now rather than on the first conversion."""
    _analyser()


# ---------------------------------------------------------------------------------------------
# Sentences

_OPEN_QUOTES = {"“": "”", "‘": "’", "「": "」", "『": "』", "«": "»", "„": "“"}
_TOGGLE_QUOTES = "\"'"
_TERMINATORS = ".?!…"
_CLOSERS = "”’」』»\"')]"
_QUOTE_CHARS = "“”‘’「」『』«»„\"'"


def sentence_spans(text: str) -> list[tuple[int, int]]:
    """(start, end) of every sentence of ``text``, stripped of surrounding whitespace.

    A sentence ends at a line break, or after a run of ``. ? ! …`` and closing quotes or brackets
    that whitespace follows, outside quotation marks.
    """
    spans: list[tuple[int, int]] = []
    start = 0
    closing: list[str] = []  # quotation marks opened and not yet closed
    i = 0
    n = len(text)

    def close(end: int) -> None:
        nonlocal start
        piece = text[start:end]
        if piece.strip():
            lead = len(piece) - len(piece.lstrip())
            spans.append((start + lead, start + len(piece.rstrip())))
        start = end

    while i < n:
        ch = text[i]
        if ch in "\n\r":
            close(i)
            closing.clear()
            i += 1
            continue
        if closing and ch == closing[-1]:
            closing.pop()
        elif ch in _OPEN_QUOTES:
            closing.append(_OPEN_QUOTES[ch])
        elif ch in _TOGGLE_QUOTES and (i == 0 or not text[i - 1].isalnum()):
            closing.append(ch)  # an opening straight quote; one after a letter is an apostrophe
        elif ch in _TERMINATORS and not closing:
            j = i
            while j < n and text[j] in _TERMINATORS + _CLOSERS:
                j += 1
            if j == n or text[j].isspace():
                close(j)
            i = j
            continue
        i += 1
    close(n)
    return spans


# ---------------------------------------------------------------------------------------------
# Endings

_DECLARATIVE = "decl"
_QUESTION = "question"
_PROPOSITIVE = "prop"
_IMPERATIVE = "imp"

# (register, sentence type) of the final endings kiwipiepy gives.
_POLITE_ENDINGS = {
    "습니다": _DECLARATIVE,
    "ᆸ니다": _DECLARATIVE,
    "읍니다": _DECLARATIVE,
    "습니까": _QUESTION,
    "ᆸ니까": _QUESTION,
    "ᆸ시다": _PROPOSITIVE,
    "읍시다": _PROPOSITIVE,
    "ᆸ시오": _IMPERATIVE,
    "으십시오": _IMPERATIVE,
    "십시오": _IMPERATIVE,
}
_NEWS_ENDINGS = {
    "다": _DECLARATIVE,
    "ᆫ다": _DECLARATIVE,
    "는다": _DECLARATIVE,
    "는가": _QUESTION,
    "ᆫ가": _QUESTION,
    "은가": _QUESTION,
    "냐": _QUESTION,
    "느냐": _QUESTION,
    "으냐": _QUESTION,
    "자": _PROPOSITIVE,
    "라": _IMPERATIVE,
    "으라": _IMPERATIVE,
    "어라": _IMPERATIVE,
    "아라": _IMPERATIVE,
}
# 해요체 endings that are plain statements or questions (not 할까요, 하죠, 했네요, 하세요).
_HAEYO_ENDINGS = frozenset({"어요", "아요", "에요", "예요", "이에요"})
_HONORIFIC = frozenset({"시", "으시"})
_TENSE = frozenset({"었", "았", "였", "겠", "었었", "았었", "ᆻ"})
_PREDICATE_TAGS = frozenset({"VV", "VA", "VX", "VCP", "VCN", "XSV", "XSA"})
_ADJECTIVE_TAGS = frozenset({"VA", "VCP", "VCN", "XSA"})
_EXISTENCE = frozenset({"있", "없"})
# Auxiliaries that conjugate as adjectives whatever they follow (보고 싶다, not 싶는다).
_ADJECTIVE_AUXILIARIES = frozenset({"싶"})
_NEGATION = "않"

# Cheap checks on the last characters, before any analysis.
_POLITE_TAILS = ("시오", "시다", "요")  # besides 습니다/ㅂ니다 and 습니까/ㅂ니까
_NEWS_TAILS = ("다", "가", "냐", "자", "라")
_TRAILING_PUNCT_RE = re.compile(r"[.?!…~]*\s*$")


def _tag(token: _Token) -> str:
    return str(token.tag).split("-")[0]


def _is_hamnida(core: str) -> bool:
    """True when ``core`` ends in 습니다/ㅂ니다 or 습니까/ㅂ니까 (but not in 아니다)."""
    if not core.endswith(("니다", "니까")) or len(core) < 3:
        return False
    before = core[-3]
    return before == "습" or ("\uac00" <= before <= "\ud7a3" and (ord(before) - 0xAC00) % 28 == 17)


def _needs_analysis(core: str, punct: str, style: str) -> bool:
    """True unless the sentence's last characters show it is in ``style`` or has no predicate."""
    if style == "news":
        return _is_hamnida(core) or core.endswith(_POLITE_TAILS)
    if _is_hamnida(core):
        return False
    return core.endswith(_NEWS_TAILS) and (not core.endswith(("가", "냐")) or "?" in punct)


def _adjective_like(tokens: list[_Token], stem: int) -> bool:
    """True when the predicate at ``stem`` conjugates as an adjective (no 는/ㄴ in the present)."""
    token = tokens[stem]
    tag = _tag(token)
    if token.form in _EXISTENCE:
        return True
    if tag == "VX" and token.form in _ADJECTIVE_AUXILIARIES:
        return True
    if tag == "VX" and token.form == _NEGATION:
        # 않다 follows what it negates: 크지 않다, 가지 않는다.
        for before in reversed(tokens[:stem]):
            if _tag(before) in _PREDICATE_TAGS:
                return _tag(before) in _ADJECTIVE_TAGS or before.form in _EXISTENCE
        return False
    return tag in _ADJECTIVE_TAGS


def _news_ending(kind: str, adjective: bool, tense: bool, existence: bool) -> str:
    """The 한다체 ending of a sentence type for a predicate (있다/없다 ask 있는가, not 있은가)."""
    if kind == _DECLARATIVE:
        return "다" if adjective or tense else "ᆫ다"
    if kind == _QUESTION:
        return "ᆫ가" if adjective and not tense and not existence else "는가"
    return "자" if kind == _PROPOSITIVE else "라"


_POLITE_FOR = {_DECLARATIVE: "습니다", _QUESTION: "습니까", _PROPOSITIVE: "ᆸ시다", _IMPERATIVE: "ᆸ시오"}
_OUTPUT_TAILS = {"news": ("다", "가", "자", "라"), "polite": ("니다", "니까", "시다", "시오")}


def _classify(ending: str, punct: str) -> tuple[str, str] | None:
    """(register, sentence type) of a final ending, or None for one this module does not map."""
    if ending in _POLITE_ENDINGS:
        return "polite", _POLITE_ENDINGS[ending]
    if ending in _NEWS_ENDINGS:
        return "news", _NEWS_ENDINGS[ending]
    if ending in _HAEYO_ENDINGS:
        return "haeyo", _QUESTION if "?" in punct else _DECLARATIVE
    return None


def _convert_core(core: str, punct: str, style: str) -> str:
    """``core`` (a sentence without its final punctuation) with its final predicate in ``style``."""
    eojeol_at = max(core.rfind(" "), *(core.rfind(q) for q in _QUOTE_CHARS)) + 1
    # Two eojeols of context before the last one help the tagger, but never across a quotation.
    context_at = eojeol_at
    for _ in range(2):
        previous = core.rfind(" ", 0, max(context_at - 1, 0)) + 1  # where the eojeol before starts
        if context_at == 0 or any(q in core[previous:context_at] for q in _QUOTE_CHARS):
            break
        context_at = previous
    piece = core[context_at:]
    kiwi = _analyser()
    # The final punctuation tells the tagger that the last ending closes the sentence.
    mark = "?" if "?" in punct else "!" if "!" in punct else "."
    with _lock:
        analysed = kiwi.tokenize(piece + mark)
    tokens = [t for t in analysed if t.start < len(piece)]
    first = eojeol_at - context_at
    last_eojeol = [i for i, t in enumerate(tokens) if t.start >= first]
    if not last_eojeol or tokens[-1].start + tokens[-1].len != len(piece) or _tag(tokens[-1]) != "EF":
        return core
    found = _classify(tokens[-1].form, punct)
    if found is None or found[0] == style:
        return core
    kind = found[1]
    stem = len(tokens) - 2
    while stem >= last_eojeol[0] and _tag(tokens[stem]) == "EP":
        stem -= 1
    if stem < last_eojeol[0] or _tag(tokens[stem]) not in _PREDICATE_TAGS:
        return core
    markers = [t.form for t in tokens[stem + 1 : -1]]
    if style == "news":
        ending = _news_ending(
            kind,
            _adjective_like(tokens, stem),
            any(m in _TENSE for m in markers),
            tokens[stem].form in _EXISTENCE,
        )
        if kind == _IMPERATIVE and markers and markers[-1] in _HONORIFIC:
            markers = markers[:-1]  # 하십시오 → 하라: the honorific belongs to the polite form
    else:
        ending = _POLITE_FOR[kind]
        if kind == _IMPERATIVE and not _HONORIFIC.intersection(markers):
            markers = [*markers, "시"]
    morphs: list[tuple[str, str]] = [
        (tokens[stem].form, str(tokens[stem].tag)),
        *((m, "EP") for m in markers),
        (ending, "EF"),
    ]
    join_at = tokens[stem].start
    if _tag(tokens[stem]) == "VCP" and stem - 1 in last_eojeol:
        # The noun lets the joiner contract the copula after a vowel (사과다, 사과였다).
        noun = tokens[stem - 1]
        surface = piece[noun.start : noun.start + noun.len]
        if surface == noun.form:
            morphs.insert(0, (noun.form, str(noun.tag)))
            join_at = noun.start
    with _lock:
        joined = kiwi.join(morphs)
    if not joined.endswith(_OUTPUT_TAILS[style]):
        return core
    return core[: context_at + join_at] + joined


def _convert_sentence(sentence: str, style: str) -> str:
    punct_at = _TRAILING_PUNCT_RE.search(sentence)
    assert punct_at is not None  # the pattern matches the empty string at the end
    core, punct = sentence[: punct_at.start()], sentence[punct_at.start() :]
    if not core or not "\uac00" <= core[-1] <= "\ud7a3" or not _needs_analysis(core, punct, style):
        return sentence
    return _convert_core(core, punct, style) + punct


def convert(text: str, style: str) -> str:
    """``text`` with every Korean sentence ending in ``style`` ("news" or "polite").

    Only the sentence-final predicate changes; see the module docstring for the mapping and what
    is left alone. Raises ``StyleError`` for an unknown style.
    """
    if style not in STYLES:
        raise StyleError(f"unknown Korean style {style!r}; expected one of: {', '.join(STYLES)}")
    parts: list[str] = []
    done = 0
    for start, end in sentence_spans(text):
        parts.append(text[done:start])
        parts.append(_convert_sentence(text[start:end], style))
        done = end
    parts.append(text[done:])
    return "".join(parts)
