"""Translation of document blocks with their inline markup (links, emphasis, line breaks, a Word
run's formatting).

Every block is segmented into sentences as plain text is, and all sentences of all blocks go to
the translator in one call, so they share batches. The translated block is the translated sentences
in the block's layout (:func:`service.translation.document.rebuild_layout`). Its spans are then
placed on the translation:

* A span over whole sentences (from a sentence's start or before, to a sentence's end or after)
  covers the same translated sentences; an end or a point in the whitespace between sentences
  keeps its place there.
* Any other end (inside a sentence, or at the edge of a sentence the span covers only part of) is
  placed by word alignment when the translator is an :class:`~service.translation.base.Aligner`:
  the span covers the target words aligned to the source words it covers in that sentence, from
  the first to the last of them; a point inside a sentence goes after the target word(s) aligned
  to the source word just before it.
* Fallback, when there is no aligner, no aligned target word, or when the aligned places do not
  relate as in the source (crossing, out of order, a sibling inside a sibling): a span covers its
  whole translated sentence(s); a point goes to its sentence's end when it stood in the second
  half of the source sentence, to its start otherwise. Spans that still do not nest are widened
  until they do, parents outside children and equal ranges nested in list order.

So every span of a block appears exactly once in its translation, in the same order, properly
nested: markup may cover more than it did, but is never dropped or duplicated.
"""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right
from collections.abc import Sequence
from dataclasses import dataclass

from service.formats.base import Block, DocumentFormatError, Span, TranslatedBlock
from service.quality.flags import Finding, dateline_of, flags_of
from service.quality.repair import SegmentChecker
from service.text.segment import Sentence, segment
from service.translation.base import Aligner, Alignment, ModelInfo, Translation, Translator
from service.translation.document import check_translations, layout_with_offsets

__all__ = ["FormattedTranslation", "MarkupSegment", "place_spans", "translate_blocks"]

_WORD_RE = re.compile(r"\S+")  # the words of Alignment: those of str.split()

_Range = tuple[int, int]  # [start, end) character offsets


@dataclass(frozen=True)
class MarkupSegment:
    """One sentence of a block and its translation, with the block's index and place in the file."""

    block: int  # index of the block in the document
    where: str  # the block's place in the file, as its format names it ("body/p[3]")
    source: str
    translation: str
    score: float | None
    findings: tuple[Finding, ...]  # what its checks found (service.quality.flags.segment_findings)
    aligned: bool  # it holds markup, all placed by word alignment (none fell back)

    @property
    def flags(self) -> tuple[str, ...]:
        """What to check in this sentence (:data:`service.quality.flags.FLAGS` order)."""
        return tuple(flags_of(self.findings))


@dataclass(frozen=True)
class FormattedTranslation:
    """A translated document: one translated block per block, and the per-sentence segments."""

    source_lang: str
    target_lang: str
    blocks: list[TranslatedBlock]
    segments: list[MarkupSegment]
    models: list[ModelInfo]

    @property
    def review(self) -> bool:
        """True when any segment is flagged: an editor should look before publishing."""
        return any(s.flags for s in self.segments)


