"""Extractive bullet summaries of French dispatches, with no model weights.

Sentences are scored by centrality (TF-IDF cosine similarity to the rest of the dispatch) and a
lead bias (news puts the essentials first), after removing what is not content: datelines, photo
credits, captions, bylines and end marks. The best sentences become the bullets, near-duplicates
dropped, in document order, with attribution boilerplate trimmed where the meaning survives.
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections import Counter
from dataclasses import dataclass

from service.models.info import ModelInfo
from service.text.segment import segment

# Weight of centrality against lead position in a sentence's score.
CENTRALITY_WEIGHT = 0.6
# Two candidate bullets sharing this share of their content words say the same thing.
DUPLICATE_JACCARD = 0.6
# A bullet needs a few words to say something.
MIN_WORDS = 6

_STOPWORDS = frozenset(
    """
    a à au aux avec ce ces cet cette d de des du elle elles en et eux il ils je l la le les leur
    leurs lui m ma mais me même mes moi mon n ne ni nos notre nous on ou où par pas pour qu que qui
    s sa sans se ses si son sur t ta te tes toi ton tu un une vos votre vous y été être avoir ont a
    est sont était fait plus selon dont aussi ainsi lors entre après avant depuis sous vers chez
    contre cela ceci tout tous toute toutes très bien peu ans an
    """.split()  # noqa: SIM905 - a word list reads better as text
)

# "SÉOUL, 12 mars (Yonhap) -- ", "BRUXELLES, 06 sept. (Yonhap) – ", "(Yonhap) -- "
_DATELINE = re.compile(
    r"^\s*(?:[A-ZÀ-ÖØ-Þ][A-ZÀ-ÖØ-Þ'’ .-]{1,40},\s*)?(?:\d{1,2}(?:er)?\s+[a-zéû]+\.?\s*)?"
    r"\((?:Yonhap|YONHAP)[^)]*\)\s*(?:--|–|—|-)\s*"
)
_NON_CONTENT = re.compile(
    r"^(?:\(?\s*(?:photo|crédit|credit|image|vidéo|video|infographie|graphique)s?\b[^.]{0,80}\)?\.?$"
    r"|\(?(?:fin|end)\)?\.?$"
    r"|par\s+[A-ZÀ-Ö][\w-]+(?:\s+[A-ZÀ-Ö][\w-]+){0,3}$"
    r"|.*\b(?:yonhap\s*news|yna\.co\.kr)\b\W*$"
    r"|.*@\S+\.\w+.*"
    r"|https?://\S+)",
    re.IGNORECASE,
)
_WORD = re.compile(r"[^\W\d_]+(?:['’-][^\W\d_]+)*|\d+(?:[.,\s]\d+)*", re.UNICODE)
_REPORT_VERBS = (
    r"annoncé|indiqué|déclaré|précisé|affirmé|rapporté|fait savoir|souligné|ajouté|expliqué|"
    r"confirmé|estimé|assuré|révélé|rappelé|noté|signalé"
)
_WEEKDAYS_AND_TIME = (
    r"(?:aujourd'hui|aujourd’hui|hier|ce matin|ce soir|lundi|mardi|mercredi|jeudi|vendredi|samedi|"
    r"dimanche|dans un communiqué|par communiqué)"
)
# ", a annoncé aujourd'hui le ministère de l'Unification." -> ", selon le ministère de l'Unification."
_TRAILING_ATTRIBUTION = re.compile(
    rf",\s+(?:a|ont|avait|avaient)\s+(?:{_REPORT_VERBS})(?:\s+{_WEEKDAYS_AND_TIME})*\s+"
    rf"(?P<who>(?:le|la|les|l['’]|un|une|des)\s*[^,«»\"]{{3,120}}?)\s*(?P<end>[.!?]?)$"
)


@dataclass(frozen=True)
class Candidate:
    """A content sentence that may become a bullet."""

    position: int
    text: str
    words: frozenset[str]
    counts: Counter[str]


def fold(word: str) -> str:
    """Lower-case; keep accents (French meaning depends on them) but unify apostrophes."""
    return unicodedata.normalize("NFC", word.lower().replace("’", "'"))


def content_words(text: str) -> list[str]:
    """Words of ``text`` that carry content (no stopwords, no one-letter tokens)."""
    words = []
    for match in _WORD.finditer(text):
        word = fold(match.group())
        # Elided articles ("l'espace", "d'experts") carry the noun after the apostrophe.
        if "'" in word and word.split("'", 1)[0] in {"l", "d", "qu", "n", "s", "c", "j", "m", "t", "jusqu"}:
            word = word.split("'", 1)[1]
        if len(word) > 1 and word not in _STOPWORDS:
            words.append(word)
    return words


def strip_dateline(sentence: str) -> str:
    """Remove a leading "SÉOUL, 12 mars (Yonhap) --" dateline."""
    stripped = _DATELINE.sub("", sentence, count=1)
    return stripped[:1].upper() + stripped[1:] if stripped else sentence


def is_content(sentence: str) -> bool:
    """False for photo credits, captions, bylines, end marks and other non-sentences."""
    text = sentence.strip()
    if _NON_CONTENT.match(text):
        return False
    words = _WORD.findall(text)
    if len(words) < MIN_WORDS:
        return False
    # A caption or headline line: no final punctuation and mostly capitalised words.
    if text[-1] not in '.!?»"”…)':
        capitalised = sum(1 for w in words if w[:1].isupper())
        if capitalised / len(words) > 0.5 or len(words) < 12:
            return False
    return True


def trim_attribution(sentence: str) -> str:
    """Shorten a trailing reporting clause while keeping who said it.

    "X, a annoncé aujourd'hui le ministère de l'Unification." becomes
    "X, selon le ministère de l'Unification." A quotation keeps its attribution as written.
    """
    if "«" in sentence or "»" in sentence or '"' in sentence:
        return sentence
    match = _TRAILING_ATTRIBUTION.search(sentence)
    if not match:
        return sentence
    return f"{sentence[: match.start()]}, selon {match.group('who').strip()}{match.group('end') or '.'}"


def _candidates(document: str) -> list[Candidate]:
    candidates = []
    for position, sentence in enumerate(s.text for s in segment(document)):
        text = strip_dateline(sentence)
        if not is_content(text):
            continue
        words = content_words(text)
        candidates.append(Candidate(position, text, frozenset(words), Counter(words)))
    return candidates


def _centrality(candidates: list[Candidate]) -> list[float]:
    """Mean TF-IDF cosine similarity of each sentence to the others."""
    n = len(candidates)
    if n < 2:
        return [1.0] * n
    df = Counter(w for c in candidates for w in c.words)
    idf = {w: math.log((1 + n) / (1 + d)) + 1.0 for w, d in df.items()}
    vectors = [{w: tf * idf[w] for w, tf in c.counts.items()} for c in candidates]
    norms = [math.sqrt(sum(v * v for v in vec.values())) or 1.0 for vec in vectors]
    scores = []
    for i, vec in enumerate(vectors):
        total = 0.0
        for j, other in enumerate(vectors):
            if i != j:
                total += sum(weight * other.get(w, 0.0) for w, weight in vec.items()) / (norms[i] * norms[j])
        scores.append(total / (n - 1))
    return scores


def _jaccard(a: frozenset[str], b: frozenset[str]) -> float:
    return len(a & b) / len(a | b) if a and b else 0.0


def summarize_extractive(document: str, n: int) -> list[str]:
    """Pick up to ``n`` content sentences of a French dispatch as bullets, in document order."""
    candidates = _candidates(document)
    if not candidates:
        return []
    centrality = _centrality(candidates)
    top = max(centrality) or 1.0
    scored = []
    for rank, (candidate, central) in enumerate(zip(candidates, centrality, strict=True)):
        lead = 1.0 / (1.0 + 0.35 * rank)
        score = CENTRALITY_WEIGHT * (central / top) + (1 - CENTRALITY_WEIGHT) * lead
        scored.append((score, candidate))
    chosen: list[Candidate] = []
    for _, candidate in sorted(scored, key=lambda item: (-item[0], item[1].position)):
        if any(_jaccard(candidate.words, c.words) >= DUPLICATE_JACCARD for c in chosen):
            continue
        chosen.append(candidate)
        if len(chosen) == n:
            break
    return [trim_attribution(c.text) for c in sorted(chosen, key=lambda c: c.position)]


class ExtractiveSummarizer:
    """The default summarizer: French bullets from the French source, no weights."""

    name = "extractive"
    input_lang = "fr"
    output_langs = frozenset({"fr"})
    prompt_ref: str | None = None
    models: list[ModelInfo] = []  # noqa: RUF012 - read-only, the extractive summarizer has no model

    def summarize(self, document: str, lang: str, n: int) -> list[str]:
        """Bullets for a French ``document``; ``lang`` must be "fr"."""
        if lang != "fr":
            raise ValueError("the extractive summarizer writes French bullets only")
        return summarize_extractive(document, n)
