"""Word alignment from cross-attention (forced decoding), on both backends.

The structural tests run the tiny random models. The alignment tests run a tiny Marian whose
cross-attention is built to attend by position: token and sublayer weights are zero, so every
hidden state the cross-attention sees is the layer norm of its sinusoidal position embedding,
x_p = LN(PE(p)); all x_p have the same norm (sqrt(d_model)), so x_q · x_p peaks at p = q
(Cauchy-Schwarz). Each decoder layer's query projection is the linear map M with M x_i = x_π(i)
(exact: the x_p are linearly independent) and its key projection the identity, so decoder
position i attends to source position π(i). With one piece per word, target word i then aligns
with source word π(i).
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pytest
from tiny_models import build_attending_marian, seq2seq_translator, single_pieces

from service.models.info import ModelInfo
from service.summarization.base import Summarizer
from service.translation.base import Aligner, Translation
from service.translation.ct2 import CT2Translator
from service.translation.seq2seq import Seq2SeqTranslator

BACKENDS = ["torch", "ctranslate2"]
INFO = ModelInfo("tiny/attending", "local")


@pytest.fixture(scope="module")
def attending(tmp_path_factory: pytest.TempPathFactory, tiny_marian: Path) -> dict[str, Path]:
    """Two constructed models: the last decoder layer diagonal (the first one reversed), and the
    last layer a permutation (the first one diagonal). Alignment reads the last layer."""
    root = tmp_path_factory.mktemp("attending")
    return {
        "diagonal": build_attending_marian(
            root / "diagonal", tiny_marian, [[4, 3, 2, 1, 0], [0, 1, 2, 3, 4]]
        ),
        "permuted": build_attending_marian(
            root / "permuted", tiny_marian, [[0, 1, 2, 3, 4], [2, 0, 4, 1, 3]]
        ),
    }


@pytest.fixture(scope="module")
def converted(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("converted")


@pytest.mark.parametrize("backend", BACKENDS)
def test_diagonal_attention_aligns_each_word_with_its_position(
    backend: str, attending: dict[str, Path], converted: Path
) -> None:
    translator = seq2seq_translator(backend, attending["diagonal"], converted)
    assert isinstance(translator, Aligner)
    source = " ".join(single_pieces(translator, target=False, count=5))
    target = " ".join(single_pieces(translator, target=True, count=5))
    alignment = translator.align([(source, target)], "fr", "en")
    assert alignment == [((0, 0), (1, 1), (2, 2), (3, 3), (4, 4))]


@pytest.mark.parametrize("backend", BACKENDS)
def test_permuted_attention_gives_the_permutation(
    backend: str, attending: dict[str, Path], converted: Path
) -> None:
    translator = seq2seq_translator(backend, attending["permuted"], converted)
    source = " ".join(single_pieces(translator, target=False, count=5))
    target = " ".join(single_pieces(translator, target=True, count=5))
    assert translator.align([(source, target)], "fr", "en") == [((2, 0), (0, 1), (4, 2), (1, 3), (3, 4))]


@pytest.mark.parametrize("backend", BACKENDS)
def test_pieces_are_mapped_to_their_words(backend: str, attending: dict[str, Path], converted: Path) -> None:
    """A source word of two pieces takes two positions: the attention of target words 0 and 1
    both land on it, and the rest shift by one word."""
    translator = seq2seq_translator(backend, attending["diagonal"], converted)
    singles = single_pieces(translator, target=False, count=3)
    long_word = next(
        w
        for w in ["ministre", "Corée", "missile", "exportations", "statistiques", "homologue"]
        if len(translator.tokenizer(w, add_special_tokens=False)["input_ids"]) == 2
    )
    source = " ".join([long_word, *singles])
    target = " ".join(single_pieces(translator, target=True, count=4))
    alignment = translator.align([(source, target)], "fr", "en")
    assert alignment == [((0, 0), (0, 1), (1, 2), (2, 3))]


def test_both_backends_align_alike_on_a_batch(attending: dict[str, Path], converted: Path) -> None:
    """Several pairs of different lengths in one batch (padding on both sides): each pair gets the
    diagonal on both backends."""
    torch_tr, fast = (seq2seq_translator(b, attending["diagonal"], converted) for b in BACKENDS)
    french = single_pieces(torch_tr, target=False, count=5)
    english = single_pieces(torch_tr, target=True, count=5)
    pairs = [(" ".join(french[:k]), " ".join(english[:k])) for k in (5, 2, 4, 1)]
    expected = [tuple((i, i) for i in range(k)) for k in (5, 2, 4, 1)]
    assert torch_tr.align(pairs, "fr", "en") == expected
    assert fast.align(pairs, "fr", "en") == expected


def test_alignment_batches_go_to_every_replica_and_come_back_in_order(
    attending: dict[str, Path], converted: Path
) -> None:
    """With three CTranslate2 replicas the pairs go out as three batches, submitted together
    (``asynchronous``); each pair still gets its own alignment."""
    fast = CT2Translator(
        attending["diagonal"], INFO, "marian", models_dir=converted, device="cpu", compute_type="float32",
        threads=3,
    )  # fmt: skip
    french = single_pieces(fast, target=False, count=5)
    english = single_pieces(fast, target=True, count=5)
    lengths = (5, 2, 4, 1, 3)
    pairs = [(" ".join(french[:k]), " ".join(english[:k])) for k in lengths]
    submitted: list[dict[str, Any]] = []
    model = fast.model

    class Recording:
        def translate_batch(self, *args: Any, **kwargs: Any) -> Any:
            submitted.append(kwargs)
            return model.translate_batch(*args, **kwargs)

    fast.model = Recording()
    assert fast.align(pairs, "fr", "en") == [tuple((i, i) for i in range(k)) for k in lengths]
    assert len(submitted) == 3
    assert all(options["asynchronous"] for options in submitted)


@pytest.fixture(scope="module", params=BACKENDS)
def marian(request: pytest.FixtureRequest, tiny_marian: Path, converted: Path) -> Seq2SeqTranslator:
    return seq2seq_translator(request.param, tiny_marian, converted)


@pytest.fixture(scope="module", params=BACKENDS)
def m2m(request: pytest.FixtureRequest, tiny_m2m100: Path, converted: Path) -> Seq2SeqTranslator:
    return seq2seq_translator(request.param, tiny_m2m100, converted, family="m2m100")


def _check_shape(alignment: tuple[tuple[int, int], ...], source: str, target: str) -> None:
    """Every target word has exactly one source word, within range."""
    assert [t for _, t in alignment] == list(range(len(target.split())))
    assert all(0 <= s < len(source.split()) for s, _ in alignment)


def test_random_marian_aligns_every_target_word_and_skips_what_it_cannot(marian: Seq2SeqTranslator) -> None:
    long_source = " ".join(["Le ministre des Affaires étrangères a rencontré son homologue."] * 8)
    assert marian.count_tokens(long_source) > marian.input_budget
    pairs = [
        ("Le ministre a rencontré son homologue à Séoul.", "The minister met his counterpart in Seoul."),
        ("", "Nothing."),
        ("Le ministre.", "   "),
        (long_source, "The minister."),
        ("Les exportations ont augmenté.", "Exports rose."),
    ]
    alignments = marian.align(pairs, "fr", "en")
    assert len(alignments) == len(pairs)
    assert alignments[1] == alignments[2] == alignments[3] == ()
    for index in (0, 4):
        _check_shape(alignments[index], *pairs[index])


def test_m2m100_alignment_skips_the_language_tokens(m2m: Seq2SeqTranslator) -> None:
    """The forced target-language token and the source-language token belong to no word."""
    pairs = [("La Corée du Nord a tiré un missile.", "북한이 탄도미사일을 발사했다."), ("Séoul", "서울")]
    alignments = m2m.align(pairs, "fr", "ko")
    for alignment, pair in zip(alignments, pairs, strict=True):
        _check_shape(alignment, *pair)


def test_align_takes_about_as_long_as_one_forward_pass(marian: Seq2SeqTranslator) -> None:
    """Prints how long alignment takes next to translation (information, not a requirement)."""
    texts = ["Le ministre a rencontré son homologue à Séoul mardi.", "Les exportations ont augmenté de 3 %."]
    start = time.perf_counter()
    translations = marian.translate(texts, "fr", "en")
    translate_s = time.perf_counter() - start
    start = time.perf_counter()
    alignments = marian.align([(s, t.text) for s, t in zip(texts, translations, strict=True)], "fr", "en")
    align_s = time.perf_counter() - start
    print(f"\n{marian.backend}: translate {translate_s * 1000:.1f} ms, align {align_s * 1000:.1f} ms")
    assert len(alignments) == len(texts)


def test_pivot_composes_the_alignments_of_both_steps() -> None:
    from service.translation.pivot import _compose

    # fr word 0 → en word 1 → ko word 0; fr word 1 → en word 0 → ko words 1 and 2; en word 2 unaligned.
    assert _compose(((1, 0), (0, 1)), ((1, 0), (0, 1), (0, 2))) == ((0, 0), (1, 1), (1, 2))
    assert _compose((), ((0, 0),)) == ()


def test_runtime_aligns_through_the_executor_on_direct_and_pivot_routes(
    tiny_marian: Path, tiny_m2m100: Path, tmp_path: Path
) -> None:
    from service.config import Settings
    from service.runtime import Runtime

    settings = Settings(
        model_fr_en=str(tiny_marian),
        model_fr_ko=str(tiny_m2m100),
        model_en_ko=str(tiny_m2m100),
        models_dir=tmp_path / "models",
        device="cpu",
        backend="torch",
        num_beams=1,
    )
    runtime = Runtime(settings)
    try:
        pairs = [("Le ministre a parlé.", "The minister spoke."), ("", ""), ("Séoul", "Seoul")]
        routed = runtime.translator("fr", "en")
        assert isinstance(routed, Aligner)
        alignments = routed.align(pairs, "fr", "en")
        inner = runtime.registry.route_translator(runtime.plan.route("fr", "en"))
        assert alignments == inner.align(pairs, "fr", "en")  # type: ignore[attr-defined]
        assert alignments[1] == ()
        _check_shape(alignments[0], *pairs[0])

        pivot = runtime.translator("fr", "ko")
        assert runtime.plan.route("fr", "ko").kind == "pivot"
        ko_pairs = [("Le ministre a parlé.", "장관이 말했다."), ("Séoul", "서울")]
        composed = pivot.align(ko_pairs, "fr", "ko")  # type: ignore[attr-defined]
        assert len(composed) == 2
        for alignment, (source, target) in zip(composed, ko_pairs, strict=True):
            assert all(0 <= s < len(source.split()) and 0 <= t < len(target.split()) for s, t in alignment)
    finally:
        runtime.close()


class PlainTranslator:
    """A translator with neither alignments nor alternatives (like a remote engine)."""

    @property
    def models(self) -> list[ModelInfo]:
        return [ModelInfo("plain", "local")]

    def translate(self, texts: Sequence[str], src: str, tgt: str) -> list[Translation]:
        return [Translation(text.upper(), None) for text in texts]


def test_a_route_or_cache_without_alignments_gives_empty_ones(tiny_marian: Path, tmp_path: Path) -> None:
    from service.config import Settings
    from service.runtime import Runtime
    from service.runtime.registry import Loaders
    from service.translation.cache import CachingTranslator, TranslationCache

    def no_summarizer(*args: object) -> Summarizer:
        raise AssertionError("no summarizer is loaded here")

    runtime = Runtime(
        Settings(model_fr_en=str(tiny_marian), models_dir=tmp_path / "models"),
        loaders=Loaders(lambda spec, settings: PlainTranslator(), no_summarizer),
    )
    try:
        routed = runtime.translator("fr", "en")
        pairs = [("Le ministre.", "The minister."), ("Séoul", "Seoul")]
        assert routed.align(pairs, "fr", "en") == [(), ()]  # type: ignore[attr-defined]
        assert routed.translate_n(["a", "b"], "fr", "en", 3) == [  # type: ignore[attr-defined]
            [Translation("A", None)],
            [Translation("B", None)],
        ]
        cached = CachingTranslator(routed, TranslationCache(tmp_path / "cache.sqlite"))
        assert cached.align(pairs, "fr", "en") == [(), ()]
        assert cached.translate_n(["a"], "fr", "en", 2) == [[Translation("A", None)]]
    finally:
        runtime.close()
