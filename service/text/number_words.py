"""Numbers written in words: French, English and Korean cardinals, ordinals and approximations.

The number checker (:mod:`service.text.numbers`) extracts numbers written in digits; a translation
may write in digits what its source writes in words, or the other way round ("deux cent
vingt-quatre" → "224", "1re place" → "first place", "accords 3 à 6" → "세 번째부터 여섯 번째까지").
:func:`word_values` gives the values a text writes in words, so such a rendering is not taken for
a number that went missing or appeared from nowhere. The values only ever support a number; they
are never themselves required, so a text that spells a number is never flagged for it.

* French: cardinals of any size ("quatre cent mille", "deux cent vingt-quatre", "soixante-dix",
  "quatre-vingt-douze"), ordinals ("seizième", "vingt et unième", "1re" is in digits), approximate
  numbers ("une dizaine", "une quarantaine de millions" → 40 000 000), "demi" (0.5) and the size of
  a group ("trio", "quintette").
* English: cardinals to the thousands ("four hundred thousand"), ordinals ("ninth", "twenty-first"),
  "twice", "a dozen", "a decade".
* Korean: native numerals before a counter ("두 차례", "세 명", "여섯 번째", "첫 번째", "스무 살")
  and the native words for a number of days ("사흘", "열흘").

:func:`french_counts` gives the cardinals a French text writes in words that a translation must
give too: those three or more, other than words that are also something else ("neuf", "sept").
"""

from __future__ import annotations

import re
import unicodedata
from decimal import Decimal

from service.text.entities import fold

__all__ = ["french_counts", "french_unit", "word_values"]

_FR_UNITS: dict[str, int] = {
    "zero": 0, "un": 1, "une": 1, "deux": 2, "trois": 3, "quatre": 4, "cinq": 5, "six": 6, "sept": 7,
    "huit": 8, "neuf": 9, "dix": 10, "onze": 11, "douze": 12, "treize": 13, "quatorze": 14,
    "quinze": 15, "seize": 16, "vingt": 20, "vingts": 20, "trente": 30, "quarante": 40,
    "cinquante": 50, "soixante": 60,
}  # fmt: skip
_FR_SCALES: dict[str, int] = {
    "million": 10**6, "millions": 10**6, "milliard": 10**9, "milliards": 10**9,
    "billion": 10**12, "billions": 10**12,
}  # fmt: skip


def french_unit(word: str) -> int | None:
    """The value of a French number word up to seize, or a ten ("quatre" → 4, "vingt" → 20)."""
    return _FR_UNITS.get(fold(word).lower())


def english_unit(word: str) -> int | None:
    """The value of an English number word up to twenty ("three" → 3)."""
    return _EN_UNITS.get(word.lower())


