"""Blocks with inline markup: sentences translated by the tiny Marian model, spans placed on the
translation by a given word alignment or by the whole-sentence fallback."""

from __future__ import annotations

import random
from collections.abc import Callable, Sequence
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from service.formats.base import Block, DocumentFormatError, Span, TranslatedBlock
from service.models.info import ModelInfo
from service.quality.flags import Thresholds
from service.quality.repair import SegmentChecker
from service.text.glossary import default_glossary
from service.text.segment import segment
from service.translation.base import Aligner, Alignment, Translation, Translator
from service.translation.ct2 import CT2Translator
from service.translation.document import rebuild_layout
from service.translation.markup import translate_blocks

FRENCH = [
    "Le ministre Cho a rencontré son homologue à Séoul.",
    "Les exportations ont augmenté de 2,5 %.",
    "Le sommet aura lieu en juin.",
    "Pyongyang n'a pas réagi.",
    "Les deux pays coopèrent.",
]


@pytest.fixture(scope="session")
def marian(tiny_marian: Path, tmp_path_factory: pytest.TempPathFactory) -> Translator:
    """The tiny fr→en Marian model, greedy, on the CTranslate2 backend (float32: the same output on
    every CPU; much faster than torch on the long looping outputs of a random model)."""
    models_dir = tmp_path_factory.mktemp("markup-ct2")
    info = ModelInfo("tiny/marian", "local")
    return CT2Translator(
        tiny_marian, info, "marian", models_dir=models_dir, device="cpu", compute_type="float32", num_beams=1
    )


class TranslateOnly:
    """The model as a translator that does not align (so every inner span falls back)."""

    def __init__(self, inner: Translator) -> None:
        self.inner = inner
        self.calls: list[list[str]] = []

    @property
    def models(self) -> list[ModelInfo]:
        return self.inner.models

    def translate(self, texts: Sequence[str], src: str, tgt: str) -> list[Translation]:
        self.calls.append(list(texts))
        return self.inner.translate(texts, src, tgt)


class GivenAligner:
    """A translator that is also an aligner: translations come from the wrapped model, alignments
    from ``alignment(source, translation)`` (it aligns, it does not translate)."""

    def __init__(self, inner: Translator, alignment: Callable[[str, str], Alignment]) -> None:
        self.inner = inner
        self.alignment = alignment
        self.align_calls: list[list[tuple[str, str]]] = []

    @property
    def models(self) -> list[ModelInfo]:
        return self.inner.models

    def translate(self, texts: Sequence[str], src: str, tgt: str) -> list[Translation]:
        return self.inner.translate(texts, src, tgt)

    def align(self, pairs: Sequence[tuple[str, str]], src: str, tgt: str) -> list[Alignment]:
        self.align_calls.append(list(pairs))
        return [self.alignment(s, t) for s, t in pairs]


def covered(block: TranslatedBlock, span: Span) -> str:
    return block.text[span.start : span.end]


def span_on(text: str, word: str, open_: str = "<a>", close: str = "</a>") -> Span:
    start = text.index(word)
    return Span(start, start + len(word), open_, close)


def test_without_an_aligner_an_inner_link_covers_its_whole_sentence(marian: Translator) -> None:
    text = f"{FRENCH[0]} {FRENCH[1]}"
    block = Block(text, (span_on(text, "exportations"),), "body/p[1]")
    translator = TranslateOnly(marian)
    assert not isinstance(translator, Aligner)
    result = translate_blocks([block], "fr", "en", translator)
    (out,) = result.blocks
    second = result.segments[1].translation
    assert out.text == f"{result.segments[0].translation} {second}"
    assert out.spans == (Span(len(out.text) - len(second), len(out.text), "<a>", "</a>"),)
    assert [s.aligned for s in result.segments] == [False, False]


def word_index(text: str, word: str) -> int:
    return text.split().index(word)


def target_word(translation: str, index: int, block: TranslatedBlock, offset: int = 0) -> tuple[int, int]:
    """(start, end) in the translated block of word ``index`` of a sentence starting at ``offset``."""
    words = translation.split()
    start = offset + sum(len(w) + 1 for w in words[:index])  # tiny Marian separates words by one space
    assert block.text[start : start + len(words[index])] == words[index]
    return start, start + len(words[index])


SENTENCE = FRENCH[0]


