"""Whole-dispatch translation: segment, translate sentence by sentence, and rebuild the layout."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from service.quality.flags import Finding, flags_of
from service.quality.repair import SegmentChecker
from service.text.segment import Sentence, segment
from service.translation.base import Aligner, Alignment, ModelInfo, TermTranslator, Translation, Translator


@dataclass(frozen=True)
class Segment:
    """One source sentence and its translation."""

    paragraph: int
    source: str
    translation: str
    score: float | None
    findings: tuple[Finding, ...] = ()  # what its checks found: each flag and what it points at
    where: str | None = None  # in a formatted document: the block's place ("body/p[3]")

    @property
    def flags(self) -> tuple[str, ...]:
        """What to check in this sentence (:data:`service.quality.flags.FLAGS` order)."""
        return tuple(flags_of(self.findings))


@dataclass(frozen=True)
class Alternative:
    """Another translation of a whole text from the beam, with its mean token log-probability."""

    text: str
    score: float | None


@dataclass(frozen=True)
class DocumentTranslation:
    """A translated dispatch: full text in the source layout, plus the per-sentence segments (its
    JSON form: ``service.schemas.TranslationOut``)."""

    source_lang: str
    target_lang: str
    translation: str
    models: list[ModelInfo]
    segments: list[Segment] = field(default_factory=list)
    # For a formatted document (HTML, Markdown…), ``translation`` is the document and ``plain`` its
    # text without markup; None for plain text.
    plain: str | None = None
    alternatives: tuple[Alternative, ...] | None = None  # when asked for: the other translations

    @property
    def text(self) -> str:
        """The translation as plain text (without a document's markup)."""
        return self.translation if self.plain is None else self.plain

    @property
    def review(self) -> bool:
        """True when any segment is flagged: an editor should look before publishing."""
        return any(s.flags for s in self.segments)


def rebuild_layout(text: str, sentences: list[Sentence], outputs: list[str]) -> str:
    """Put translated sentences back into the source's layout.

    Leading and trailing whitespace and every gap holding a line break (paragraph breaks, blank
    lines, line breaks) are kept verbatim; a gap inside a line becomes one space.
    """
    return layout_with_offsets(text, sentences, outputs)[0]


def layout_with_offsets(
    text: str, sentences: list[Sentence], outputs: list[str]
) -> tuple[str, list[tuple[int, int]]]:
    """:func:`rebuild_layout`'s text, and where each output sentence lies in it (start, end), so
    that markup over the source can be placed on the translation."""
    if not sentences:
        return text, []
    parts = [text[: sentences[0].start]]
    length = len(parts[0])
    offsets = []
    for i, (sentence, output) in enumerate(zip(sentences, outputs, strict=True)):
        if i:
            gap = text[sentences[i - 1].end : sentence.start]
            parts.append(gap if "\n" in gap else " ")
            length += len(parts[-1])
        parts.append(output)
        offsets.append((length, length + len(output)))
        length += len(output)
    parts.append(text[sentences[-1].end :])
    return "".join(parts), offsets


def translate_document(
    text: str, src: str, tgt: str, translator: Translator, checker: SegmentChecker | None = None
) -> DocumentTranslation:
    """Translate a dispatch sentence by sentence, keeping its paragraph structure."""
    return translate_documents([text], src, tgt, translator, checker)[0]


# Called with each translated sentence as soon as it is checked: (text index, sentence index, segment).
SegmentListener = Callable[[int, int, Segment], None]


def translate_documents(
    texts: list[str],
    src: str,
    tgt: str,
    translator: Translator,
    checker: SegmentChecker | None = None,
    *,
    on_segment: SegmentListener | None = None,
) -> list[DocumentTranslation]:
    """Translate several dispatches with one translator call, so their sentences share batches.

    With a ``checker``, every segment is repaired (numbers, copied names) and flagged; without,
    only the engine's own ``loop`` verdict is reported.

    With ``on_segment``, the sentences go to the translator in growing runs (1, 2, 4, 8… in text
    order) and each checked sentence is handed to ``on_segment`` as its run completes, so the first
    ones arrive long before the last; the documents returned hold the same segments."""
    return translate_documents_and(texts, (), src, tgt, translator, checker, on_segment=on_segment)[0]


def translate_documents_and(
    texts: list[str],
    extra: Sequence[str],
    src: str,
    tgt: str,
    translator: Translator,
    checker: SegmentChecker | None = None,
    *,
    on_segment: SegmentListener | None = None,
) -> tuple[list[DocumentTranslation], list[Translation]]:
    """:func:`translate_documents`, and the ``extra`` sentences (the bullets of an extractive
    summary that are not sentences of the dispatch) translated in the same call, after the
    documents' last sentences, as the translator gives them (no repairs, no flags)."""
    segmented = [segment(text) for text in texts]
    places = [(t, i) for t, sentences in enumerate(segmented) for i in range(len(sentences))]
    flat = [segmented[t][i].text for t, i in places]
    translated: list[Translation] = []
    checked: list[tuple[str, tuple[Finding, ...]]] = []
    runs = _runs(len(flat), progressive=on_segment is not None) or [(0, 0)]
    extra_translated: list[Translation] = []
    for start, end in runs:
        sources = flat[start:end]
        added = list(extra) if end == len(flat) else []
        if not sources and not added:
            continue
        whole = _translate(sources + added, src, tgt, translator, checker)
        part, extra_translated = whole[: len(sources)], whole[len(sources) :]
        part_checked = check_translations(
            sources, part, src, tgt, translator, checker, [texts[t] for t, _ in places[start:end]]
        )
        translated += part
        checked += part_checked
        if on_segment is not None:
            for (t, i), translation, (output, findings) in zip(
                places[start:end], part, part_checked, strict=True
            ):
                sentence = segmented[t][i]
                on_segment(
                    t,
                    i,
                    Segment(sentence.paragraph, sentence.text, output, translation.score, findings),
                )
    results = []
    offset = 0
    for text, sentences in zip(texts, segmented, strict=True):
        end = offset + len(sentences)
        results.append(
            _assemble(text, src, tgt, sentences, translated[offset:end], checked[offset:end], translator)
        )
        offset = end
    return results, extra_translated


def _translate(
    sources: list[str], src: str, tgt: str, translator: Translator, checker: SegmentChecker | None
) -> list[Translation]:
    """The translator's translations; one that takes instructions is told each sentence's glossary
    terms (the checker's), so they need no repair afterwards."""
    if checker is not None and isinstance(translator, TermTranslator) and translator.takes_terms:
        terms = [checker.required_terms(source, src, tgt) for source in sources]
        if any(terms):
            return translator.translate_terms(sources, src, tgt, terms)
    return translator.translate(sources, src, tgt)


def _runs(count: int, *, progressive: bool) -> list[tuple[int, int]]:
    """The (start, end) runs ``count`` sentences are translated in: one run, or runs doubling
    from a single sentence (a sentence early, then batches nearly as full as one call's)."""
    if not progressive:
        return [(0, count)] if count else []
    runs, start, size = [], 0, 1
    while start < count:
        runs.append((start, min(count, start + size)))
        start, size = start + size, size * 2
    return runs


def check_translations(
    sources: Sequence[str],
    translations: Sequence[Translation],
    src: str,
    tgt: str,
    translator: Translator,
    checker: SegmentChecker | None,
    dispatches: Sequence[str | None] | None = None,
) -> list[tuple[str, tuple[Finding, ...]]]:
    """The final text and findings of each translated sentence; ``dispatches``, one per sentence, the
    whole dispatch it is part of (:func:`service.quality.flags.segment_findings`).

    With a ``checker``, each one is repaired (terms, numbers, copied names) and flagged; without,
    only the engine's own ``loop`` verdict is reported. The sentences missing a glossary term are
    aligned, all in one call, when the translator can align (terms are enforced by alignment)."""
    model_id = translator.models[-1].id if translator.models else None
    alignments: dict[int, Alignment] = {}
    if checker is not None and isinstance(translator, Aligner):
        pending = [
            i
            for i, (source, t) in enumerate(zip(sources, translations, strict=True))
            if checker.needs_alignment(source, t.text, src, tgt)
        ]
        if pending:
            pairs = [(sources[i], translations[i].text) for i in pending]
            alignments = dict(zip(pending, translator.align(pairs, src, tgt), strict=True))
    checked = []
    for i, (source, t) in enumerate(zip(sources, translations, strict=True)):
        if checker is None:
            output, findings = t.text, [Finding("loop")] if t.looped else []
        else:
            output, findings = checker.check(
                source,
                t.text,
                src,
                tgt,
                score=t.score,
                looped=t.looped,
                model_id=model_id,
                alignment=alignments.get(i),
                dispatch=dispatches[i] if dispatches is not None else None,
            )
        checked.append((output, tuple(findings)))
    return checked


def _assemble(
    text: str,
    src: str,
    tgt: str,
    sentences: list[Sentence],
    translations: list[Translation],
    checked: list[tuple[str, tuple[Finding, ...]]],
    translator: Translator,
) -> DocumentTranslation:
    segments = [
        Segment(s.paragraph, s.text, output, t.score, findings)
        for s, t, (output, findings) in zip(sentences, translations, checked, strict=True)
    ]
    return DocumentTranslation(
        source_lang=src,
        target_lang=tgt,
        translation=rebuild_layout(text, sentences, [s.translation for s in segments]),
        models=translator.models,
        segments=segments,
    )
