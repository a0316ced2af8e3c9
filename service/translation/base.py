"""The translation protocol every backend implements, and its small value types."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol, runtime_checkable

from service.models.info import ModelInfo

__all__ = [
    "Aligner",
    "Alignment",
    "ModelInfo",
    "NBestTranslator",
    "TermTranslator",
    "Translation",
    "Translator",
]

# Word alignment of one sentence pair: (source word, target word) index pairs, where the words of a
# text are ``text.split()`` (whitespace-separated). A target word may align to several source words
# and the reverse; a word with no pair is unaligned. Empty when the pair could not be aligned.
Alignment = tuple[tuple[int, int], ...]


@dataclass(frozen=True)
class Translation:
    """One translated text, with the model's mean token log-probability when it has one."""

    text: str
    score: float | None
    retried: bool = False
    looped: bool = False


class Translator(Protocol):
    """Translates independent texts (sentences) from ``src`` to ``tgt``, keeping order."""

    @property
    def models(self) -> list[ModelInfo]:
        """The models behind this translator, in the order they are applied."""
        ...

    def translate(self, texts: Sequence[str], src: str, tgt: str) -> list[Translation]:
        """Translate each text; the result has one entry per input, in order."""
        ...


@runtime_checkable
class Aligner(Protocol):
    """Aligns the words of translated sentences with their source (from the model's cross-attention
    over the given translation: forced decoding, so a repaired or cached translation aligns too)."""

    def align(self, pairs: Sequence[tuple[str, str]], src: str, tgt: str) -> list[Alignment]:
        """One alignment per (source, translation) pair, in order; empty where none is available."""
        ...


@runtime_checkable
class TermTranslator(Protocol):
    """Takes instructions: can be told, for each text, the glossary terms it holds and the form each
    must take in the translation (an LLM is told them in its prompt; a seq2seq model has its terms
    enforced afterwards, by alignment). A wrapper that may hold either kind says which it holds in
    ``takes_terms``; when False, :meth:`translate_terms` is :meth:`Translator.translate`."""

    takes_terms: bool

    def translate_terms(
        self, texts: Sequence[str], src: str, tgt: str, terms: Sequence[Sequence[tuple[str, str]]]
    ) -> list[Translation]:
        """Translate each text, writing each of its (found, required) terms in the required form."""
        ...


@runtime_checkable
class NBestTranslator(Protocol):
    """Returns several distinct translations of each text, best first, from beam search."""

    def translate_n(self, texts: Sequence[str], src: str, tgt: str, n: int) -> list[list[Translation]]:
        """Up to ``n`` distinct translations per text (fewer when the beam holds fewer), best first,
        each with its score; the first is the translation ``translate`` would give."""
        ...