# Ordinal stems: "seizième" → "seiz" → "seize".
_FR_ORDINAL_STEMS: dict[str, str] = {
    "un": "un", "deux": "deux", "trois": "trois", "quatr": "quatre", "cinqu": "cinq", "six": "six",
    "sept": "sept", "huit": "huit", "neuv": "neuf", "dix": "dix", "onz": "onze", "douz": "douze",
    "treiz": "treize", "quatorz": "quatorze", "quinz": "quinze", "seiz": "seize", "vingt": "vingt",
    "trent": "trente", "quarant": "quarante", "cinquant": "cinquante", "soixant": "soixante",
    "cent": "cent", "mill": "mille", "million": "million", "milliard": "milliard",
}  # fmt: skip
_FR_FIRST = {
    "premier": 1,
    "premiere": 1,
    "premiers": 1,
    "premieres": 1,
    "second": 2,
    "seconde": 2,
    "seconds": 2,
}
_FR_APPROXIMATE: dict[str, int] = {
    "dizaine": 10, "douzaine": 12, "quinzaine": 15, "vingtaine": 20, "trentaine": 30,
    "quarantaine": 40, "cinquantaine": 50, "soixantaine": 60, "centaine": 100, "millier": 1000,
}  # fmt: skip
_FR_GROUPS = {"duo": 2, "trio": 3, "quatuor": 4, "quintette": 5, "sextuor": 6, "septuor": 7, "octuor": 8}
# "a doublé" → "2배로 늘었다", "triplé" → "3배".
_FR_MULTIPLES = {
    "double": 2, "doubles": 2, "doubler": 2, "doublee": 2, "doublees": 2,
    "triple": 3, "tripler": 3, "triplee": 3, "quadrupler": 4, "quadruple": 4,
    # Periods: "un plan quinquennal" → "5개년 계획", "a five-year plan".
    "biennal": 2, "biennale": 2, "triennal": 3, "triennale": 3, "quadriennal": 4, "quinquennal": 5,
    "quinquennale": 5, "septennat": 7, "quinquennat": 5, "decennal": 10, "decennale": 10,
    "centenaire": 100, "bicentenaire": 200,
}  # fmt: skip
# Ages by decade: "un quinquagénaire" → "50대 남성", "a man in his 50s".
_FR_AGES = {
    "trentenaire": 30, "quadragenaire": 40, "quinquagenaire": 50, "sexagenaire": 60,
    "septuagenaire": 70, "octogenaire": 80, "nonagenaire": 90, "centenaire": 100,
}  # fmt: skip
# Rounds of a tournament: Korean counts the teams left ("demi-finales" → "4강", "quarts de finale"
# → "8강", "huitièmes de finale" → "16강"), English says "round of 16".
_FR_ROUNDS = re.compile(r"\b(demi|quarts?|huitiemes?|seiziemes?)[\s-]+(?:de[\s-]+)?finales?\b")
_FR_ROUND_TEAMS = {
    "demi": 4, "quart": 8, "quarts": 8, "huitieme": 16, "huitiemes": 16, "seizieme": 32, "seiziemes": 32,
}  # fmt: skip
# "quinze jours" is two weeks ("2주"), "huit jours" one week ("일주일", "1주").
_FR_WEEKS = re.compile(r"\b(quinze|huit)\s+jours\b")
_FR_SCALE_AFTER_DE = {"millier": 10**3, "milliers": 10**3, **_FR_SCALES}

_EN_UNITS: dict[str, int] = {
    "zero": 0, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7,
    "eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13, "fourteen": 14,
    "fifteen": 15, "sixteen": 16, "seventeen": 17, "eighteen": 18, "nineteen": 19, "twenty": 20,
    "thirty": 30, "forty": 40, "fifty": 50, "sixty": 60, "seventy": 70, "eighty": 80, "ninety": 90,
}  # fmt: skip


def english_digit_words(text: str) -> list[int]:
    """The value of each English word "one" to "nine" and "first" to "ninth" in ``text``, once per
    occurrence (English spells out the numbers and ranks under ten: "la 3e place" beside "EV3" →
    "third place" beside "EV3", yna-fr2-45)."""
    words = _WORDS_RE.findall(text.lower())
    return [value for w in words if 1 <= (value := _EN_UNITS.get(w) or _EN_ORDINALS.get(w, 0)) <= 9]


_EN_ORDINALS: dict[str, int] = {
    "first": 1, "second": 2, "third": 3, "fourth": 4, "fifth": 5, "sixth": 6, "seventh": 7,
    "eighth": 8, "ninth": 9, "tenth": 10, "eleventh": 11, "twelfth": 12, "thirteenth": 13,
    "fourteenth": 14, "fifteenth": 15, "sixteenth": 16, "seventeenth": 17, "eighteenth": 18,
    "nineteenth": 19, "twentieth": 20, "thirtieth": 30, "fortieth": 40, "fiftieth": 50,
    "sixtieth": 60, "seventieth": 70, "eightieth": 80, "ninetieth": 90, "hundredth": 100,
    "thousandth": 1000,
}  # fmt: skip
_EN_SCALES = {"thousand": 10**3, "million": 10**6, "billion": 10**9, "trillion": 10**12}
_EN_COLLECTIVE = {
    "pair": 2,
    "twice": 2,
    "double": 2,
    "trio": 3,
    "dozen": 12,
    "dozens": 12,
    "decade": 10,
    "decades": 10,
}

