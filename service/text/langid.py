"""A small, dependency-free language identifier for French, English and Korean.

``detect`` answers the API's ``"source": "auto"`` and the LibreTranslate-compatible ``POST /detect``
endpoint; ``best_language`` picks one code or falls back to a default. Only fr/en/ko are named;
everything else is ``"und"`` (undetermined): other languages, other scripts, and text too short or
too bare to tell. Pure Python, deterministic, no data files. Only the first ``_MAX_CHARS`` characters
are read; the 1,900-character sample dispatch takes about 1.6 ms on a slow shared 2-core VM, 0.4 ms
once its words have been seen (per-word scores are cached), a sentence 50 to 300 µs.

How it decides
--------------
1. **Script.** After NFKC normalisation the letters are counted by script: Hangul (syllables weigh 3,
   loose jamo 1), Latin (1), and everything else (Han 3, kana 1.5, Cyrillic, Arabic, Greek, ... 1). The
   weights make a syllable or a Han character count like the two or three Latin letters it stands for,
   so Korean text quoting "EU", "ICBM" or "Galaxy S24" is still overwhelmingly Korean, and digits and
   punctuation count for nothing. The weighted shares, sharpened (``share ** 4``, renormalised), give
   the probability of each script: Hangul goes to ``ko``, other scripts to ``und`` (Japanese, Chinese,
   Russian, ... are not ours to name), and the Latin share is split by step 2.

2. **Latin text: naive Bayes over words.** The Latin part is cut into lowercase words; French elisions
   (``l'``, ``d'``, ``qu'``, ``n'``, ``s'``, ``c'``, ``j'``, ``jusqu'``...) and English clitics (``'s``,
   ``n't``, ``'re``...) become tokens of their own. Eight classes score every token:

   - ``fr`` and ``en``, whose lexicons hold the frequent function words of news prose (French: de, la, le,
     les, des, du, et, est, une, dans, pour, que, qui, a, au, aux, sur, pas, par...; English: the, of,
     and, to, in, is, was, for, that, on, with...) with rough per-token frequencies;
   - ``es``, ``pt``, ``it``, ``de``, ``nl``, with short lexicons of their own function words: they exist
     so that Spanish or German text is answered ``und`` rather than forced onto French or English;
   - ``xx``, any other Latin-script language, with no lexicon at all.

   A lexicon word scores ``log(frequency)`` in a class that lists it and ``log(0.5 * 1e-4)`` in one
   that does not (half of running text is words outside the lexicon, 1e-4 being the chance of one
   particular such word). A word in no lexicon starts level in every class, so a content word moves
   nothing by itself, and then earns small hand-set bonuses (in nats): accented letters (é è ê à ç ù â
   î ô û œ ë ï count for French and, less, for the Romance languages sharing them; ñ ä ö ü ß å ø ł ş ...
   for the others) and, for ordinary words only, endings and letter groups (English -ing, -ly, -ness,
   -ed, th, wh, ght, final -y; French -eau(x), -eux, -aient, -ait, -ez, -ont, oi; German sch, -ung,
   -keit; Dutch ij; Italian -zione...). Ambiguous endings such as -tion or -ment earn nothing.
   Names and acronyms are not ordinary words: a capitalised word that does not open the text, a
   sentence or a quotation ("Son", "Moon"), the lowercase parts of a hyphenated name ("Jong-un",
   "Jae-in", "Jong-il"), all-caps words of two to four letters ("UN", "US", "NATO"). They skip the
   lexicons and only their accents count; text of three words or more mostly in capitals is read as
   ordinary words.
   Log priors (fr .30, en .25, es/pt/it/de/nl .06 each, xx .15) plus the token scores go through a
   softmax; fr and en keep their posterior, the other six classes become ``und``.

3. **Combination.** ``fr = P(Latin) * P(fr | Latin)``, ``en = P(Latin) * P(en | Latin)``,
   ``ko = P(Hangul)``, ``und`` = the rest. Confidences are percentages rounded to 0.1 so that they sum
   to exactly 100.0; the list is sorted, most likely first.

Consequences worth knowing: one function word or greeting ("le", "the", "Bonjour", "Hello") or an
accented French word ("Séoul") is enough for a confident answer; "a" alone is not. Text with
no evidence at all (names, "COVID-19", "Olympic Games", a headline of bare content words) stays at the
priors, so ``und`` (45 %) comes first and ``best_language`` answers its default. Sentences of eight
words or more in fr/en/ko come out at 100 % (to the 0.1 shown); so do German, Spanish, Italian,
Portuguese, Dutch and most other Latin-script sentences as ``und``.
"""

