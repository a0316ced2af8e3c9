"""Korean particles that agree with the word before them.

Many Korean particles have two forms, chosen by the last sound of the word they follow: after a
final consonant (받침) "김민석은, 김민석이, 김민석을, 김민석과", after a vowel "철수는, 철수가, 철수를,
철수와". The 으로 family has a third rule: a final ㄹ takes the vowel form ("서울로", but
"부산으로"). When a translation replaces a name, the particle that came with the old rendering has to
be chosen again for the new one, or "김민석를" appears.

How the last sound is read (``final_consonant``):

* Hangul: the final consonant (jongseong) of the last syllable, as a compatibility jamo.
* Digits are read as Sino-Korean numerals, as a Korean reader says them: "1" 일 (ㄹ), "2" 이 (none),
  "3" 삼 (ㅁ), "6" 육 (ㄱ), "0" 영 (ㅇ), "10" 십 (ㅂ), "100" 백 (ㄱ), "1000" 천 (ㄴ), "20000" 이만
  (ㄴ), "3억" is Hangul already. Thousands separators are ignored ("1,000" 천); a decimal is read
  digit by digit after the point ("2.5" 오). "%" is read 퍼센트 (no final consonant).
* Latin script, by an English-pronunciation heuristic on the last letters (case-insensitive):
  an all-capital word of at most five letters is an acronym read letter by letter, so only its
  last letter counts: L 엘 / R 알 (ㄹ), M 엠 (ㅁ), N 엔 (ㄴ), every other letter name ends in a
  vowel ("BTS" 에스, "LG" 지). Other words: "-ng" ㅇ ("Samsung" 삼성), "-m" / "-me" ㅁ ("Kim"
  김), "-n" / "-ne" ㄴ ("Busan", "Line" 라인), "-l" / "-le" ㄹ ("Apple" 애플, "Seoul"), "-k" /
  "-ck" / "-c" after a vowel or r ㄱ ("Park" 박, "Facebook" 페이스북), "-p" after a vowel ㅂ
  ("K-pop" 케이팝, "group" 그룹); everything else (vowels, -r, -s, -t, -d, -x, -y...) is read with
  a vowel at the end ("Twitter" 트위터, "Netflix" 넷플릭스, "Hyundai" 현대).
* Closing quotes and brackets are skipped; a word ending in a parenthesis takes the particle of
  the word before it ("인공지능(AI)" → 인공지능, as Korean style does). Anything else that cannot
  be read (a symbol, Han characters) counts as a vowel ending.

Splitting (``split_particle``) uses a list of particles, longest first, without morphology: it
is meant for the eojeol a name was just inserted into, and never leaves an empty stem.
"""

from __future__ import annotations

import re

__all__ = [
    "PARTICLES",
    "PARTICLE_PAIRS",
    "attach",
    "final_consonant",
    "split_particle",
]

# (form after a final consonant, form after a vowel). The 으로 family also takes the vowel form
# after ㄹ. "야" alone resolves to the copula pair 이야/야; the vocative needs "아" to be given.
PARTICLE_PAIRS: tuple[tuple[str, str], ...] = (
    ("은", "는"),
    ("이", "가"),
    ("을", "를"),
    ("과", "와"),
    ("으로", "로"),
    ("으로서", "로서"),
    ("으로써", "로써"),
    ("으로부터", "로부터"),
    ("이나", "나"),
    ("이나마", "나마"),
    ("이랑", "랑"),
    ("이야", "야"),
    ("아", "야"),
    ("이야말로", "야말로"),
    ("이며", "며"),
    ("이고", "고"),
    ("이자", "자"),
    ("이면", "면"),
    ("이지만", "지만"),
    ("이므로", "므로"),
    ("이다", "다"),
    ("이었다", "였다"),
    ("이었으며", "였으며"),
    ("이었고", "였고"),
    ("이에요", "예요"),
    ("이라", "라"),
    ("이라고", "라고"),
    ("이라는", "라는"),
    ("이라며", "라며"),
    ("이라면", "라면"),
    ("이라도", "라도"),
    ("이라서", "라서"),
    ("이란", "란"),
    ("이든", "든"),
    ("이든지", "든지"),
    ("이냐", "냐"),
    ("이여", "여"),
    ("은커녕", "는커녕"),
)