def test_a_link_on_one_word_lands_on_its_aligned_word(marian: Translator) -> None:
    block = Block(SENTENCE, (span_on(SENTENCE, "homologue", '<a href="x">'),), "body/p[2]")
    aligner = GivenAligner(marian, lambda s, t: ((word_index(SENTENCE, "homologue"), 2), (0, 0)))
    # Terms not enforced: their own alignment call is tested in tests/quality/test_terms.py.
    checker = SegmentChecker(default_glossary(), Thresholds(), enforce_terms=False)
    result = translate_blocks([block, Block("Sans balise.")], "fr", "en", aligner, checker)
    out = result.blocks[0]
    first = result.segments[0]
    start, end = target_word(first.translation, 2, out)
    assert out.spans == (Span(start, end, '<a href="x">', "</a>"),)
    assert [s.aligned for s in result.segments] == [True, False]
    # One call, for the sentences holding markup only, with their final (checked) translation.
    assert aligner.align_calls == [[(SENTENCE, first.translation)]]


def test_a_span_over_several_words_covers_the_first_to_the_last_aligned_word(marian: Translator) -> None:
    block = Block(SENTENCE, (span_on(SENTENCE, "Cho a", "<b>", "</b>"),))
    aligner = GivenAligner(marian, lambda s, t: ((2, 4), (3, 1), (4, 6)))
    out = translate_blocks([block], "fr", "en", aligner).blocks[0]
    translation = out.text
    assert out.spans[0].start == target_word(translation, 1, out)[0]
    assert out.spans[0].end == target_word(translation, 4, out)[1]


@pytest.mark.parametrize(
    ("first", "second"),
    [
        (((1, 1), (1, 3)), ((6, 2), (6, 4))),  # crossing
        (((1, 3),), ((6, 1),)),  # out of order
        (((1, 1), (1, 4)), ((6, 2),)),  # a sibling inside a sibling
    ],
)
def test_projections_that_do_not_keep_the_source_shape_fall_back_to_the_whole_sentence(
    marian: Translator, first: Alignment, second: Alignment
) -> None:
    spans = (span_on(SENTENCE, "ministre", "<i>", "</i>"), span_on(SENTENCE, "homologue", "<b>", "</b>"))
    aligner = GivenAligner(marian, lambda s, t: first + second + ((0, 0),))
    result = translate_blocks([Block(SENTENCE, spans)], "fr", "en", aligner)
    out = result.blocks[0]
    whole = (0, len(out.text))
    assert [(s.start, s.end, s.open) for s in out.spans] == [(*whole, "<i>"), (*whole, "<b>")]
    assert not result.segments[0].aligned


def test_a_span_with_no_aligned_word_falls_back_alone(marian: Translator) -> None:
    text = f"{SENTENCE} {FRENCH[4]}"
    spans = (span_on(text, "ministre", "<i>", "</i>"), span_on(text, "pays", "<b>", "</b>"))
    aligner = GivenAligner(marian, lambda s, t: ((1, 3),) if s == SENTENCE else ())
    result = translate_blocks([Block(text, spans)], "fr", "en", aligner)
    out = result.blocks[0]
    first = result.segments[0].translation
    assert (out.spans[0].start, out.spans[0].end) == target_word(first, 3, out)
    assert (out.spans[1].start, out.spans[1].end) == (len(first) + 1, len(out.text))
    assert [s.aligned for s in result.segments] == [True, False]


def point_after(text: str, word: str, markup: str = "<br>") -> Span:
    end = text.index(word) + len(word)
    return Span(end, end, markup, point=True)


def test_a_point_goes_after_the_word_aligned_to_the_source_word_before_it(marian: Translator) -> None:
    block = Block(SENTENCE, (point_after(SENTENCE, "ministre"),))
    aligner = GivenAligner(marian, lambda s, t: ((1, 3), (1, 2)))
    out = translate_blocks([block], "fr", "en", aligner).blocks[0]
    position = target_word(out.text, 3, out)[1]
    assert out.spans == (Span(position, position, "<br>", point=True),)


def test_an_unaligned_point_goes_to_the_nearer_end_of_its_sentence(marian: Translator) -> None:
    early, late = point_after(SENTENCE, "ministre"), point_after(SENTENCE, "homologue", "<img>")
    result = translate_blocks(
        [Block(SENTENCE, (early, late))], "fr", "en", GivenAligner(marian, lambda s, t: ())
    )
    size = len(result.blocks[0].text)
    assert result.blocks[0].spans == (Span(0, 0, "<br>", point=True), Span(size, size, "<img>", point=True))