from __future__ import annotations

import math
import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

from service.languages import CODES

__all__ = ["SUPPORTED", "UNDETERMINED", "LanguageGuess", "best_language", "detect"]

SUPPORTED = CODES
UNDETERMINED = "und"

# Detection reads at most this many characters: more text does not change the answer in practice.
_MAX_CHARS = 5000
# ``best_language`` answers a language only from this confidence (a majority of the probability) up.
_MIN_CONFIDENCE = 50.0


@dataclass(frozen=True)
class LanguageGuess:
    """One candidate answer of ``detect``."""

    language: str  # "fr" | "en" | "ko" | "und"
    confidence: float  # 0..100


# --- scripts -----------------------------------------------------------------------------------------

_LATIN = "A-Za-z\u00c0-\u00d6\u00d8-\u00f6\u00f8-\u024f\u1e00-\u1eff"
_BEYOND_LATIN_RE = re.compile("[^\x00-\u024f\u1e00-\u1eff]+")
_LETTER_RUN_RE = re.compile(r"[^\W\d_]+")
_HANGUL_SYLLABLES_RE = re.compile("[\uac00-\ud7a3]+")
_HANGUL_JAMO_RE = re.compile("[\u1100-\u11ff\u3130-\u318f\ua960-\ua97f\ud7b0-\ud7ff\uffa0-\uffdc]+")
_HAN_RE = re.compile("[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0003134f]+")
_KANA_RE = re.compile("[\u3040-\u30ff\u31f0-\u31ff]+")

_HANGUL_SYLLABLE_WEIGHT = 3.0
_HAN_WEIGHT = 3.0
_KANA_WEIGHT = 1.5
_SCRIPT_SHARPNESS = 4

# --- Latin words -------------------------------------------------------------------------------------

_APOSTROPHE_RE = re.compile("[’‘ʼ′`´]")
# A capitalised word is read as an ordinary word only after one of these (or at the very start).
_OPENERS = '.!?:;…«»"“”()[]{}-–—•*/|\n'
# (opener before the word, if any; the word, hyphens and apostrophes included)
_TOKEN_RE = re.compile(rf"([{re.escape(_OPENERS)}]\s*)?([{_LATIN}]+(?:['-][{_LATIN}]+)*)")
# Elided forms split off the front of a word (French, then Italian): "l'Union" -> "l'" + "Union".
_FRENCH_ELISIONS = {"l", "d", "qu", "n", "s", "c", "j", "m", "t", "jusqu", "lorsqu", "puisqu", "quoiqu"}
_ELISIONS = frozenset(
    _FRENCH_ELISIONS | {"quelqu", "presqu", "dell", "all", "nell", "sull", "dall", "un", "quest"}
)
_ENGLISH_CLITICS = ("n't", "'s", "'re", "'ve", "'ll", "'d", "'m")
# All-caps words of 2 to this many letters are acronyms (UN, EU, NATO); longer ones are words.
_ACRONYM_LENGTH = 4
# Text of a few words or more, mostly in all caps, is read as ordinary words, acronyms included.
_SHOUTING_SHARE = 0.6
_SHOUTING_WORDS = 3

