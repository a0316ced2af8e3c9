"""Both seq2seq backends (torch and CTranslate2) on tiny Marian and M2M100 models built at test
time: every behaviour here must hold whichever backend runs the model."""

from __future__ import annotations

from pathlib import Path

import pytest

from service.errors import UnsupportedLanguagePairError
from service.models.families import detect_family
from service.translation import seq2seq
from service.translation.base import ModelInfo
from service.translation.ct2 import CT2Translator
from service.translation.hf import HFSeq2SeqTranslator
from service.translation.seq2seq import Decoding, Generated, Seq2SeqTranslator

BACKENDS = ["torch", "ctranslate2"]

LONG = (
    "Les deux parties ont échangé leurs vues sur les menaces qui pèsent sur les satellites, "
    "dont le nombre en orbite a dépassé 10.000 l'an dernier, ainsi que sur les débris spatiaux, "
    "estimés à plus de 1,2 million de fragments, et sur les activités spatiales de la Corée du Nord, "
    "qui a lancé en novembre 2023 son premier satellite de reconnaissance militaire; les experts "
    "ont également évoqué la coordination des fréquences, la surveillance de l'espace et la "
    "protection des infrastructures critiques au sol comme en orbite."
)


def make(backend: str, path: Path, family: str, models_dir: Path, **kwargs: int) -> Seq2SeqTranslator:
    """A translator of ``backend`` for a tiny model (CTranslate2 converts it into ``models_dir``)."""
    info = ModelInfo(f"tiny/{family}", "local")
    if backend == "torch":
        return HFSeq2SeqTranslator(path, info, family, device="cpu", **kwargs)  # type: ignore[arg-type]
    return CT2Translator(path, info, family, models_dir=models_dir, device="cpu", **kwargs)  # type: ignore[arg-type]