def test_nested_spans_land_nested_on_their_aligned_words(marian: Translator) -> None:
    outer = span_on(SENTENCE, "Le ministre Cho", "<b>", "</b>")
    inner = span_on(SENTENCE, "ministre", "<i>", "</i>")
    aligner = GivenAligner(marian, lambda s, t: ((0, 1), (1, 2), (2, 3)))
    out = translate_blocks([Block(SENTENCE, (outer, inner))], "fr", "en", aligner).blocks[0]
    assert (out.spans[0].start, out.spans[0].end) == (
        target_word(out.text, 1, out)[0],
        target_word(out.text, 3, out)[1],
    )
    assert (out.spans[1].start, out.spans[1].end) == target_word(out.text, 2, out)
    assert [s.open for s in out.spans] == ["<b>", "<i>"]


def test_a_span_across_sentences_starts_and_ends_on_aligned_words(marian: Translator) -> None:
    text = f"{FRENCH[1]} {SENTENCE}"
    start = text.index("exportations")
    span = Span(start, text.index("Cho") + 3, "<b>", "</b>")
    aligner = GivenAligner(marian, lambda s, t: ((1, 2),) if s == FRENCH[1] else ((2, 4),))
    result = translate_blocks([Block(text, (span,))], "fr", "en", aligner)
    out = result.blocks[0]
    first = result.segments[0].translation
    assert out.spans[0].start == target_word(first, 2, out)[0]
    assert out.spans[0].end == target_word(result.segments[1].translation, 4, out, len(first) + 1)[1]
    assert len(aligner.align_calls[0]) == 2
    # Without alignment: from the start of its first sentence to the end of its last.
    plain = translate_blocks([Block(text, (span,))], "fr", "en", TranslateOnly(marian)).blocks[0]
    assert (plain.spans[0].start, plain.spans[0].end) == (0, len(plain.text))


def test_spans_over_whole_sentences_cover_the_same_translated_sentences_without_alignment(
    marian: Translator,
) -> None:
    text = f"  {FRENCH[2]}\n\n{FRENCH[3]} {FRENCH[4]}\n"
    spans = (
        Span(0, len(text), "<div>", "</div>"),
        Span(2, 2 + len(FRENCH[2]), "<h1>", "</h1>"),
        Span(2 + len(FRENCH[2]) + 1, 2 + len(FRENCH[2]) + 1, "<br/>", point=True),
        Span(text.index(FRENCH[3]), len(text) - 1, "<p>", "</p>"),
    )
    aligner = GivenAligner(marian, lambda s, t: ())
    result = translate_blocks([Block(text, spans)], "fr", "en", aligner)
    out = result.blocks[0]
    one, two, three = (s.translation for s in result.segments)
    assert out.text == f"  {one}\n\n{two} {three}\n"
    assert [covered(out, s) for s in out.spans] == [out.text, one, "", f"{two} {three}"]
    assert out.spans[2].start == 2 + len(one) + 1  # inside the kept blank line
    assert aligner.align_calls == []


def test_empty_and_blank_blocks_come_back_as_they_are(marian: Translator) -> None:
    blocks = [Block(""), Block(" \n ", (Span(1, 1, "<br>", point=True),), "td[2]")]
    translator = TranslateOnly(marian)
    result = translate_blocks(blocks, "fr", "en", translator)
    assert result.blocks == [TranslatedBlock(""), TranslatedBlock(" \n ", blocks[1].spans)]
    assert result.segments == []
    assert translator.calls == []
    assert not result.review


@pytest.mark.parametrize(
    "spans",
    [
        (Span(0, 99, "<b>", "</b>"),),
        (Span(3, 3, "<br>", point=False), Span(0, 5, "<b>", "</b>")),
        (Span(0, 5, "<b>", "</b>"), Span(3, 8, "<i>", "</i>")),
        (Span(2, 4, "<x/>", point=True),),
    ],
)
def test_spans_that_break_the_format_contract_are_refused(
    marian: Translator, spans: tuple[Span, ...]
) -> None:
    with pytest.raises(DocumentFormatError, match="block 0"):
        translate_blocks([Block("Le sommet aura lieu.", spans)], "fr", "en", marian)