_KO_NATIVE: dict[str, int] = {
    "한": 1, "첫": 1, "두": 2, "세": 3, "네": 4, "다섯": 5, "여섯": 6, "일곱": 7, "여덟": 8, "아홉": 9,
    "열": 10, "열한": 11, "열두": 12, "열세": 13, "열네": 14, "열다섯": 15, "스무": 20, "스물": 20,
    "석": 3, "넉": 4,  # "석 달" (three months), "넉 달"
}  # fmt: skip
_KO_COUNTERS = "번째|째|차례|번|명|개|가지|곳|척|대|건|살|달|해|시간|마리|자루|발|채|벌|주"
# A native numeral is a word of its own: before a counter ("세 명", "두차례") or, as a determiner,
# before another word ("세 나라", "두 정상"); never inside a word ("세계", "한국").
_KO_NATIVE_RE = re.compile(
    rf"(?<![\uac00-\ud7a3])(?P<n>{'|'.join(sorted(_KO_NATIVE, key=len, reverse=True))})"
    rf"(?:\s?(?:{_KO_COUNTERS})|\s(?=[\uac00-\ud7a3]))"
)

_WORDS_RE = re.compile(r"[^\W\d_]+")
# A number written in words never runs across punctuation (a hyphen or an apostrophe aside).
_CLAUSE_RE = re.compile(r"[^,;:.!?()«»\"“”\[\]/\d]+")


def _clauses(text: str) -> list[list[str]]:
    return [_WORDS_RE.findall(clause) for clause in _CLAUSE_RE.findall(text)]


def _french_runs(words: list[str]) -> list[tuple[int, bool]]:
    """(value, is_single_article) of each run of French number words."""
    values: list[tuple[int, bool]] = []
    total = current = 0
    length = 0
    previous = ""

    def close() -> None:
        nonlocal total, current, length
        if length:
            values.append((total + current, length == 1 and previous in ("un", "une")))
        total = current = length = 0

    for written in words:
        word, ordinal = written, False
        if written.endswith(("ieme", "iemes")):
            stem = written[: written.index("ieme")]
            if stem in _FR_ORDINAL_STEMS:
                word, ordinal = _FR_ORDINAL_STEMS[stem], True
        if ordinal and length == 1 and previous in ("un", "une"):
            total = current = length = 0  # "une quatrième victoire": the article is not a number
        if word in _FR_UNITS and length and _FR_UNITS[word] < 20 and 1 <= _FR_UNITS.get(previous, 0) <= 9:
            close()  # "à elles trois un peu plus" (yna-fr2-127): a unit never adds to a unit
        if word in _FR_UNITS:
            value = _FR_UNITS[word]
            if value == 20 and previous == "quatre":
                current += 80 - 4  # quatre-vingt(s)
            elif value in (10, 11, 12, 13, 14, 15, 16) and previous in ("soixante", "vingt", "vingts"):
                current += value  # soixante-dix, quatre-vingt-douze
            else:
                current += value
        elif word in ("cent", "cents"):
            current = (current or 1) * 100
        elif word == "mille":
            total += (current or 1) * 1000
            current = 0
        elif word in _FR_SCALES and length:
            total = (total + current) * _FR_SCALES[word]
            current = 0
        elif word == "et" and length and previous in ("vingt", "trente", "quarante", "cinquante", "soixante"):
            previous = word
            continue  # "vingt et un"
        else:
            close()
            previous = word
            continue
        length += 1
        previous = word
        if ordinal:
            close()
    close()
    return values


# "quatre millièmes" (four thousandths), "trois dixièmes".
_FR_DECIMAL_FRACTION = re.compile(r"\s+(dixieme|centieme|millieme)s?\b")
_FR_DENOMINATORS = {"dixieme": 10, "centieme": 100, "millieme": 1000}
_FR_PLURAL_NEXT = re.compile(r"\s+[^\W\d_]{2,}[sx]\b")
# "les deux pays" is both countries ("양국", "both"), not a count.
_FR_BOTH = re.compile(r"\b(?:les|des|ces|leurs|nos|vos|ses|mes|tous|toutes|aux)\s+$")
_FR_FRACTION_NEXT = re.compile(r"\s+(?:tiers|quarts?|cinquiemes|sixiemes|huitiemes)\b")
# "trois matchs et demi" is three and a half ("3.5경기", "3 1/2 games").
_FR_AND_A_HALF = re.compile(r"(?:\s+[^\W\d_]+)?\s+et\s+demie?\b")
# "six manches et deux tiers" is six and two-thirds ("6 2/3 innings", "6⅔이닝").
_FR_AND_A_PART = re.compile(r"(?:\s+[^\W\d_]+)?\s+et\s+(?:(un|deux)\s+tiers|(un|trois)\s+quarts?)\b")


