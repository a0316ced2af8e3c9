"""Pivot translation: source → pivot language → target, through two translators."""

from __future__ import annotations

from collections.abc import Sequence

from service.translation.base import (
    Aligner,
    Alignment,
    ModelInfo,
    NBestTranslator,
    Translation,
    Translator,
)


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
        return [_chained(a, b) for a, b in zip(middle, final, strict=True)]

    def translate_n(self, texts: Sequence[str], src: str, tgt: str, n: int) -> list[list[Translation]]:
        """The best pivot-language text, then up to ``n`` alternatives of the second step (the
        first of them is what :meth:`translate` gives). A second step without n-best lists gives
        the single translation."""
        middle = self.first.translate(texts, src, self.via)
        pivot_texts = [m.text for m in middle]
        if isinstance(self.second, NBestTranslator):
            finals = self.second.translate_n(pivot_texts, self.via, tgt, n)
        else:
            finals = [[t] for t in self.second.translate(pivot_texts, self.via, tgt)]
        return [[_chained(a, b) for b in options] for a, options in zip(middle, finals, strict=True)]

    def align(self, pairs: Sequence[tuple[str, str]], src: str, tgt: str) -> list[Alignment]:
        """Compose the alignments of both steps through the pivot text, which is the first step's
        translation of the source, made again here (the translation being aligned may have been
        repaired or cached, so its pivot text is not at hand). Source word s aligns with target
        word t when some pivot word m has (s, m) in the first step and (m, t) in the second.
        All empty when either step cannot align."""
        if not (isinstance(self.first, Aligner) and isinstance(self.second, Aligner)):
            return [() for _ in pairs]
        middle = [m.text for m in self.first.translate([s for s, _ in pairs], src, self.via)]
        to_pivot = self.first.align([(s, m) for (s, _), m in zip(pairs, middle, strict=True)], src, self.via)
        from_pivot = self.second.align(
            [(m, t) for (_, t), m in zip(pairs, middle, strict=True)], self.via, tgt
        )
        return [_compose(a, b) for a, b in zip(to_pivot, from_pivot, strict=True)]


def _chained(first: Translation, second: Translation) -> Translation:
    """A pivoted translation: the second step's text, the weaker step's score."""
    scores = [s for s in (first.score, second.score) if s is not None]
    return Translation(
        second.text,
        min(scores) if scores else None,
        retried=first.retried or second.retried,
        looped=first.looped or second.looped,
    )


def _compose(first: Alignment, second: Alignment) -> Alignment:
    """(s, t) for every (s, m) of ``first`` and (m, t) of ``second``, ordered by target word."""
    sources: dict[int, list[int]] = {}
    for s, m in first:
        sources.setdefault(m, []).append(s)
    pairs = {(s, t) for m, t in second for s in sources.get(m, [])}
    return tuple(sorted(pairs, key=lambda pair: (pair[1], pair[0])))