_CLASSES = ("fr", "en", "es", "pt", "it", "de", "nl", "xx")
_FR, _EN, _ES, _PT, _IT, _DE, _NL, _XX = range(len(_CLASSES))
_PRIORS = (0.30, 0.25, 0.06, 0.06, 0.06, 0.06, 0.06, 0.15)
# Probability of one particular word outside a class's lexicon, before the class's unknown mass.
_FLOOR = 1e-4
_MAX_BONUS = 4.0
# Share of running text left to words outside a class's lexicon. The same for every class, "xx" (no
# lexicon) included: those languages have function words too, we just do not list them. So a content
# word moves no class by itself; only function words, letters and spelling patterns do.
_UNKNOWN_MASS = 0.5

# Function words with rough per-token frequencies in news prose. Greetings and courtesy words are
# listed far above their news frequency: they are what short inputs ("Bonjour", "Hello") consist of.
_LEXICONS: dict[int, dict[float, str]] = {
    _FR: {
        0.040: "de",
        0.020: "la le l' les et",
        0.015: "des à d'",
        0.010: "en du un une a",
        0.006: "pour dans que qui au est sur par il",
        0.004: "ont ne pas se plus avec ce n' qu' s' aux son été",
        0.003: "sa ses leur elle ils comme cette ces sont selon mais ou c' on y bonjour merci salut bonsoir",
        0.002: "entre après deux dont était avait fait tout tous aussi nous contre depuis lors très ainsi "
        "encore où si sans sous être avoir sera même déjà",
        0.001: "leurs elles je j' vous avant vers chez car donc alors quand puis afin notamment lorsqu' "
        "jusqu' puisqu' m' t' cet celle celui ceux aucun aucune chaque autre autres beaucoup peu moins "
        "non oui trop bien fois an ans année années pays président gouvernement ministre ministère nord "
        "sud corée séoul mardi lundi mercredi jeudi vendredi samedi dimanche janvier février mars avril "
        "mai juin juillet août septembre octobre novembre décembre millions milliards déclaré annoncé "
        "indiqué affirmé également premier première nouveau nouvelle dernier dernière état états "
        "pourrait doit peut faire aujourd'hui ai avons avez",
        # Frequent news words that are not English, for headlines with few function words.
        0.0003: "hausse baisse fin grève tir tirs victoire défaite sommet prix marché marchés croissance "
        "emploi entreprise entreprises élection élections guerre paix sécurité loi tribunal équipe saison "
        "joueur joueurs ville école santé eau neige tempête pluie pluies chaleur hier demain lance lancé "
        "signe reçoit annonce dévoile appelle rencontre visite veut chef dirigeant dirigeants médecins "
        "étudiants enfants salariés ventes exportations importations taux économie monde mondial mondiale",
    },
    _EN: {
        0.050: "the",
        0.025: "of and to",
        0.018: "in a",
        0.010: "is that for on",
        0.008: "it was with as said by 's",
        0.005: "at he from his be has have are an not this",
        0.003: "its were been will would but or they had which who their we i also after more hello "
        "thanks thank please",
        0.002: "than into about over up out new year years two first last one there when if so can could "
        "should may what all some other such no her she you these those our while during under between "
        "against because percent million billion n't",
        0.001: "him them my your me do does did being most many any only just very how where then now well "
        "since before through both each government president minister ministry north south korea korean "
        "seoul monday tuesday wednesday thursday friday saturday sunday january february march april "
        "june july august september october november december according told says say announced "
        "officials people country countries world week month held yes 're 've 'll 'd 'm",
        # Frequent news words that are not French, for headlines with few function words; and French
        # function words that are also (rare) English words.
        0.0003: "high hit hits end ends strike talks win wins set sets top off back down amid urges vows "
        "plans seeks calls warns eyes slams rise rises fall falls jumps drops hold holds meet meets fire "
        "fires launch launches deal bill poll chief market markets price prices growth trade team game "
        "games season war peace security election party company companies firms output workers doctors "
        "students children city state home school health water weather snow storm heavy big still again "
        "next today yesterday tomorrow news day days time military nuclear report reports "
        "son plus car pour",
    },
    _ES: {
        0.050: "de",
        0.035: "la que el",
        0.025: "en y los",
        0.015: "del se las por un con no una su para es al",
        0.002: "lo como más pero sus le ya o fue ha este esta entre cuando muy sin sobre también hasta hay "
        "donde desde todo nos durante todos uno les ni contra otros ese eso ante ellos e esto antes "
        "algunos unos yo otro otras otra él tanto esa estos según dijo años gobierno presidente ser son "
        "está están era han hola gracias",
    },
    _PT: {
        0.050: "de",
        0.030: "a o que e do da em",
        0.015: "um para é com não uma os no se na por",
        0.002: "mais as dos como mas foi ao ele das tem à seu sua ou ser quando muito há nos já está eu "
        "também só pelo pela até isso ela entre era depois sem mesmo aos ter seus quem nas esse eles "
        "estão você foram essa nem suas às elas havia será lhe governo presidente disse segundo anos "
        "olá obrigado",
    },
    _IT: {
        0.040: "di",
        0.030: "e il la che",
        0.015: "a in per un del è non una le i",
        0.002: "da con si della al dei gli lo delle nel alla ma più come sono anche ha ci l' questo dell' "
        "all' nell' sul suo sua dal hanno essere stato era se tra o perché quando già cui loro molto "
        "ancora fra nella degli sulla dalla un' sull' dall' quest' governo presidente detto secondo anni "
        "ciao grazie",
    },
    _DE: {
        0.035: "der die und",
        0.006: "in den von zu das mit sich des auf für ist im dem nicht ein eine als auch es an werden aus "
        "er hat dass sie nach wird bei einer um am sind noch wie einem über einen so zum war haben nur "
        "oder aber vor zur bis mehr durch man sein wurde sei",
        0.002: "regierung präsident sagte jahren jahr hallo danke",
    },
    _NL: {
        0.035: "de van het een en",
        0.006: "in is dat op te zijn met voor niet aan er die ook als bij door om maar dan wordt uit werd "
        "nog ze over naar hij tot was heeft worden kan zich meer hebben deze geen wel moet",
        0.002: "jaar regering president zei volgens hallo bedankt",
    },
}

