"""ROUGE tokenization per language.

rouge-score's default tokenizer keeps only ``[a-z0-9]`` runs: Korean text becomes empty (ROUGE 0 for any
pair) and French words lose their accents ("élève" and "eleve" become the same token, "répondu" becomes
"r", "pondu"). These tokenizers keep every script:

* ``fr`` / ``en``: Unicode word tokens, lower-cased, accents kept (text is NFC-normalised first, so
  composed and decomposed accents are the same token). Underscores and punctuation are dropped.
  Apostrophes split words and are dropped: "l'espace" and "l’espace" are ``["l", "espace"]``,
  "aujourd'hui" is ``["aujourd", "hui"]`` and "don't" is ``["don", "t"]`` (the elided article stays a
  token of its own, so it still counts for ROUGE-2/L adjacency). Numbers keep their inner separators:
  "2,5", "3.000", "3 000" with a (narrow) no-break space are one token each; a plain space is a word
  break ("en 2023 10 personnes" is two numbers), and a trailing "." or "," is punctuation.
* ``ko``: morphemes from the Kiwi analyzer (PyPI ``kiwipiepy``, model in ``kiwipiepy_model``), as
  surface forms, lower-cased, without punctuation and symbol morphemes (tags SF, SP, SS, SSO, SSC, SE,
  SO, SW, W_EMOJI); numbers (SN), Latin (SL), Hanja (SH), URLs, hashtags and so on are kept. Kiwi
  splits particles and endings from their stems, so "서울에서" and "서울은" share the morpheme "서울".
  If kiwipiepy cannot be imported or its model cannot be loaded, Korean falls back to Hangul syllables
  plus Unicode words for everything else, and :func:`rouge_tokenizer_name` says so.

The analyzer is loaded lazily, once per process, under a lock; a loaded ``Kiwi`` object may be shared
by threads (kiwipiepy documents concurrent ``tokenize`` calls on one instance).
"""

from __future__ import annotations

import importlib
import logging
import re
import threading
import unicodedata
from dataclasses import dataclass
from typing import Any

from service.languages import CODES

log = logging.getLogger(__name__)

LANGS: frozenset[str] = frozenset(CODES)

_NUMBER = r"\d+(?:[.,\u00a0\u202f]\d+)+"
_WORD = re.compile(rf"{_NUMBER}|[^\W_]+", re.UNICODE)
_HANGUL_SYLLABLE = "\uac00-\ud7a3"
_KO_FALLBACK = re.compile(rf"{_NUMBER}|[{_HANGUL_SYLLABLE}]|[^\W_{_HANGUL_SYLLABLE}]+", re.UNICODE)

# Kiwi (Sejong-based) tags of punctuation and symbols: not content for ROUGE.
_KIWI_DROPPED_TAGS: frozenset[str] = frozenset({"SF", "SP", "SS", "SSO", "SSC", "SE", "SO", "SW", "W_EMOJI"})

WORDS_TOKENIZER = "unicode-words-lower"
KO_FALLBACK_TOKENIZER = "hangul-syllables+unicode-words-lower(kiwipiepy-unavailable)"


@dataclass(frozen=True)
class _KiwiState:
    """The outcome of loading Kiwi: the analyzer and its version, or None for both."""

    analyzer: Any | None
    version: str | None


_kiwi_lock = threading.Lock()
_kiwi_cache: dict[str, _KiwiState] = {}  # "state": the outcome of the one load attempt


def _load_kiwi() -> _KiwiState:
    try:
        # Imported by name: kiwipiepy ships no type information (no py.typed marker).
        kiwipiepy = importlib.import_module("kiwipiepy")
        analyzer = kiwipiepy.Kiwi()
        version = str(kiwipiepy.__version__)
    except Exception as exc:  # ImportError, a missing or broken model, an unsupported platform
        log.warning("kiwipiepy unavailable (%s); Korean ROUGE falls back to Hangul syllables", exc)
        return _KiwiState(None, None)
    return _KiwiState(analyzer, version)


def _kiwi() -> _KiwiState:
    state = _kiwi_cache.get("state")
    if state is None:
        with _kiwi_lock:
            state = _kiwi_cache.get("state")
            if state is None:
                state = _kiwi_cache["state"] = _load_kiwi()
    return state


def _lang(lang: str) -> str:
    code = lang.replace("_", "-").split("-")[0].lower()
    if code not in LANGS:
        raise ValueError(f"no ROUGE tokenizer for language {lang!r} (supported: {', '.join(sorted(LANGS))})")
    return code


def rouge_tokens(text: str, lang: str) -> list[str]:
    """The ROUGE tokens of ``text`` in language ``lang`` (``fr``, ``en`` or ``ko``); see the module doc."""
    code = _lang(lang)
    text = unicodedata.normalize("NFC", text)
    if code == "ko":
        analyzer = _kiwi().analyzer
        if analyzer is None:
            return [t.lower() for t in _KO_FALLBACK.findall(text)]
        return [
            str(token.form).lower()
            for token in analyzer.tokenize(text)
            if str(token.tag) not in _KIWI_DROPPED_TAGS
        ]
    return [t.lower() for t in _WORD.findall(text)]


def rouge_tokenizer_name(lang: str) -> str:
    """The name of the tokenizer :func:`rouge_tokens` uses for ``lang``, for metric signatures.

    ``"unicode-words-lower"`` for French and English; ``"kiwi-<version>-morphs-lower-nopunct"`` for
    Korean, or ``KO_FALLBACK_TOKENIZER`` when kiwipiepy is unavailable (this loads the analyzer).
    """
    if _lang(lang) == "ko":
        state = _kiwi()
        if state.analyzer is None:
            return KO_FALLBACK_TOKENIZER
        return f"kiwi-{state.version}-morphs-lower-nopunct"
    return WORDS_TOKENIZER