# "11 sept." is a date: its "sept" is the month, not seven (yna-fr2-67).
_FR_SEPT_MONTH = re.compile(r"(\d(?:er)?\s*)sept\b", re.IGNORECASE)


def _french(text: str) -> set[int | str]:
    found: set[int | str] = set()
    text = _FR_SEPT_MONTH.sub(r"\1septembre", text)
    for clause in _clauses(fold(text)):
        found |= {value for value, article in _french_runs(clause) if not article}
    found |= {value for _, _, value in french_counts(text) if "." in value}
    words = _WORDS_RE.findall(fold(text))
    for i, word in enumerate(words):
        following = words[i + 2] if i + 2 < len(words) and words[i + 1] in ("de", "d") else ""
        if word in _FR_FIRST:
            found.add(_FR_FIRST[word])
        elif word.rstrip("s") in _FR_APPROXIMATE:
            value = _FR_APPROXIMATE[word.rstrip("s")]
            found.add(value)
            if following in _FR_SCALE_AFTER_DE:
                found.add(value * _FR_SCALE_AFTER_DE[following])  # "une quarantaine de millions"
        elif word in _FR_GROUPS:
            found.add(_FR_GROUPS[word])
        elif word in ("demi", "demie"):
            found.add("0.5")
        elif word in _FR_MULTIPLES:
            found.add(_FR_MULTIPLES[word])  # "a doublé" → "2배"
        elif word.rstrip("s") in _FR_AGES:
            found.add(_FR_AGES[word.rstrip("s")])  # "un quinquagénaire" → "50대 남성"
        elif word in ("moitie", "moities"):
            found |= {"0.5", "50%"}
        elif word in ("decennie", "decennies"):
            found.add(10)  # "en une décennie" → "10년 새"
        elif word == "dernier" and i + 1 < len(words) and words[i + 1] == "trimestre":
            found.add(4)  # "le dernier trimestre" → "4분기" (hard-numbers yna-fr2-31)
        elif word in ("million", "milliard") and i > 0 and words[i - 1] in ("le", "du", "au"):
            # "franchir le million" → "1 million", "100만" (yna-fr2-185)
            found.add(10**6 if word == "million" else 10**9)
        if word.rstrip("s") in ("million", "milliard") and words[i + 1 : i + 3] == ["et", "demi"] and i > 0:
            # "la barre du million et demi" → "1.5 million", "150만" (yna-fr2-265); "deux
            # millions et demi" → 2.5 million.
            whole = 1 if words[i - 1] in ("le", "du", "au", "un") else french_unit(words[i - 1])
            if whole:
                scale = 10**6 if word.startswith("million") else 10**9
                found.add(int((whole + Decimal("0.5")) * scale))
    folded = fold(text)
    found |= {_FR_ROUND_TEAMS[m.group(1)] for m in _FR_ROUNDS.finditer(folded)}
    for m in _FR_WEEKS.finditer(folded):
        found |= {14, 2} if m.group(1) == "quinze" else {7, 1}
    return found


def _english(text: str) -> set[int | str]:
    found: set[int | str] = set()
    for clause in _clauses(text.lower()):
        found |= _english_clause(clause)
        found |= {_EN_COLLECTIVE[w] for w in clause if w in _EN_COLLECTIVE}
    for m in _EN_DECIMAL_FRACTION.finditer(text.lower()):
        if m.group(1) in _EN_UNITS:  # "four thousandths (of a second)": 0.004
            found.add(str(Decimal(_EN_UNITS[m.group(1)]) / _EN_DENOMINATORS[m.group(2)]))
    # "two and a half hours" for "deux heures et demie" (yna-fr2-125).
    for m in _EN_AND_A_HALF.finditer(text.lower()):
        whole = _EN_UNITS.get(m.group(1)) if not m.group(1).isdigit() else int(m.group(1))
        if whole:
            found.add(f"{whole}.5")
    # "topped Oricon's weekly album chart" is first place ("1er du classement", yna-fr2-185).
    if _EN_TOPPED.search(text):
        found.add(1)
    # "has quadrupled" for "a été multiplié par quatre" (yna-fr2-115).
    found |= {_EN_MULTIPLES[m.group(1)] for m in _EN_MULTIPLE.finditer(text.lower())}
    # "fivefold", "a 10-fold rise" for "multiplié par cinq", "dix fois plus".
    for m in _EN_FOLD.finditer(text.lower()):
        found.add(int(m.group(1)) if m.group(1).isdigit() else _EN_UNITS.get(m.group(1), 0))
    found.discard(0)
    return found