def translate_blocks(
    blocks: list[Block], src: str, tgt: str, translator: Translator, checker: SegmentChecker | None = None
) -> FormattedTranslation:
    """Translate the blocks of a document, placing each block's spans on its translation.

    With a ``checker``, every sentence is repaired and flagged as plain text is
    (:func:`service.translation.document.check_translations`). The translator is called once for
    all sentences, and, when it is also an aligner, aligned once for all sentences holding markup.
    Raises :class:`DocumentFormatError` for a block whose spans are out of bounds or do not nest.
    """
    for index, block in enumerate(blocks):
        _check_spans(block, index)
    segmented = [segment(block.text) for block in blocks]
    flat = [s.text for sentences in segmented for s in sentences]
    translated: list[Translation] = translator.translate(flat, src, tgt) if flat else []
    # The blocks are one dispatch: its dateline opens one of its first blocks (a headline may come
    # before it), and the checks read each sentence in the dispatch.
    start = next((i for i, block in enumerate(blocks) if dateline_of(block.text)), 0)
    dispatch = "\n\n".join(block.text for block in blocks[start:])
    checked = check_translations(flat, translated, src, tgt, translator, checker, [dispatch] * len(flat))
    outputs = [output for output, _ in checked]

    # Sentences holding an end of a span inside them are aligned, all in one call.
    first = 0
    firsts = []
    wanted: list[int] = []  # indices into flat
    for block, sentences in zip(blocks, segmented, strict=True):
        firsts.append(first)
        wanted += [first + k for k in _sentences_with_inner_markup(block, sentences)]
        first += len(sentences)
    alignments: dict[int, Alignment] = {}
    if wanted and isinstance(translator, Aligner):
        pairs = [(flat[i], outputs[i]) for i in wanted]
        alignments = dict(zip(wanted, translator.align(pairs, src, tgt), strict=True))

    result_blocks = []
    segments = []
    for index, (block, sentences, first) in enumerate(zip(blocks, segmented, firsts, strict=True)):
        own = range(first, first + len(sentences))
        placed, aligned = place_spans(
            block,
            sentences,
            [outputs[i] for i in own],
            [alignments.get(i) for i in own],
        )
        result_blocks.append(placed)
        for k, i in enumerate(own):
            segments.append(
                MarkupSegment(
                    block=index,
                    where=block.where,
                    source=flat[i],
                    translation=outputs[i],
                    score=translated[i].score,
                    findings=checked[i][1],
                    aligned=aligned[k],
                )
            )
    return FormattedTranslation(
        source_lang=src, target_lang=tgt, blocks=result_blocks, segments=segments, models=translator.models
    )


def place_spans(
    block: Block, sentences: list[Sentence], outputs: list[str], alignments: Sequence[Alignment | None]
) -> tuple[TranslatedBlock, list[bool]]:
    """The translated block (``outputs`` in the block's layout, spans placed on it), and for each
    sentence whether all markup inside it was placed by alignment.

    ``sentences`` are ``segment(block.text)``; ``alignments`` has one entry per sentence (``None``
    where the sentence was not aligned: its inner markup falls back)."""
    if not sentences:
        return TranslatedBlock(block.text, block.spans), []
    text, offsets = layout_with_offsets(block.text, sentences, outputs)
    placer = _Placer(sentences, outputs, offsets, alignments)
    placed = [placer.project(span) for span in block.spans]
    _resolve(placed)
    aligned = [False] * len(sentences)
    fell_back = [False] * len(sentences)
    for p in placed:
        for k in p.inner:
            aligned[k] = True
            fell_back[k] |= not p.by_alignment
    spans = tuple(Span(p.start, p.end, p.span.open, p.span.close, p.span.point) for p in placed)
    return TranslatedBlock(text, spans), [a and not f for a, f in zip(aligned, fell_back, strict=True)]


@dataclass
class _Placed:
    """A span being placed: its current range, its fallback range, and how it got there."""

    span: Span
    start: int
    end: int
    fallback: _Range
    inner: tuple[int, ...]  # sentences holding an end of the span inside them
    by_alignment: bool  # every inner end placed by alignment (False once it falls back or widens)

    @property
    def empty(self) -> bool:
        """Empty in the source (a point): it is moved, never widened."""
        return self.span.start == self.span.end

    def fall_back(self) -> bool:
        """Move to the fallback range; whether anything changed."""
        if (self.start, self.end) == self.fallback:
            return False
        self.start, self.end = self.fallback
        self.by_alignment = False
        return True


@dataclass(frozen=True)
class _Words:
    """The whitespace-separated words of a text, as (start, end) character offsets."""

    spans: tuple[_Range, ...]

    @classmethod
    def of(cls, text: str) -> _Words:
        return cls(tuple(m.span() for m in _WORD_RE.finditer(text)))

    def covered(self, start: int, end: int) -> list[int]:
        """Indices of the words overlapping ``[start, end)``."""
        return [i for i, (s, e) in enumerate(self.spans) if s < end and start < e]


