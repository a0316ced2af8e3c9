"""N-best alternatives from beam search, on both backends, directly and through a Runtime."""

from __future__ import annotations

import itertools
from pathlib import Path

import pytest

from service.config import Settings
from service.errors import MtsError
from service.models.info import ModelInfo
from service.runtime import Runtime
from service.translation.base import NBestTranslator, Translation
from service.translation.ct2 import CT2Translator
from service.translation.hf import HFSeq2SeqTranslator
from service.translation.seq2seq import Decoding, Seq2SeqTranslator

BACKENDS = ["torch", "ctranslate2"]
BEAMS = 4
TEXTS = [
    "Le ministre a rencontré son homologue à Séoul.",
    "",
    "Les exportations ont augmenté de 3 %.",
    "La Corée du Nord a tiré un missile.",
]


def make(backend: str, path: Path, family: str, models_dir: Path) -> Seq2SeqTranslator:
    info = ModelInfo(f"tiny/{path.name}", "local")
    if backend == "torch":
        return HFSeq2SeqTranslator(path, info, family, device="cpu", num_beams=BEAMS)  # type: ignore[arg-type]
    return CT2Translator(path, info, family, models_dir=models_dir, device="cpu", num_beams=BEAMS)  # type: ignore[arg-type]


@pytest.fixture(scope="module")
def converted(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("converted")


@pytest.fixture(scope="module", params=BACKENDS)
def marian(request: pytest.FixtureRequest, tiny_marian_fast: Path, converted: Path) -> Seq2SeqTranslator:
    """A random Marian whose outputs end (its beams hold several short hypotheses)."""
    return make(request.param, tiny_marian_fast, "marian", converted)


@pytest.fixture(scope="module", params=BACKENDS)
def m2m(request: pytest.FixtureRequest, tiny_m2m100: Path, converted: Path) -> Seq2SeqTranslator:
    return make(request.param, tiny_m2m100, "m2m100", converted)


def _non_increasing(options: list[Translation]) -> bool:
    scores = [o.score for o in options]
    assert all(s is not None for s in scores)
    return all(a >= b for a, b in itertools.pairwise(scores))  # type: ignore[operator]


def check_alternatives(
    translator: NBestTranslator, texts: list[str], src: str, tgt: str, n: int, plain: list[Translation]
) -> list[list[Translation]]:
    """The properties every n-best list has: one list per text, 1..n distinct texts, the first
    the plain translation, the others best first."""
    results = translator.translate_n(texts, src, tgt, n)
    assert len(results) == len(texts)
    for options, first in zip(results, plain, strict=True):
        assert 1 <= len(options) <= n
        assert options[0] == first
        assert len({o.text for o in options}) == len(options), "alternatives are distinct texts"
        assert all(o.text for o in options[1:]), "an empty alternative is none"
        assert _non_increasing(options[1:])
    return results


def test_alternatives_are_distinct_bounded_and_best_first(marian: Seq2SeqTranslator) -> None:
    plain = marian.translate(TEXTS, "fr", "en")
    for n in (1, 3, BEAMS, 6):
        results = check_alternatives(marian, TEXTS, "fr", "en", n, plain)
        assert results[1] == [Translation("", None)]
        if n == 1:
            assert all(len(options) == 1 for options in results)
        else:
            assert any(len(options) > 1 for options in results), "the beam holds alternatives"
        if n <= BEAMS:
            # The same beam as translate's: its best hypothesis comes first, and scores follow.
            assert all(_non_increasing(options) for options in results if options[0].score is not None)


def test_over_long_text_gets_its_single_translation(marian: Seq2SeqTranslator) -> None:
    long_text = " ".join(["Le ministre des Affaires étrangères a rencontré son homologue à Séoul."] * 6)
    assert marian.count_tokens(long_text) > marian.input_budget
    results = marian.translate_n([long_text], "fr", "en", 3)
    assert results == [marian.translate([long_text], "fr", "en")]


def test_a_count_below_one_is_refused(marian: Seq2SeqTranslator) -> None:
    with pytest.raises(MtsError, match="at least 1"):
        marian.translate_n(["Bonjour."], "fr", "en", 0)


def test_m2m100_hypotheses_start_with_the_forced_language_token(m2m: Seq2SeqTranslator) -> None:
    m2m._set_languages("fr", "ko")
    forced = m2m.family.language_token("ko")
    forced_id = m2m.tokenizer.convert_tokens_to_ids(forced)
    inputs = [m2m.encode(t) for t in TEXTS if t]
    decoding = Decoding(num_beams=BEAMS, max_new_tokens=12, forced_token=forced, hypotheses=3)
    generated = m2m.generate_n_ids(inputs, decoding)
    assert [len(hypotheses) for hypotheses in generated] == [3] * len(inputs)
    for hypotheses in generated:
        assert all(h.tokens[0] == forced_id for h in hypotheses)
        assert len({tuple(h.tokens) for h in hypotheses}) == 3, "the beam's hypotheses differ"
    plain = m2m.translate(TEXTS, "fr", "ko")
    for options in check_alternatives(m2m, TEXTS, "fr", "ko", 3, plain):
        assert not any(o.text.startswith(forced) for o in options)


@pytest.mark.slow
def test_a_trained_model_offers_real_alternatives(tmp_path: Path) -> None:
    """A model trained on a few pairs: its first choice is the learned one, the alternatives
    differ from it, and a beam wider than translate's keeps translate's choice first."""
    from tiny_models import DECISIVE_PAIRS, build_decisive_marian

    path = build_decisive_marian(tmp_path / "decisive")
    for backend in BACKENDS:
        translator = make(backend, path, "marian", tmp_path)
        sources = [source for source, _ in DECISIVE_PAIRS]
        plain = translator.translate(sources, "fr", "en")
        assert [p.text for p in plain[:2]] == [target for _, target in DECISIVE_PAIRS[:2]]
        for n in (3, BEAMS + 2):
            results = check_alternatives(translator, sources, "fr", "en", n, plain)
            assert all(len(options) == n for options in results)


def test_runtime_serves_alternatives_on_direct_and_pivot_routes(
    tiny_marian_fast: Path, tiny_m2m100: Path, tmp_path: Path
) -> None:
    settings = Settings(
        model_fr_en=str(tiny_marian_fast),
        model_fr_ko=str(tiny_m2m100),
        model_en_ko=str(tiny_m2m100),
        models_dir=tmp_path / "models",
        device="cpu",
        backend="torch",
        num_beams=BEAMS,
    )
    runtime = Runtime(settings)
    try:
        routed = runtime.translator("fr", "en")
        assert isinstance(routed, NBestTranslator)
        plain = routed.translate(TEXTS, "fr", "en")
        results = check_alternatives(routed, TEXTS, "fr", "en", 3, plain)
        inner = runtime.registry.route_translator(runtime.plan.route("fr", "en"))
        assert results == inner.translate_n(TEXTS, "fr", "en", 3)  # type: ignore[attr-defined]

        pivot = runtime.translator("fr", "ko")
        assert runtime.plan.route("fr", "ko").kind == "pivot"
        plain = pivot.translate(TEXTS, "fr", "ko")
        check_alternatives(pivot, TEXTS, "fr", "ko", 3, plain)  # type: ignore[arg-type]
        with pytest.raises(ValueError, match="was asked for"):
            routed.translate_n(TEXTS, "fr", "ko", 3)  # type: ignore[attr-defined]
    finally:
        runtime.close()