# Particles that never alternate.
_FIXED = (
    "에", "에서", "에게", "에게서", "한테", "께", "께서", "의", "도", "만", "까지", "부터", "보다",
    "처럼", "마다", "조차", "마저", "밖에", "뿐", "대로", "하고", "에서부터", "에다", "에다가",
)  # fmt: skip
# Particles that combine with a second one inside one eojeol ("에서는", "과의", "까지도", "으로만").
_FIRST = (
    "에", "에서", "에게", "한테", "께", "께서", "으로", "로", "과", "와", "까지", "부터", "만",
    "보다", "처럼", "마다", "에서부터", "으로부터", "로부터", "으로서", "로서", "이랑", "랑", "하고",
)  # fmt: skip
_SECOND = ("는", "은", "도", "의", "만", "까지", "부터")
# Vowel forms of copula endings that are also the last syllable of many nouns ("기자", "측면",
# "최고", "바다", "나라", "하나"): attach accepts them, split_particle does not cut them off.
_NOT_SPLIT = frozenset({"다", "고", "자", "며", "면", "라", "여", "냐", "야", "아", "나", "든", "란"})

_PAIR_OF: dict[str, tuple[str, str]] = {}
for _pair in PARTICLE_PAIRS:
    for _form in _pair:
        _PAIR_OF.setdefault(_form, _pair)


def _known_particles() -> frozenset[str]:
    """Every particle ``split_particle`` cuts off: pairs, fixed particles and their compounds."""
    found = {form for pair in PARTICLE_PAIRS for form in pair} | set(_FIXED)
    found |= {first + second for first in _FIRST for second in _SECOND if first != second}
    return frozenset(found - _NOT_SPLIT)


PARTICLES: frozenset[str] = _known_particles()
_BY_LENGTH = sorted(PARTICLES, key=len, reverse=True)

_JONG = (
    None, "ㄱ", "ㄲ", "ㄳ", "ㄴ", "ㄵ", "ㄶ", "ㄷ", "ㄹ", "ㄺ", "ㄻ", "ㄼ", "ㄽ", "ㄾ", "ㄿ", "ㅀ",
    "ㅁ", "ㅂ", "ㅄ", "ㅅ", "ㅆ", "ㅇ", "ㅈ", "ㅊ", "ㅋ", "ㅌ", "ㅍ", "ㅎ",
)  # fmt: skip
# Final consonant of the Sino-Korean reading of each digit: 영 일 이 삼 사 오 육 칠 팔 구.
_DIGIT_FINAL = ("ㅇ", "ㄹ", None, "ㅁ", None, None, "ㄱ", "ㄹ", "ㄹ", None)
# Place words within a four-digit group (십 백 천) and between groups (만 억 조 경).
_SMALL_PLACE_FINAL = (None, "ㅂ", "ㄱ", "ㄴ")
_BIG_PLACE_FINAL = (None, "ㄴ", "ㄱ", None, "ㅇ")
# Acronym letters whose Korean name ends in a consonant: 엘 알 엠 엔.
_LETTER_FINAL = {"l": "ㄹ", "r": "ㄹ", "m": "ㅁ", "n": "ㄴ"}
_CLOSERS = "\"'”’»」』]}>.,!?;: \t"
_NUMBER_RE = re.compile(r"\d[\d,]*(?:\.(\d+))?$")
_LATIN_RE = re.compile(r"[A-Za-z]+$")
_VOWELS = "aeiou"


def _hangul_final(syllable: str) -> str | None:
    return _JONG[(ord(syllable) - 0xAC00) % 28]