class _Placer:
    """Maps positions of a block's source text to positions in its translation."""

    def __init__(
        self,
        sentences: list[Sentence],
        outputs: list[str],
        offsets: list[_Range],
        alignments: Sequence[Alignment | None],
    ) -> None:
        self.sentences = sentences
        self.offsets = offsets
        self.source_words = [_Words.of(s.text) for s in sentences]
        self.target_words = [_Words.of(o) for o in outputs]
        self.links: list[dict[int, list[int]]] = []  # per sentence: source word → target words
        for k, alignment in enumerate(alignments):
            links: dict[int, list[int]] = {}
            count = len(self.target_words[k].spans)
            for s, t in alignment or ():
                if 0 <= t < count:
                    links.setdefault(s, []).append(t)
            self.links.append(links)

    def outside(self, pos: int) -> int:
        """Translation position of a source position outside every sentence's interior: kept in
        leading, trailing and verbatim gaps; in a gap collapsed to one space, a sentence's end or
        start keeps its side and the inside of the gap goes before the space."""
        sentences, offsets = self.sentences, self.offsets
        k = bisect_right([s.end for s in sentences], pos)  # sentences ending at or before pos
        if k == 0:
            return pos
        before, out_before = sentences[k - 1], offsets[k - 1]
        if k == len(sentences):
            return out_before[1] + pos - before.end
        after, out_after = sentences[k], offsets[k]
        if pos == after.start:
            return out_after[0]
        if out_after[0] - out_before[1] == after.start - before.end:
            return out_before[1] + pos - before.end
        return out_before[1]

    def targets(self, k: int, start: int, end: int) -> list[_Range]:
        """Translation offsets of the target words aligned to the source words of sentence ``k``
        overlapping the block's ``[start, end)``, in order."""
        first = self.sentences[k].start
        links = self.links[k]
        indices = {
            t for s in self.source_words[k].covered(start - first, end - first) for t in links.get(s, ())
        }
        base = self.offsets[k][0]
        return [(base + s, base + e) for s, e in (self.target_words[k].spans[t] for t in sorted(indices))]

    def project(self, span: Span) -> _Placed:
        """The span's aligned range (its fallback range where alignment gives none)."""
        if span.start == span.end:
            return self._project_point(span)
        by_alignment = True
        k, m = _aligned_ends(self.sentences, span)
        if k is None:
            start = fb_start = self.outside(span.start)
        else:
            fb_start = self.offsets[k][0]
            words = self.targets(k, span.start, min(span.end, self.sentences[k].end))
            start = words[0][0] if words else fb_start
            by_alignment &= bool(words)
        if m is None:
            end = fb_end = self.outside(span.end)
        else:
            fb_end = self.offsets[m][1]
            words = self.targets(m, max(span.start, self.sentences[m].start), span.end)
            end = words[-1][1] if words else fb_end
            by_alignment &= bool(words)
        inner = tuple(sorted({x for x in (k, m) if x is not None}))
        placed = _Placed(span, start, end, (fb_start, fb_end), inner, by_alignment)
        if not by_alignment or start >= end:
            placed.fall_back()
        return placed

    def _project_point(self, span: Span) -> _Placed:
        k, _ = _aligned_ends(self.sentences, span)
        if k is None:
            pos = self.outside(span.start)
            return _Placed(span, pos, pos, (pos, pos), (), True)
        sentence, (out_start, out_end) = self.sentences[k], self.offsets[k]
        fallback = out_end if span.start - sentence.start > len(sentence.text) / 2 else out_start
        # After the target word(s) aligned to the source word just before the point.
        rel = span.start - sentence.start
        before = [i for i, (s, _) in enumerate(self.source_words[k].spans) if s < rel]
        words = self.targets(k, *self._word_range(k, before[-1])) if before else []
        pos = words[-1][1] if words else fallback
        return _Placed(span, pos, pos, (fallback, fallback), (k,), bool(words))

    def _word_range(self, k: int, word: int) -> _Range:
        s, e = self.source_words[k].spans[word]
        return self.sentences[k].start + s, self.sentences[k].start + e


def _after(first: _Range, second: _Range) -> bool:
    return first[1] <= second[0]


def _contains(outer: _Range, inner: _Range) -> bool:
    """An empty range contains nothing; equal ranges nest (the first listed outside)."""
    return outer[0] < outer[1] and outer[0] <= inner[0] and inner[1] <= outer[1]