# Accented letters: bonus (in nats) per class for a word holding the letter; a word gets the largest
# bonus among its letters. Latin letters absent from this table count for "xx" only.
_LETTER_BONUS: dict[str, dict[int, float]] = {
    "é": {_FR: 2.0, _ES: 1.2, _PT: 1.2, _IT: 1.0, _NL: 0.5, _XX: 0.8},
    "è": {_FR: 2.0, _IT: 1.5, _XX: 0.5},
    "ê": {_FR: 2.0, _PT: 1.5, _XX: 0.8},
    "ë": {_FR: 1.2, _NL: 1.2, _XX: 0.8},
    "à": {_FR: 2.0, _IT: 1.5, _PT: 1.0, _XX: 0.5},
    "â": {_FR: 2.0, _PT: 1.5, _XX: 0.8},
    "î": {_FR: 2.0, _XX: 1.0},
    "ï": {_FR: 1.5, _NL: 1.0},
    "ô": {_FR: 2.0, _PT: 1.5, _XX: 0.8},
    "û": {_FR: 2.0},
    "ù": {_FR: 2.0, _IT: 0.8},
    "ç": {_FR: 2.0, _PT: 2.0, _XX: 1.0},
    "œ": {_FR: 3.0},
    "æ": {_FR: 0.5, _XX: 3.0},
    "ÿ": {_FR: 1.0},
    "á": {_ES: 2.0, _PT: 1.5, _XX: 1.5},
    "í": {_ES: 2.0, _PT: 1.5, _XX: 1.5},
    "ó": {_ES: 2.0, _PT: 1.5, _IT: 0.3, _XX: 1.2},
    "ú": {_ES: 2.0, _PT: 1.0, _XX: 1.2},
    "ñ": {_ES: 3.0},
    "ã": {_PT: 3.0, _XX: 0.8},
    "õ": {_PT: 3.0, _XX: 1.0},
    "ì": {_IT: 2.0},
    "ò": {_IT: 2.0},
    "ä": {_DE: 2.5, _XX: 1.5},
    "ö": {_DE: 2.5, _XX: 1.5},
    "ü": {_DE: 2.5, _XX: 1.5},
    "ß": {_DE: 3.0},
}
_OTHER_LETTER_BONUS: dict[int, float] = {_XX: 3.0}

