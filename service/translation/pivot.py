"""Pivot translation: source → pivot language → target, through two translators."""

from __future__ import annotations

from collections.abc import Sequence

from service.translation.base import ModelInfo, Translation, Translator


class PivotTranslator:
    """Chains two translators through a pivot language (English).

    The score of a pivoted sentence is the lower of the two steps' scores: the weaker link is
    what a reader should be warned about.
    """

    def __init__(self, first: Translator, second: Translator, via: str = "en") -> None:
        self.first, self.second, self.via = first, second, via

    @property
    def models(self) -> list[ModelInfo]:
        """Both models, in the order they are applied."""
        return [*self.first.models, *self.second.models]

    def translate(self, texts: Sequence[str], src: str, tgt: str) -> list[Translation]:
        """Translate ``src`` → via → ``tgt``."""
        middle = self.first.translate(texts, src, self.via)
        final = self.second.translate([m.text for m in middle], self.via, tgt)
        results = []
        for a, b in zip(middle, final, strict=True):
            scores = [s for s in (a.score, b.score) if s is not None]
            results.append(
                Translation(
                    b.text,
                    min(scores) if scores else None,
                    retried=a.retried or b.retried,
                    looped=a.looped or b.looped,
                )
            )
        return results