def _misplaced(ranges: Sequence[_Range], sources: Sequence[_Range] | None = None) -> list[tuple[int, int]]:
    """Pairs ``(i, j)``, ``i`` listed before ``j``, that break document order and nesting: none
    exactly when every ``i`` before ``j`` either contains it or ends before it starts. With the
    ``sources`` of the ranges, also the pairs that do not relate as their sources do.

    One pass over the list with the stack of enclosing spans, so that a block with many spans costs
    little; a list with several faults reports at least one of them."""
    shapes = sources if sources is not None else ranges

    def holds(i: int, j: int) -> bool:
        return _contains(ranges[i], ranges[j]) and _contains(shapes[i], shapes[j])

    def precedes(i: int, j: int) -> bool:
        return _after(ranges[i], ranges[j]) and _after(shapes[i], shapes[j])

    found = []
    stack: list[int] = []
    for j, (start, _) in enumerate(ranges):
        if j and start < ranges[j - 1][0]:
            found.append((j - 1, j))
        while stack and not holds(stack[-1], j):
            i = stack.pop()
            if not precedes(i, j):
                found.append((i, j))
        stack.append(j)
    return found


def _resolve(placed: list[_Placed]) -> None:
    """Make the placed spans nest in list order.

    Spans whose placements relate otherwise than in the source (crossing, out of order, a sibling
    inside a sibling, a child out of its parent) fall back; spans that still do not nest are then
    widened (a span over the one listed after it; a point moves back to that one's start) until
    they all do."""
    sources = [(p.span.start, p.span.end) for p in placed]
    changed = True
    while changed:
        changed = False
        for i, j in _misplaced([(p.start, p.end) for p in placed], sources):
            changed |= placed[i].fall_back()
            changed |= placed[j].fall_back()
    while misplaced := _misplaced([(p.start, p.end) for p in placed]):
        for i, j in misplaced:
            a, b = placed[i], placed[j]
            if _after((a.start, a.end), (b.start, b.end)) or _contains((a.start, a.end), (b.start, b.end)):
                continue  # resolved by an earlier widening of this pass
            a.by_alignment = b.by_alignment = False
            if a.empty:
                a.start = a.end = b.start
            else:
                a.start, a.end = min(a.start, b.start), max(a.end, b.end)


def _aligned_ends(sentences: list[Sentence], span: Span) -> tuple[int | None, int | None]:
    """The sentences in which the span's start and end are placed by alignment (``None`` for an
    end that keeps its place).

    An end strictly inside a sentence is aligned; so is one at a sentence's start or end when the
    span covers only part of that sentence ("<b>Séoul</b>, 12 mars": the bold goes where "Séoul"
    goes). A point is aligned when strictly inside a sentence."""
    starts = [s.start for s in sentences]
    k: int | None = bisect_right(starts, span.start) - 1
    m: int | None = bisect_left([s.end for s in sentences], span.end)
    if k is not None and (k < 0 or span.start >= sentences[k].end):
        k = None
    if m is not None and (m == len(sentences) or span.end <= sentences[m].start):
        m = None
    if span.start == span.end:
        return (k, k) if k is not None and span.start > sentences[k].start else (None, None)
    if k is not None and span.start == sentences[k].start and span.end >= sentences[k].end:
        k = None  # the span covers the sentence from its start
    if m is not None and span.end == sentences[m].end and span.start <= sentences[m].start:
        m = None  # the span covers the sentence to its end
    return k, m


def _sentences_with_inner_markup(block: Block, sentences: list[Sentence]) -> list[int]:
    """Indices of the sentences holding an end of a span placed by alignment."""
    found = {k for span in block.spans for k in _aligned_ends(sentences, span) if k is not None}
    return sorted(found)


def _check_spans(block: Block, index: int) -> None:
    """Spans within the text, nesting properly in document order (the formats' contract)."""
    size = len(block.text)
    for span in block.spans:
        if not 0 <= span.start <= span.end <= size or (span.point and span.start != span.end):
            raise DocumentFormatError(f"block {index} ({block.where}): span {span.open!r} is out of bounds")
    misplaced = _misplaced([(span.start, span.end) for span in block.spans])
    if misplaced:
        first, second = (block.spans[k].open for k in misplaced[0])
        raise DocumentFormatError(
            f"block {index} ({block.where}): spans {first!r} and {second!r} do not nest"
        )