# Spelling patterns of ordinary words outside the lexicons, as plain string tests (much faster than
# regexes): (endings, shortest word length, bonus per class) and (letter groups, bonus per class).
_ENDING_RULES: tuple[tuple[tuple[str, ...], int, dict[int, float]], ...] = (
    # English
    (("ing", "ings"), 6, {_EN: 1.5}),
    (("ed",), 5, {_EN: 0.8}),
    (("ly",), 4, {_EN: 1.2}),
    (("ness", "ship", "ful", "less", "ward"), 5, {_EN: 1.5}),
    (
        ("by", "cy", "dy", "fy", "gy", "hy", "ky", "ly", "my", "ny", "py", "ry", "sy", "ty", "vy"),
        4,
        {_EN: 0.8},
    ),
    # French
    (("eau", "eaux", "eux", "aux"), 3, {_FR: 1.5}),
    (("aient",), 6, {_FR: 2.0}),
    (("ait", "ais"), 5, {_FR: 1.0}),
    (("ez",), 4, {_FR: 1.2, _ES: 0.5}),
    (("ont",), 5, {_FR: 1.0}),
    (("euse", "euses", "eurs"), 5, {_FR: 1.0}),
    (("ique", "iques"), 5, {_FR: 1.0, _EN: 0.3}),
    (("x",), 4, {_FR: 0.6, _EN: 0.2}),
    # Spanish, Portuguese, Italian, German
    (("ado", "ada", "ido", "ida", "ados", "adas", "idos", "idas"), 4, {_ES: 1.2, _PT: 1.2, _IT: 0.5}),
    (("mente",), 7, {_ES: 1.0, _PT: 1.0, _IT: 1.0}),
    (("zione", "zioni"), 6, {_IT: 1.5}),
    (("ung", "keit", "heit", "lich", "chen"), 5, {_DE: 2.0}),
)
_LETTER_GROUP_RULES: tuple[tuple[tuple[str, ...], dict[int, float]], ...] = (
    # English
    (("th",), {_EN: 1.0}),
    (("wh", "ght", "ck"), {_EN: 1.0, _DE: 0.5}),
    (("sh",), {_EN: 0.8}),
    (("w",), {_EN: 0.6, _DE: 0.8, _NL: 0.8, _XX: 0.5}),
    (("k",), {_EN: 0.4, _DE: 0.8, _NL: 1.0, _XX: 0.6}),
    (("ee", "oo"), {_EN: 0.7, _NL: 1.0}),
    # French
    (("oi",), {_FR: 0.8}),
    # Portuguese, Italian, German, Dutch, others
    (("nh", "lh"), {_PT: 1.5}),
    (("gli", "cch", "zz"), {_IT: 1.5}),
    (("sch",), {_DE: 2.0, _NL: 1.0}),
    (("tz",), {_DE: 1.0}),
    (("ij",), {_NL: 2.0}),
    (("aa", "uu"), {_NL: 1.5, _DE: 0.5}),
    (("sz", "cz"), {_XX: 1.5}),
)

# The same rules, flattened for speed: bonuses as (class index, bonus) pairs, one entry per group.
_ENDINGS = tuple((endings, shortest, tuple(bonus.items())) for endings, shortest, bonus in _ENDING_RULES)
_LETTER_GROUPS = tuple(
    (group, tuple(bonus.items())) for groups, bonus in _LETTER_GROUP_RULES for group in groups
)


def _build_word_table() -> tuple[dict[str, tuple[float, ...]], tuple[float, ...]]:
    """Per-class log-probabilities of every lexicon word, and those of a word in no lexicon."""
    lexicons: list[dict[str, float]] = [{} for _ in _CLASSES]
    for index, tiers in _LEXICONS.items():
        for frequency, words in tiers.items():
            for word in words.split():
                lexicons[index][word] = max(frequency, lexicons[index].get(word, 0.0))
    unknown = (math.log(_UNKNOWN_MASS * _FLOOR),) * len(_CLASSES)
    table = {
        word: tuple(
            math.log(lexicon[word]) if word in lexicon else unknown[index]
            for index, lexicon in enumerate(lexicons)
        )
        for word in set().union(*lexicons)
    }
    return table, unknown