def test_flags_are_reported_per_sentence_with_their_block(marian: Translator) -> None:
    checker = SegmentChecker(default_glossary(), Thresholds())
    blocks = [
        Block(FRENCH[2], (span_on(FRENCH[2], "sommet"),), "body/h1"),
        Block(""),
        Block(f"{FRENCH[1]} {FRENCH[0]}", (), "body/p[2]"),
    ]
    translator = TranslateOnly(marian)
    result = translate_blocks(blocks, "fr", "en", translator, checker)
    assert translator.calls == [[FRENCH[2], FRENCH[1], FRENCH[0]]]
    assert [(s.block, s.where, s.source) for s in result.segments] == [
        (0, "body/h1", FRENCH[2]),
        (2, "body/p[2]", FRENCH[1]),
        (2, "body/p[2]", FRENCH[0]),
    ]
    # The random tiny model drops the source's figures and names: the checker flags those sentences.
    flags = [set(s.flags) for s in result.segments]
    assert "number_mismatch" in flags[1]
    assert result.review
    assert all(s.score is not None for s in result.segments)
    assert result.models == marian.models
    assert result.blocks[2].text == f"{result.segments[1].translation} {result.segments[2].translation}"


@st.composite
def marked_blocks(draw: st.DrawFn) -> Block:
    """Random French sentences in a random layout, with random properly nested spans and points."""
    sentences = draw(st.lists(st.sampled_from(FRENCH), min_size=1, max_size=3))
    gaps = [draw(st.sampled_from([" ", "  ", "\n", "\n\n", " \n "])) for _ in sentences[1:]]
    text = draw(st.sampled_from(["", " ", "\n"])) + sentences[0]
    for gap, sentence in zip(gaps, sentences[1:], strict=True):
        text += gap + sentence
    text += draw(st.sampled_from(["", " ", "\n"]))
    events = draw(
        st.lists(
            st.tuples(st.integers(0, len(text)), st.sampled_from(["open", "close", "point"])), max_size=14
        )
    )
    events.sort(key=lambda event: event[0])  # stable: same-place events keep their drawn order
    spans: list[Span | None] = []
    stack: list[tuple[int, int]] = []  # (index in spans, start) of the open spans
    for pos, kind in events:
        if kind == "open":
            stack.append((len(spans), pos))
            spans.append(None)
        elif kind == "close" and stack:
            index, start = stack.pop()
            spans[index] = Span(start, pos, f'<b id="{index}">', "</b>")
        elif kind == "point":
            spans.append(Span(pos, pos, f"<br id={len(spans)}>", point=True))
    for index, start in stack:
        spans[index] = Span(start, len(text), f'<b id="{index}">', "</b>")
    return Block(text, tuple(s for s in spans if s is not None), "body/p")


def random_alignment(seed: int) -> Callable[[str, str], Alignment]:
    def alignment(source: str, translation: str) -> Alignment:
        rng = random.Random(f"{seed}:{source}")
        targets = len(translation.split())
        if not targets:
            return ()
        pairs = [
            (s, rng.randrange(targets))
            for s in range(len(source.split()))
            for _ in range(rng.choice([0, 1, 1, 2]))
        ]
        return tuple(pairs)

    return alignment


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    blocks=st.lists(marked_blocks(), min_size=1, max_size=3),
    seed=st.integers(0, 2**16),
    aligner=st.sampled_from(["random", "model", "none"]),
)
def test_every_span_comes_back_once_in_order_and_nested(
    marian: Translator, blocks: list[Block], seed: int, aligner: str
) -> None:
    """With a random alignment, the model's own (the tiny model's cross-attention), or none."""
    translators = {
        "random": GivenAligner(marian, random_alignment(seed)),
        "model": marian,
        "none": TranslateOnly(marian),
    }
    translator = translators[aligner]
    result = translate_blocks(blocks, "fr", "en", translator)
    assert len(result.blocks) == len(blocks)
    for block, out in zip(blocks, result.blocks, strict=True):
        assert [(s.open, s.close, s.point) for s in out.spans] == [
            (s.open, s.close, s.point) for s in block.spans
        ]
        for source, placed in zip(block.spans, out.spans, strict=True):
            assert 0 <= placed.start <= placed.end <= len(out.text)
            if source.start == source.end:
                assert placed.start == placed.end
        for i, first in enumerate(out.spans):
            for second in out.spans[i + 1 :]:
                after = first.end <= second.start
                inside = first.start < first.end and first.start <= second.start and second.end <= first.end
                assert after or inside, (first, second)
    position = 0
    for index, (block, out) in enumerate(zip(blocks, result.blocks, strict=True)):
        sentences = segment(block.text)
        own = result.segments[position : position + len(sentences)]
        position += len(sentences)
        assert [s.block for s in own] == [index] * len(sentences)
        assert out.text == rebuild_layout(block.text, sentences, [s.translation for s in own])
    assert position == len(result.segments)
    if aligner == "none":
        assert not any(s.aligned for s in result.segments)