def _number_final(number: str) -> str | None:
    """The final consonant of a numeral read in Sino-Korean ("10" 십 → ㅂ, "100000" 십만 → ㄴ)."""
    match = _NUMBER_RE.search(number)
    assert match is not None  # the caller checked that ``number`` ends in a digit
    if match.group(1):  # a decimal is read digit by digit after the point
        return _DIGIT_FINAL[int(match.group(1)[-1])]
    digits = match.group().replace(",", "").lstrip("0")
    if not digits:
        return _DIGIT_FINAL[0]
    zeros = len(digits) - len(digits.rstrip("0"))
    big = zeros // 4  # the last four-digit groups that are all zero: the number ends in 만, 억...
    if big:
        return _BIG_PLACE_FINAL[big] if big < len(_BIG_PLACE_FINAL) else None
    if zeros:
        return _SMALL_PLACE_FINAL[zeros]
    return _DIGIT_FINAL[int(digits[-1])]


def _latin_final(word: str) -> str | None:
    """The final consonant of a Latin-script word by the heuristic in the module docstring."""
    if word.isupper() and len(word) <= 5:
        return _LETTER_FINAL.get(word[-1].lower())
    w = word.lower()
    if w.endswith("ng"):
        return "ㅇ"
    if w.endswith(("m", "me")):
        return "ㅁ"
    if w.endswith(("n", "ne")):
        return "ㄴ"
    if w.endswith(("l", "le")):
        return "ㄹ"
    if len(w) >= 2 and w[-1] in "kc" and (w[-2] in _VOWELS + "r" or (w[-2] == "c" and w[-1] == "k")):
        return "ㄱ"
    if len(w) >= 2 and w[-1] == "p" and w[-2] in _VOWELS:
        return "ㅂ"
    return None


def final_consonant(word: str) -> str | None:
    """The final consonant of the last sound of ``word`` (compatibility jamo), None after a vowel.

    See the module docstring for digits, Latin script and punctuation.
    """
    text = word.rstrip(_CLOSERS)
    if text.endswith(")") and "(" in text:
        text = text[: text.rfind("(")].rstrip(_CLOSERS)
    if not text:
        return None
    last = text[-1]
    if "\uac00" <= last <= "\ud7a3":
        return _hangul_final(last)
    if last == "%":
        return None
    if last.isdigit() and last.isascii():
        return _number_final(text)
    latin = _LATIN_RE.search(text)
    if latin:
        return _latin_final(latin.group())
    return None


def split_particle(word: str) -> tuple[str, str]:
    """``word`` (one eojeol) split into its stem and a trailing particle from ``PARTICLES``.

    The longest particle that leaves a non-empty stem wins: "서울에서는" → ("서울", "에서는"). A word
    with no known particle at its end gives (word, ""), and so does a word that is only particle-
    like syllables ("이", "가"). The split is by list, not by morphology: "오이" gives ("오", "이").
    """
    for particle in _BY_LENGTH:
        if len(particle) < len(word) and word.endswith(particle):
            return word[: -len(particle)], particle
    return word, ""


def _agreeing(pair: tuple[str, str], final: str | None) -> str:
    consonant_form, vowel_form = pair
    if final is None or (final == "ㄹ" and consonant_form.startswith("으로")):
        return vowel_form
    return consonant_form


def attach(name: str, particle: str) -> str:
    """``name`` followed by the form of ``particle`` that agrees with its last sound.

    Either form of a pair is accepted ("을" or "를"), as are compounds whose first part alternates
    ("으로는"/"로는", "과의"/"와의"): the longest alternating form at the start of ``particle`` is
    chosen again and the rest kept. Particles that do not alternate ("에", "에서", "의", "도")
    are appended unchanged; an empty particle gives the name alone.
    """
    final = final_consonant(name)
    for size in range(len(particle), 0, -1):
        pair = _PAIR_OF.get(particle[:size])
        if pair is not None:
            return name + _agreeing(pair, final) + particle[size:]
    return name + particle