_EN_AND_A_HALF = re.compile(r"\b([a-z]+|\d+) and a half\b")
_EN_TOPPED = re.compile(
    r"\btop(?:ped|s|ping)?\s+(?:(?:the|its|a)\s+)?(?:[\w'’-]+\s+){0,4}?"
    r"(?:chart|ranking|rankings|standings|list|table|box office)\b",
    re.IGNORECASE,
)
_EN_MULTIPLES = {"doubl": 2, "tripl": 3, "quadrupl": 4, "quintupl": 5}
_EN_MULTIPLE = re.compile(r"\b(doubl|tripl|quadrupl|quintupl)(?:e|ed|es|ing)\b")
_EN_FOLD = re.compile(r"\b([a-z]+|\d+)-?fold\b")


_EN_DECIMAL_FRACTION = re.compile(r"\b([a-z]+)[ -](tenth|hundredth|thousandth)s?\b")
_EN_DENOMINATORS = {"tenth": 10, "hundredth": 100, "thousandth": 1000}


def _english_clause(words: list[str]) -> set[int | str]:
    found: set[int | str] = set()
    total = current = 0
    length = 0
    for word in [*words, ""]:
        if word in _EN_ORDINALS:
            found.add(total + current + _EN_ORDINALS[word] if length else _EN_ORDINALS[word])
            found.add(_EN_ORDINALS[word])
            total = current = length = 0
            continue
        if word in _EN_UNITS:
            current += _EN_UNITS[word]
        elif word == "hundred":
            current = (current or 1) * 100
        elif word in _EN_SCALES and length:
            total += current * _EN_SCALES[word]
            current = 0
        elif word == "and" and length:
            continue
        else:
            if length:
                found.add(total + current)
            total = current = length = 0
            continue
        length += 1
    return found


# Native words for a number of days ("en trois jours" → "사흘간", hard-numbers yna-fr2-25).
_KO_DAYS = {
    "하루": 1,
    "이틀": 2,
    "사흘": 3,
    "나흘": 4,
    "닷새": 5,
    "엿새": 6,
    "이레": 7,
    "여드레": 8,
    "아흐레": 9,
    "열흘": 10,
    "보름": 15,
}
_KO_DAYS_RE = re.compile(rf"(?<![\uac00-\ud7a3])(?:{'|'.join(_KO_DAYS)})")


def _korean(text: str) -> set[int | str]:
    found: set[int | str] = {_KO_NATIVE[m.group("n")] for m in _KO_NATIVE_RE.finditer(text)}
    # "2시간 반" (two and a half hours) for "deux heures et demie" (yna-fr2-125).
    found |= {f"{m.group(1)}.5" for m in _KO_AND_A_HALF.finditer(text)}
    return found | {_KO_DAYS[m.group()] for m in _KO_DAYS_RE.finditer(text)}


_KO_AND_A_HALF = re.compile(r"(?<![\d.])(\d+)\s?(?:시간|년|개월|주|경기|배)\s?반(?![\uac00-\ud7a3])")


def word_values(text: str, lang: str) -> set[str]:
    """The values ``text`` writes in words, as number keys ("224", "40000000", "0.5")."""
    readers = {"fr": _french, "en": _english, "ko": _korean}
    reader = readers.get(lang)
    return {str(v) for v in reader(text)} if reader else set()


# Single words that are also something else: "neuf" (new), "sept" (the month abbreviated), "cent"
# and "mille" (in "pour cent", "des mille et une"), "deux" ("tous les deux": both, "양국").
_FR_AMBIGUOUS = frozenset({"deux", "neuf", "sept", "cent", "mille", "un", "une"})
_FR_COUNT_WORD = re.compile(r"[^\W\d_]+(?:[-'’][^\W\d_]+)*")


def _fold_chars(text: str) -> str:
    """Lowercase without diacritics, character by character, so offsets stay those of ``text``."""
    out = []
    for ch in text:
        bare = "".join(c for c in unicodedata.normalize("NFD", ch.lower()) if not unicodedata.combining(c))
        out.append(bare if len(bare) == 1 else ch)
    return "".join(out)