@pytest.fixture(scope="module")
def converted(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("converted")


@pytest.fixture(scope="module", params=BACKENDS)
def marian(request: pytest.FixtureRequest, tiny_marian: Path, converted: Path) -> Seq2SeqTranslator:
    return make(request.param, tiny_marian, "marian", converted, num_beams=2, batch_tokens=256)


@pytest.fixture(scope="module", params=BACKENDS)
def m2m(request: pytest.FixtureRequest, tiny_m2m100: Path, converted: Path) -> Seq2SeqTranslator:
    return make(request.param, tiny_m2m100, "m2m100", converted, num_beams=1, batch_tokens=256)


def test_families_are_detected(tiny_marian: Path, tiny_m2m100: Path) -> None:
    assert detect_family(tiny_marian) == "marian"
    assert detect_family(tiny_m2m100) == "m2m100"


def test_one_translation_per_input_in_order(marian: Seq2SeqTranslator) -> None:
    texts = ["Le ministre a rencontré son homologue.", "", "   ", "La Corée du Nord a tiré un missile."]
    out = marian.translate(texts, "fr", "en")
    assert len(out) == 4
    assert out[1].text == "" and out[1].score is None
    assert out[2].text == "" and out[2].score is None
    for item in (out[0], out[3]):
        assert isinstance(item.text, str)
        assert item.score is not None and item.score <= 0.0


@pytest.mark.parametrize("backend", BACKENDS)
def test_result_does_not_depend_on_batch_neighbours(backend: str, tiny_marian: Path, converted: Path) -> None:
    greedy = make(backend, tiny_marian, "marian", converted, num_beams=1, batch_tokens=4096)
    short, middle = "Le taux a atteint 2,5 %.", LONG[:150]
    one_by_one = [greedy.translate([t], "fr", "en")[0] for t in (short, middle, short)]
    together = greedy.translate([short, middle, short], "fr", "en")
    assert [t.text for t in together] == [t.text for t in one_by_one]
    assert together[0].text and together[0].text != together[1].text


def test_over_long_sentence_is_chunked_within_the_input_budget(marian: Seq2SeqTranslator) -> None:
    assert marian.count_tokens(LONG) > marian.input_budget, "the test sentence must exceed the budget"
    units = marian._units([LONG])
    assert len(units) > 1
    assert all(u.n_tokens <= marian.input_budget for u in units)
    # Every word of the sentence reaches the model: nothing is dropped by chunking.
    assert " ".join(u.text for u in units).split() == LONG.split()
    out = marian.translate([LONG], "fr", "en")
    assert len(out) == 1 and out[0].text


def test_batches_respect_the_token_budget(marian: Seq2SeqTranslator) -> None:
    texts = [LONG[: 20 + 9 * i] for i in range(30)]
    units = marian._units(texts)
    batches = marian._batches(units)
    assert sum(len(b) for b in batches) == len(units)
    for batch in batches:
        assert len(batch) == 1 or batch[0].n_tokens * len(batch) <= marian.batch_tokens
        assert [u.n_tokens for u in batch] == sorted((u.n_tokens for u in batch), reverse=True)


def test_a_single_batch_is_split_so_that_every_replica_runs_one(tiny_marian: Path, converted: Path) -> None:
    """CTranslate2 runs a batch per replica side by side: one dispatch's few sentences, which fit
    one batch, are halved so that no core idles; one replica (torch) keeps them together."""
    texts = ["Le ministre est arrivé.", "Il repart jeudi.", "La réunion a duré deux heures.", "Fin."]
    side_by_side = make("ctranslate2", tiny_marian, "marian", converted, num_beams=1, threads=2)
    assert side_by_side.replicas == 2
    units = side_by_side._units(texts)
    assert sorted(len(b) for b in side_by_side._batches(units)) == [2, 2]
    assert [len(b) for b in side_by_side._batches(units[:1])] == [1]
    one = make("torch", tiny_marian, "marian", converted, num_beams=1)
    assert one.replicas == 1 and [len(b) for b in one._batches(one._units(texts))] == [4]
    assert all(t.text for t in side_by_side.translate(texts, "fr", "en"))


def test_output_length_is_bounded_relative_to_input(
    marian: Seq2SeqTranslator, monkeypatch: pytest.MonkeyPatch
) -> None:
    seen: list[int] = []
    original = marian.generate_many

    def spy(jobs: list[tuple[list[list[int]], Decoding]]) -> list[list[Generated]]:
        seen.extend(decoding.max_new_tokens for _, decoding in jobs)
        return original(jobs)

    monkeypatch.setattr(marian, "generate_many", spy)
    marian.translate(["Bonjour."], "fr", "en")
    short_bound = seen[0]
    marian.translate([LONG], "fr", "en")
    assert short_bound < 40, "a short sentence must not be allowed a long output"
    assert max(seen) > short_bound
    assert all(n <= marian.max_positions - 2 for n in seen)


def test_looping_output_is_retried_then_flagged(
    marian: Seq2SeqTranslator, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls: list[bool] = []
    original = marian._run

    def tracking_run(units: list[seq2seq._Unit], tgt: str, *, retry: bool) -> None:
        calls.append(retry)
        original(units, tgt, retry=retry)

    monkeypatch.setattr(marian, "_run", tracking_run)
    monkeypatch.setattr(seq2seq._Unit, "degenerate", property(lambda unit: True))
    out = marian.translate(["Le ministre a parlé."], "fr", "en")
    assert calls == [False, True]
    assert out[0].retried and out[0].looped

    calls.clear()
    verdicts = iter([True, False])
    monkeypatch.setattr(seq2seq._Unit, "degenerate", property(lambda unit: next(verdicts)))
    out = marian.translate(["Le ministre a parlé."], "fr", "en")
    assert calls == [False, True]
    assert out[0].retried and not out[0].looped


def test_m2m100_forces_the_target_language_and_hides_its_token(m2m: Seq2SeqTranslator) -> None:
    out = m2m.translate(["Le taux de chômage a atteint 2,5 %.", "Photo : YONHAP News"], "fr", "ko")
    assert len(out) == 2
    assert m2m.tokenizer.src_lang == "fr"
    for item in out:
        assert not item.text.startswith("__ko__")
        assert item.score is not None


def test_m2m100_rejects_a_language_it_has_no_code_for(m2m: Seq2SeqTranslator) -> None:
    with pytest.raises(UnsupportedLanguagePairError, match="no language code for 'xx'"):
        m2m.translate(["Bonjour."], "fr", "xx")
