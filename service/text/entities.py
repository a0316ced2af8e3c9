"""Candidate named entities, found without a model, and tolerant matching of a name in a text.

French and English: a name is a run of capitalised words ("Cho Tae-yul", "Nations", "KASA"),
which may hold lowercase particles between two capitalised words ("Corée du Nord", "Mer de l'Est",
"Bank of Korea") and may end with a few lowercase adjectives of institution names ("Union
européenne", "Nations unies", "Assemblée nationale"). A lowercase word never starts a name, so
"ministère de l'Unification" gives "Unification".

Not names: months and weekdays, courtesy titles ("M.", "Mme", "Mr", "Dr"), single letters, and a
capitalised word at the start of a sentence when it is an ordinary word: one of a small stop list of
sentence starters and function words ("Le", "Selon", "The", "According") or a word found in lower
case elsewhere in the same text. A dateline city in capitals ("BRUXELLES, 12 mars (Yonhap) --")
is kept. English job titles before a name are peeled off ("Foreign Minister Cho Tae-yul" →
"Cho Tae-yul") because they are descriptions and are translated, while the name is not.

Korean: Hangul has no capitals, so only Latin-script names found in Korean text are returned
("KASA", "EU", "Cho Tae-yul"); Korean names will come from a glossary later.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from service.languages import CODES

__all__ = ["EntityMention", "entity_in", "extract_entities", "find_entities", "fold"]


@dataclass(frozen=True)
class EntityMention:
    """One candidate name, located by its offsets in the original text."""

    text: str  # == original[start:end]
    start: int
    end: int


def fold(text: str) -> str:
    """Lowercase, without diacritics, hyphens as spaces, typographic apostrophes as "'"."""
    decomposed = unicodedata.normalize("NFD", text)
    stripped = "".join(c for c in decomposed if not unicodedata.combining(c))
    stripped = re.sub(r"[’ʼ‘`]", "'", stripped.casefold())
    stripped = re.sub(r"[-‐‑‒–—]", " ", stripped)
    return " ".join(stripped.split())


_TOKEN_RE = re.compile(r"[^\W_]+(?:[-‐‑][^\W_]+)*")
_APOSTROPHES = frozenset("'’ʼ")
_ELISIONS = frozenset({"l", "d", "j", "m", "n", "s", "t", "c", "qu", "jusqu", "lorsqu", "puisqu", "quoiqu"})
_INLINE_SPACE_RE = re.compile(r"[ \t\u00a0\u202f\u2009]+")
# Characters skipped when looking back for the end of the previous sentence.
_OPENERS = " \t\u00a0\u202f\u2009«»“”„\"'’()[]"
_SENTENCE_END = ".!?…:;-–—•*"

_MONTHS_AND_DAYS = frozenset(
    {
        "janvier", "fevrier", "mars", "avril", "mai", "juin", "juillet", "aout", "septembre",
        "octobre", "novembre", "decembre", "lundi", "mardi", "mercredi", "jeudi", "vendredi",
        "samedi", "dimanche", "january", "february", "march", "april", "may", "june", "july",
        "august", "september", "october", "november", "december", "jan", "feb", "mar", "apr",
        "jun", "jul", "aug", "sep", "sept", "oct", "nov", "dec", "monday", "tuesday", "wednesday",
        "thursday", "friday", "saturday", "sunday",
    }
)  # fmt: skip
_COURTESY_TITLES = frozenset({"m", "mm", "mme", "mmes", "mlle", "mlles", "me", "mr", "mrs", "ms", "dr", "pr"})

# Capitalised at the start of a sentence, these are ordinary words, not names.
_SENTENCE_STARTERS = frozenset(
    {
        # French
        "le", "la", "les", "l", "un", "une", "des", "du", "de", "d", "au", "aux", "ce", "cet",
        "cette", "ces", "celui", "celle", "ceux", "cela", "ceci", "il", "elle", "ils", "elles",
        "on", "nous", "vous", "je", "lui", "leur", "leurs", "son", "sa", "ses", "notre", "nos",
        "votre", "vos", "selon", "et", "ou", "mais", "donc", "or", "ni", "car", "puis", "par",
        "pour", "dans", "en", "avec", "sans", "sur", "sous", "entre", "depuis", "pendant", "lors",
        "après", "avant", "alors", "ainsi", "aussi", "aucun", "aucune", "tous", "toutes", "tout",
        "toute", "chaque", "plusieurs", "certains", "certaines", "cependant", "toutefois",
        "néanmoins", "pourtant", "outre", "enfin", "ensuite", "encore", "déjà", "désormais",
        "photo", "qui", "que", "quand", "si", "comme", "parmi", "malgré", "face", "vers", "dès",
        "jusqu", "quelque", "quelques", "autre", "autres", "même", "seul", "seule", "hier",
        "aujourd", "demain", "ici", "là", "voici", "voilà", "y", "ne", "non", "oui",
        # English
        "the", "a", "an", "he", "she", "it", "they", "we", "i", "you", "his", "her", "its",
        "their", "our", "this", "that", "these", "those", "according", "in", "at", "by",
        "for", "from", "to", "with", "without", "of", "as", "after", "before", "during", "while",
        "when", "if", "but", "and", "so", "also", "however", "meanwhile", "moreover",
        "both", "all", "some", "many", "most", "such", "there", "here", "what", "which", "who",
        "under", "over", "about", "since", "until", "despite", "earlier", "later", "last", "next",
        "yesterday", "today", "tomorrow", "officials", "another", "other", "each", "every", "no",
        "not", "yes", "then", "than", "although", "though", "because", "amid", "following",
        "more", "less", "fewer", "nearly", "almost", "around", "approximately", "roughly", "only",
        "just", "even", "still", "now", "once", "further", "furthermore", "additionally",
        "instead", "thus", "therefore", "hence", "overall", "together", "currently", "recently",
        "previously", "initially", "finally", "first", "second", "third", "one", "two", "three",
        "four", "five", "six", "seven", "eight", "nine", "ten", "several", "few", "any", "none",
        "neither", "either", "whether", "where", "why", "how", "upon", "within", "against",
        "among", "between", "through", "into", "across", "toward", "towards", "via", "up", "out",
        "will", "would", "can", "could", "should", "must", "has", "have", "had", "is", "are",
        "was", "were", "do", "does", "did", "new", "key", "top", "my", "your",
        # French again: adverbs, quantifiers and numbers that open summary bullets
        "plus", "moins", "près", "environ", "presque", "seulement", "également", "notamment",
        "actuellement", "récemment", "auparavant", "abord",
        "premier", "première", "deux", "trois", "quatre", "cinq", "dix", "nouveau", "nouvelle",
        "où", "comment", "pourquoi", "afin", "lorsque", "puisque", "tandis", "bien", "très",
        "est", "sont", "sera", "seront", "ont", "était", "étaient",
    }
)  # fmt: skip
_SENTENCE_STARTERS = frozenset(fold(word) for word in _SENTENCE_STARTERS)

# Lowercase words allowed between two capitalised words of one name ("Corée du Nord", "Mer de
# l'Est", "Bank of Korea"). A sequence must open with one of the first set.
_PARTICLES_FIRST = frozenset({"de", "du", "des", "d", "of", "van", "von"})
_PARTICLES_NEXT = frozenset({"la", "l", "le", "les", "the"})
# Lowercase adjectives that end French institution names ("Union européenne", "Nations unies").
_NAME_ADJECTIVES = frozenset(
    {
        "européenne", "européen", "européennes", "européens", "nationale", "national",
        "nationales", "nationaux", "unies", "unis", "populaire", "démocratique", "fédérale",
        "fédéral", "étrangères", "étrangère", "étranger", "étrangers", "internationale",
        "international", "internationaux", "olympiques", "olympique", "islamique", "centrale",
        "central", "mondiale", "mondial", "spatiale", "spatial", "atomique", "monétaire",
        "suprême", "africaine", "asiatique", "arabe", "socialiste", "constitutionnel",
        "constitutionnelle", "militaire",
    }
)  # fmt: skip
_NAME_ADJECTIVES = frozenset(fold(word) for word in _NAME_ADJECTIVES)  # MT output may drop accents
# English descriptions written before a name. Only a run that starts with words of this set and
# contains a head title ("Minister", "President") is cut, so "Foreign Ministry" stays whole.
_TITLE_MODIFIERS = frozenset(
    {
        "foreign", "prime", "vice", "deputy", "unification", "defense", "defence", "finance",
        "trade", "industry", "interior", "justice", "first", "special", "senior", "chief", "high",
        "former", "acting", "general", "security", "national", "presidential", "executive",
    }
)  # fmt: skip
_HEAD_TITLES = frozenset(
    {
        "president", "minister", "secretary", "secretary-general", "ambassador", "chairman",
        "chairwoman", "chair", "leader", "director", "director-general", "envoy", "spokesperson",
        "spokesman", "spokeswoman", "premier", "mayor", "commissioner", "representative",
        "adviser", "advisor", "governor", "senator", "gen", "lt", "col", "adm", "sen", "rep",
        "gov", "king", "queen", "pope", "chancellor", "officer",
    }
)  # fmt: skip

_KO_LATIN_WORD = r"[A-Z][A-Za-z0-9]*(?:-[A-Za-z0-9]+)*"
_KO_LATIN_NAME_RE = re.compile(rf"(?<![A-Za-z0-9]){_KO_LATIN_WORD}(?: {_KO_LATIN_WORD})*(?![A-Za-z0-9])")


@dataclass(frozen=True)
class _Token:
    text: str
    start: int
    end: int
    adjacent: bool  # joined to the previous token by spaces on one line, or by an elision apostrophe
    sentence_initial: bool
    elided: bool  # a French elided word ("L'", "d'", "Qu'"), never part of a name but as a particle

    @property
    def key(self) -> str:
        return fold(self.text)

    @property
    def capitalised(self) -> bool:
        return self.text[0].isupper()


def _tokens(text: str) -> list[_Token]:
    tokens: list[_Token] = []
    prev_end = 0
    prev_text = ""
    for m in _TOKEN_RE.finditer(text):
        gap = text[prev_end : m.start()]
        adjacent = bool(tokens) and (bool(_INLINE_SPACE_RE.fullmatch(gap)) or (gap in _APOSTROPHES))
        core = gap.strip(_OPENERS)
        if not tokens:
            initial = not text[: m.start()].strip(_OPENERS + _SENTENCE_END + "\n\r")
        elif "\n" in gap or "\r" in gap:
            initial = True
        else:
            # "M. Park": the dot of a courtesy title or an initial does not end a sentence.
            after_abbreviation = core == "." and (fold(prev_text) in _COURTESY_TITLES or len(prev_text) == 1)
            initial = bool(core) and core[-1] in _SENTENCE_END and not after_abbreviation
        elided = text[m.end() : m.end() + 1] in _APOSTROPHES and m.group().lower() in _ELISIONS
        tokens.append(_Token(m.group(), m.start(), m.end(), adjacent, initial, elided))
        prev_end = m.end()
        prev_text = m.group()
    return tokens


def _peel_titles(run: list[_Token]) -> list[_Token]:
    """Drop English job titles before a name: "Foreign Minister Cho Tae-yul" → "Cho Tae-yul"."""
    cut = 0
    for i, token in enumerate(run[:-1]):
        key = token.key.replace(" ", "-")
        if key in _HEAD_TITLES:
            cut = i + 1
        elif key not in _TITLE_MODIFIERS:
            break
    return run[cut:]


def _latin_runs(text: str, lang: str) -> list[list[_Token]]:
    tokens = _tokens(text)
    lowercase_words = {t.text for t in tokens if t.text.islower()}

    def excluded(token: _Token) -> bool:
        key = token.key
        return key in _MONTHS_AND_DAYS or key in _COURTESY_TITLES or token.elided or not token.capitalised

    def starts_name(token: _Token) -> bool:
        if excluded(token):
            return False
        if token.sentence_initial and not token.text.isupper():
            # An ordinary word capitalised because it opens the sentence.
            return token.key not in _SENTENCE_STARTERS and token.text.lower() not in lowercase_words
        return True

    runs: list[list[_Token]] = []
    i = 0
    n = len(tokens)
    while i < n:
        if not starts_name(tokens[i]):
            i += 1
            continue
        run = [tokens[i]]
        k = i + 1
        in_adjectives = False
        while k < n and tokens[k].adjacent:
            token = tokens[k]
            if not in_adjectives and token.capitalised and not excluded(token):
                run.append(token)
                k += 1
            elif lang == "fr" and token.text.islower() and token.key in _NAME_ADJECTIVES:
                run.append(token)
                in_adjectives = True  # an adjective ends the name: "Union européenne Cho" is two
                k += 1
            elif not in_adjectives and token.text in _PARTICLES_FIRST:
                p = k + 1
                while p < n and tokens[p].adjacent and tokens[p].text in _PARTICLES_NEXT:
                    p += 1
                if p < n and tokens[p].adjacent and tokens[p].capitalised and not excluded(tokens[p]):
                    run.extend(tokens[k : p + 1])
                    k = p + 1
                else:
                    break
            else:
                break
        run = _peel_titles(run) if lang == "en" else run
        if len(run) > 1 or len(run[0].text) > 1:
            runs.append(run)
        i = k
    return runs


def find_entities(text: str, lang: str) -> list[EntityMention]:
    """Every candidate name in ``text``, in text order, repeats included (see the module docstring)."""
    if lang not in CODES:
        raise ValueError(f"unsupported language {lang!r}; expected 'fr', 'en' or 'ko'")
    if lang == "ko":
        return [
            EntityMention(m.group(), m.start(), m.end())
            for m in _KO_LATIN_NAME_RE.finditer(text)
            if len(m.group()) > 1  # "A씨" is an anonymised person, not a name
            and not (m.start() > 0 and _is_word_char(text[m.start() - 1]))
            and not (m.end() < len(text) and _is_word_char(text[m.end()]))
        ]
    mentions = []
    for run in _latin_runs(text, lang):
        start, end = run[0].start, run[-1].end
        mentions.append(EntityMention(text[start:end], start, end))
    return mentions


def extract_entities(text: str, lang: str) -> list[str]:
    """Candidate names in ``text`` ("Corée du Nord", "Cho Tae-yul", "UE"), first occurrences only.

    Two surface forms that ``entity_in`` would treat as the same name ("Séoul", "SÉOUL") are
    returned once, as first written.
    """
    seen: set[str] = set()
    names: list[str] = []
    for mention in find_entities(text, lang):
        key = fold(mention.text)
        if key not in seen:
            seen.add(key)
            names.append(mention.text)
    return names


def _is_word_char(ch: str) -> bool:
    """A letter or digit of an alphabetic script: next to a name, it makes the name part of a word.

    Hangul and CJK characters do not count, since Korean glues particles to names ("KASA는").
    """
    if not ch.isalnum():
        return False
    code = ord(ch)
    return not (
        0x1100 <= code <= 0x11FF  # Hangul jamo
        or 0x3000 <= code <= 0x9FFF  # CJK symbols, kana, compatibility jamo, ideographs
        or 0xAC00 <= code <= 0xD7AF  # Hangul syllables
        or 0xF900 <= code <= 0xFAFF  # CJK compatibility ideographs
    )


def entity_in(entity: str, text: str) -> bool:
    """True when ``entity`` occurs in ``text`` as whole words.

    Tolerant of case, diacritics ("Seoul" is found in "SÉOUL"), typographic apostrophes, and
    hyphens versus spaces versus nothing between the words of the name ("Tae-yul", "Tae yul",
    "Taeyul"). No other equivalence: a name and its translation ("Corée du Nord", "North Korea")
    do not match. A Hangul name needs no word boundary, since Korean glues particles to names.
    """
    words = fold(entity).split()
    if not words:
        return False
    folded = fold(text)
    # A lookahead finds overlapping occurrences: the first one may sit inside a longer word.
    pattern = re.compile("(?=(" + r"\s?".join(re.escape(word) for word in words) + "))")
    check_before = _is_word_char(words[0][0])
    check_after = _is_word_char(words[-1][-1])
    for m in pattern.finditer(folded):
        start, end = m.start(1), m.end(1)
        if check_before and start > 0 and _is_word_char(folded[start - 1]):
            continue
        if check_after and end < len(folded) and _is_word_char(folded[end]):
            continue
        return True
    return False