def _part_after(folded: str, pos: int) -> Decimal | None:
    """The part in words after a number that ends at ``pos`` of folded French text: "et demi"
    (0.5), "et un tiers", "et deux tiers", "et trois quarts"; None when there is none."""
    if _FR_AND_A_HALF.match(folded, pos):
        return Decimal("0.5")
    if part := _FR_AND_A_PART.match(folded, pos):
        num, den = (part.group(1), 3) if part.group(1) else (part.group(2), 4)
        return Decimal(_FR_UNITS[num]) / den
    return None


def french_digits_and_parts(text: str) -> dict[int, str]:
    """Start of each French number in digits followed by a part in words, and the whole value:
    "142 manches et un tiers" → "142 1/3 innings", "142⅓이닝" (hard-numbers yna-fr2-149), "3 matchs
    et demi" → "3.5 games"."""
    folded = _fold_chars(text)
    return {
        m.start(): str(int(m.group()) + part)
        for m in re.finditer(r"(?<![\d.,])\d+(?![\d.,]\d)", text)
        if (part := _part_after(folded, m.end())) is not None
    }


def french_counts(text: str) -> list[tuple[int, int, str]]:
    """(start, end, value) of each cardinal the French text writes in words, three or more ("trois
    ministres", "dix ans", "deux cent vingt-quatre"), other than words that are also something else
    ("neuf", "sept", "deux" alone): a translation must give these values too, in digits or words.
    Ordinals in words are not required ("la troisième saison" may become "for a third straight
    season" or "3년 연속")."""
    found: list[tuple[int, int, str]] = []
    folded = _fold_chars(text)
    spans: list[tuple[int, int]] = []
    for clause in _CLAUSE_RE.finditer(folded):
        run: list[tuple[int, int, str]] = []
        for m in re.finditer(r"[^\W\d_]+", clause.group()):
            word = m.group()
            start, end = clause.start() + m.start(), clause.start() + m.end()
            joined = bool(run) and folded[run[-1][1] : start] in ("-", " ", "\u00a0")
            is_number = word in _FR_UNITS or word in ("cent", "cents", "mille") or word in _FR_SCALES
            if is_number or (word == "et" and run and joined):
                if run and not joined:
                    spans.append((run[0][0], run[-1][1]))
                    run = []
                run.append((start, end, word))
                continue
            if run:
                spans.append((run[0][0], run[-1][1]))
                run = []
        if run:
            spans.append((run[0][0], run[-1][1]))
    for start, end in spans:
        words = _WORDS_RE.findall(folded[start:end])
        while words and words[-1] == "et":
            words.pop()
        if not words or words[0] in _FR_SCALES:
            continue
        if len(words) == 1 and words[0] in _FR_AMBIGUOUS:
            # "neuf médailles", "sept jours": a count before a plural noun, unless a day number
            # comes first ("le 18 sept").
            if not (words[0] in ("neuf", "sept") and _FR_PLURAL_NEXT.match(folded, end)) and not (
                words[0] == "deux"
                and _FR_PLURAL_NEXT.match(folded, end)
                and not _FR_BOTH.search(folded[:start])
            ):
                continue
            if re.search(r"\d\s*$", folded[max(0, start - 4) : start]):
                continue
        after = folded[end : end + 12]
        if re.match(r"\s*(?:ieme|e\b)", after) or _FR_FRACTION_NEXT.match(folded, end):
            continue  # an ordinal, or a fraction's numerator ("deux tiers", "trois quarts")
        if _FR_WEEKS.match(folded, start) or _FR_ROUNDS.match(folded, max(0, start - 3)):
            continue  # "quinze jours" (two weeks) is an idiom
        runs = _french_runs(words)
        if len(runs) == 1 and (runs[0][0] >= 3 or words == ["deux"]):
            count = runs[0][0]
            if fraction := _FR_DECIMAL_FRACTION.match(folded, end):
                # "quatre millièmes" is 0.004 ("0.004초", "four thousandths").
                value = str(Decimal(count) / _FR_DENOMINATORS[fraction.group(1)])
            elif (part := _part_after(folded, end)) is not None:
                value = str(count + part)
            else:
                value = str(count)
            found.append((start, end, value))
    return found