_WORD_LOGP, _UNKNOWN_LOGP = _build_word_table()
_LOG_PRIORS = tuple(math.log(prior) for prior in _PRIORS)


@lru_cache(maxsize=8192)
def _unknown_word_logp(word: str, ordinary: bool) -> tuple[float, ...]:
    """Scores of a word outside the lexicons: level, plus letter bonuses and, unless it is a name or an
    acronym (not ``ordinary``), spelling bonuses."""
    bonus = [0.0] * len(_CLASSES)
    if not word.isascii():
        for char in set(word):
            if char.isascii():
                continue
            for index, value in _LETTER_BONUS.get(char, _OTHER_LETTER_BONUS).items():
                bonus[index] = max(bonus[index], value)
    if ordinary:
        length = len(word)
        for endings, shortest, ending_bonus in _ENDINGS:
            if length >= shortest and word.endswith(endings):
                for index, value in ending_bonus:
                    bonus[index] += value
        for group, group_bonus in _LETTER_GROUPS:
            if group in word:
                for index, value in group_bonus:
                    bonus[index] += value
    return tuple(value + min(extra, _MAX_BONUS) for value, extra in zip(_UNKNOWN_LOGP, bonus, strict=True))


def _split_clitics(segment: str) -> list[str]:
    """``l'Union`` -> ``l'``, ``Union``; ``Korea's`` -> ``Korea``, ``'s``; other words unchanged."""
    if "'" not in segment:
        return [segment]
    head, _, tail = segment.partition("'")
    if head.lower() in _ELISIONS:
        return [head + "'", tail]
    lower = segment.lower()
    for clitic in _ENGLISH_CLITICS:
        if lower.endswith(clitic) and len(segment) > len(clitic):
            return [segment[: -len(clitic)], segment[-len(clitic) :]]
    return [segment]


@lru_cache(maxsize=16384)
def _token_logp(token: str, initial: bool, shouting: bool) -> tuple[float, ...]:
    """Summed per-class scores of the parts of one token (a word, maybe hyphenated or with clitics).

    A capitalised word is an ordinary word when ``initial`` (at the start of the text, a sentence or a
    quotation) and a name elsewhere; so are the lowercase parts of a hyphenated name ("Jong-un",
    "Jae-in") and the word after an elision ("l'Union"). All-caps words of two to four letters are
    acronyms, unless the text is ``shouting``. Names and acronyms are not looked up in the lexicons.
    """
    scores: list[tuple[float, ...]] = []
    name = False
    for index, segment in enumerate(token.split("-")):
        for position, part in enumerate(_split_clitics(segment)):
            word = part.lower()
            first = index == 0 and position == 0
            if shouting:
                ordinary = True
            elif part == word:
                ordinary = not name
            elif part.isupper() and len(part.rstrip("'")) >= 2:
                ordinary = len(part.rstrip("'")) > _ACRONYM_LENGTH
            else:
                ordinary = first and initial
            if first:
                name = not ordinary
            logp = _WORD_LOGP.get(word) if ordinary else None
            if logp is None:
                logp = _unknown_word_logp(word, ordinary)
            scores.append(logp)
    return scores[0] if len(scores) == 1 else tuple(map(math.fsum, zip(*scores, strict=True)))


def _latin_posterior(matches: list[tuple[str, str]], shouting: bool) -> tuple[float, ...]:
    """Posterior over ``_CLASSES`` given the Latin-script tokens, as (opener, token) pairs."""
    vectors = [_token_logp(token, opener != "", shouting) for opener, token in matches]
    scores = [
        prior + math.fsum(column)
        for prior, column in zip(_LOG_PRIORS, zip(*vectors, strict=True), strict=True)
    ]
    top = max(scores)
    weights = [math.exp(score - top) for score in scores]
    total = sum(weights)
    return tuple(weight / total for weight in weights)


