"""Whole-dispatch translation: segment, translate sentence by sentence, and rebuild the layout."""

from __future__ import annotations

from dataclasses import dataclass, field

from service.quality.repair import SegmentChecker
from service.text.segment import Sentence, segment
from service.translation.base import ModelInfo, Translation, Translator


@dataclass(frozen=True)
class Segment:
    """One source sentence and its translation."""

    paragraph: int
    source: str
    translation: str
    score: float | None
    flags: tuple[str, ...] = ()


@dataclass(frozen=True)
class DocumentTranslation:
    """A translated dispatch: full text in the source layout, plus the per-sentence segments (its
    JSON form: ``service.schemas.TranslationOut``)."""

    source_lang: str
    target_lang: str
    translation: str
    models: list[ModelInfo]
    segments: list[Segment] = field(default_factory=list)

    @property
    def review(self) -> bool:
        """True when any segment is flagged: an editor should look before publishing."""
        return any(s.flags for s in self.segments)


def rebuild_layout(text: str, sentences: list[Sentence], outputs: list[str]) -> str:
    """Put translated sentences back into the source's layout.

    Leading and trailing whitespace and every gap holding a line break (paragraph breaks, blank
    lines, line breaks) are kept verbatim; a gap inside a line becomes one space.
    """
    if not sentences:
        return text
    parts = [text[: sentences[0].start]]
    for i, (sentence, output) in enumerate(zip(sentences, outputs, strict=True)):
        if i:
            gap = text[sentences[i - 1].end : sentence.start]
            parts.append(gap if "\n" in gap else " ")
        parts.append(output)
    parts.append(text[sentences[-1].end :])
    return "".join(parts)


def translate_document(
    text: str, src: str, tgt: str, translator: Translator, checker: SegmentChecker | None = None
) -> DocumentTranslation:
    """Translate a dispatch sentence by sentence, keeping its paragraph structure."""
    return translate_documents([text], src, tgt, translator, checker)[0]


def translate_documents(
    texts: list[str], src: str, tgt: str, translator: Translator, checker: SegmentChecker | None = None
) -> list[DocumentTranslation]:
    """Translate several dispatches with one translator call, so their sentences share batches.

    With a ``checker``, every segment is repaired (numbers, copied names) and flagged; without,
    only the engine's own ``loop`` verdict is reported."""
    segmented = [segment(text) for text in texts]
    flat = [s.text for sentences in segmented for s in sentences]
    translated: list[Translation] = translator.translate(flat, src, tgt) if flat else []
    results = []
    offset = 0
    for text, sentences in zip(texts, segmented, strict=True):
        own = translated[offset : offset + len(sentences)]
        offset += len(sentences)
        results.append(_assemble(text, src, tgt, sentences, own, translator, checker))
    return results


def _assemble(
    text: str,
    src: str,
    tgt: str,
    sentences: list[Sentence],
    translations: list[Translation],
    translator: Translator,
    checker: SegmentChecker | None,
) -> DocumentTranslation:
    model_id = translator.models[-1].id if translator.models else None
    segments = []
    for s, t in zip(sentences, translations, strict=True):
        if checker is None:
            output, flags = t.text, ["loop"] if t.looped else []
        else:
            output, flags = checker.check(
                s.text, t.text, src, tgt, score=t.score, looped=t.looped, model_id=model_id
            )
        segments.append(Segment(s.paragraph, s.text, output, t.score, tuple(flags)))
    return DocumentTranslation(
        source_lang=src,
        target_lang=tgt,
        translation=rebuild_layout(text, sentences, [s.translation for s in segments]),
        models=translator.models,
        segments=segments,
    )