def _script_shares(latin: int, others: str) -> tuple[float, float, float]:
    """Sharpened probabilities that the text is written in Hangul, in Latin script, in another script.

    ``latin`` counts the Latin letters, ``others`` holds all the other letters.
    """

    def count(pattern: re.Pattern[str]) -> int:
        return sum(map(len, pattern.findall(others)))

    syllables, jamo = count(_HANGUL_SYLLABLES_RE), count(_HANGUL_JAMO_RE)
    han, kana = count(_HAN_RE), count(_KANA_RE)
    rest = len(others) - syllables - jamo - han - kana
    hangul_weight = _HANGUL_SYLLABLE_WEIGHT * syllables + jamo
    other_weight = _HAN_WEIGHT * han + _KANA_WEIGHT * kana + rest
    powered = [weight**_SCRIPT_SHARPNESS for weight in (hangul_weight, float(latin), other_weight)]
    total = sum(powered)
    return powered[0] / total, powered[1] / total, powered[2] / total


def _percentages(probabilities: list[float]) -> list[float]:
    """Probabilities (summing to 1) as percentages with one decimal that sum to exactly 100.0."""
    tenths = [p * 1000.0 for p in probabilities]
    rounded = [math.floor(t) for t in tenths]
    shortfall = 1000 - sum(rounded)
    by_remainder = sorted(range(len(tenths)), key=lambda i: (rounded[i] - tenths[i], i))
    for i in by_remainder[: max(0, shortfall)]:
        rounded[i] += 1
    return [r / 10.0 for r in rounded]


def detect(text: str) -> list[LanguageGuess]:
    """Candidates, most likely first: one each for fr, en, ko and und, confidences summing to 100.0.

    Empty, whitespace-only, digit-only or punctuation-only text (no letters at all) gives
    ``[LanguageGuess("und", 0.0)]``. Text in another script (Cyrillic, Han without Hangul, kana,
    Arabic...) or another Latin-script language puts ``und`` first.
    """
    sample = _APOSTROPHE_RE.sub("'", unicodedata.normalize("NFKC", text[:_MAX_CHARS]))
    matches: list[tuple[str, str]] = _TOKEN_RE.findall("\n" + sample)
    tokens = [token for _, token in matches]
    latin_letters = sum(map(len, tokens))
    # Letters beyond the Latin blocks, found among the (few) characters outside those blocks.
    others = "".join(_LETTER_RUN_RE.findall("".join(_BEYOND_LATIN_RE.findall(sample))))
    if not latin_letters and not others:
        return [LanguageGuess(UNDETERMINED, 0.0)]
    hangul, latin, _ = _script_shares(latin_letters, others)
    if tokens:
        capitalised = sum(map(str.isupper, tokens))
        shouting = len(tokens) >= _SHOUTING_WORDS and capitalised > _SHOUTING_SHARE * len(tokens)
        posterior = _latin_posterior(matches, shouting)
        french, english = latin * posterior[_FR], latin * posterior[_EN]
    else:
        french = english = 0.0
    undetermined = max(0.0, 1.0 - french - english - hangul)
    languages = (*SUPPORTED, UNDETERMINED)
    confidences = _percentages([french, english, hangul, undetermined])
    order = sorted(range(len(languages)), key=lambda i: (-confidences[i], i))
    return [LanguageGuess(languages[i], confidences[i]) for i in order]


def best_language(text: str, default: str | None = None, *, min_confidence: float = _MIN_CONFIDENCE) -> str:
    """The most likely of fr/en/ko, or ``default`` (if given, else "und") when confidence is low.

    Low means: the best candidate is "und", or its confidence is under ``min_confidence`` (a percentage;
    by default 50, i.e. the language must be likelier than everything else together).
    """
    top = detect(text)[0]
    if top.language != UNDETERMINED and top.confidence >= min_confidence:
        return top.language
    return default if default is not None else UNDETERMINED
